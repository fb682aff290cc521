package dev.kmodel.mm;

import dev.kmodel.kernel.KEvent;
import dev.kmodel.kernel.MsgId;
import dev.kmodel.ledger.LedgerEntry;
import dev.kmodel.ledger.Ledgered;
import java.util.List;

/**
 * The Mmu's one event: the primitive changes one request made, in order, and their ledger entries.
 * Decisions are taken in the command handler; this event only states what changed.
 */
public record MmuEvent(MsgId cause, String request, List<MmOp> ops, List<LedgerEntry> ledger)
        implements KEvent, Ledgered {

    /** Primitive state changes of the memory model. */
    public sealed interface MmOp {}

    /** Advances the object id counter (first op of every event) so a replay allocates the same ids. */
    public record IdsUsed(long upTo) implements MmOp {}

    public record NewMm(String mm, String owner, String pgd) implements MmOp {}

    public record NewVma(String mm, String vma, long start, long pages, boolean anon) implements MmOp {}

    public record NewPageTable(String mm, String table, String level, long block) implements MmOp {}

    /** A PTE now maps {@code frame}; {@code writable} false means write-protected (COW or zero page). */
    public record SetPte(String mm, long vpn, String frame, boolean writable) implements MmOp {}

    public record ClearPte(String mm, long vpn) implements MmOp {}

    public record NewFrame(String frame, String owner) implements MmOp {}

    /** A frame's mapcount changed by delta; at 0 it is freed. */
    public record FrameRef(String frame, int delta) implements MmOp {}

    public record FreePageTable(String mm, String table) implements MmOp {}

    public record FreeVma(String mm, String vma) implements MmOp {}

    public record Users(String mm, int delta) implements MmOp {}

    public record Count(String mm, int delta) implements MmOp {}

    public record FreeMm(String mm) implements MmOp {}
}
