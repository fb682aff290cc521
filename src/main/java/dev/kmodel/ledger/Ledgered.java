package dev.kmodel.ledger;

import java.util.List;

/** An event that allocates, references, drops or frees kernel objects. */
public interface Ledgered {
    List<LedgerEntry> ledger();
}
