package dev.kmodel.report;

import dev.kmodel.journal.JournalEntry;
import dev.kmodel.ledger.LedgerEntry;
import dev.kmodel.ledger.LedgerEvent;
import dev.kmodel.ledger.Ledgered;
import dev.kmodel.report.Report.LedgerRow;
import java.util.AbstractList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.RandomAccess;

/**
 * The report's {@code ledger} array, read from the journal as it is iterated instead of being kept: a
 * run's ledger is half of its journal again (~43 rows per fork-exit-wait lifecycle), and the journal
 * already holds every entry. What this keeps is an index, 8 bytes per journal event that has rows.
 * Each row is made when it is read; uses of freed objects ({@link LedgerEvent#USE}) are not rows (they
 * are violations).
 */
final class LedgerRows extends AbstractList<LedgerRow> implements RandomAccess {
    private final List<JournalEntry> journal;
    private final Map<String, Integer> pidOfKey;
    private final int[] entry; // positions in the journal of the events that have rows
    private final int[] firstRow; // the row number of each such event's first row
    private final int size;

    /** {@code journal} must be a random-access list; {@code pidOfKey}: each task's final pid. */
    LedgerRows(List<JournalEntry> journal, Map<String, Integer> pidOfKey) {
        this.journal = journal;
        this.pidOfKey = pidOfKey;
        int[] entries = new int[1024];
        int[] firsts = new int[1024];
        int n = 0;
        int rows = 0;
        for (int i = 0; i < journal.size(); i++) {
            int k = rowsOf(journal.get(i).event());
            if (k == 0) continue;
            if (n == entries.length) {
                entries = Arrays.copyOf(entries, n * 2);
                firsts = Arrays.copyOf(firsts, n * 2);
            }
            entries[n] = i;
            firsts[n] = rows;
            n++;
            rows += k;
        }
        this.entry = Arrays.copyOf(entries, n);
        this.firstRow = Arrays.copyOf(firsts, n);
        this.size = rows;
    }

    private static int rowsOf(Object event) {
        if (!(event instanceof Ledgered l)) return 0;
        int k = 0;
        for (LedgerEntry e : l.ledger()) if (e.event() != LedgerEvent.USE) k++;
        return k;
    }

    @Override
    public LedgerRow get(int row) {
        if (row < 0 || row >= size) throw new IndexOutOfBoundsException("row " + row + ", size " + size);
        int at = Arrays.binarySearch(firstRow, row);
        if (at < 0) at = -at - 2; // the event whose rows begin last at or before this one
        JournalEntry je = journal.get(entry[at]);
        int skip = row - firstRow[at];
        List<LedgerEntry> ledger = ((Ledgered) je.event()).ledger();
        int rows = (at + 1 < firstRow.length ? firstRow[at + 1] : size) - firstRow[at];
        if (rows == ledger.size() && ledger instanceof RandomAccess) {
            return row(je.ordinal(), ledger.get(skip)); // no USE entries in it: the row is the entry (one event
            // may hold hundreds of thousands, as a fault of many pages does: no walk from its start)
        }
        for (LedgerEntry e : ledger) {
            if (e.event() == LedgerEvent.USE) continue;
            if (skip-- == 0) return row(je.ordinal(), e);
        }
        throw new IllegalStateException("the journal changed under the report's ledger at seq " + je.ordinal());
    }

    private LedgerRow row(long seq, LedgerEntry e) {
        return new LedgerRow(
                seq,
                e.object(),
                e.type(),
                pidOfKey.getOrDefault(e.owner(), 0),
                e.event().toString(),
                e.refcount(),
                e.holder(),
                e.function(),
                e.path(),
                e.cpu());
    }

    @Override
    public int size() {
        return size;
    }
}
