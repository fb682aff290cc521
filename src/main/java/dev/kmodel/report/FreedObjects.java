package dev.kmodel.report;

/**
 * The ids of freed kernel objects with the seq of their free: what the oracles keep of an object once
 * it is gone, so that a later reference to it is a use after free and a second free a double free.
 * An open-addressing table of the id strings the journal already holds (no copy) and their seqs: about
 * 24 bytes per freed object, against ~50 for a {@code HashMap<String, Long>} entry.
 */
final class FreedObjects {
    private String[] ids = new String[1 << 10];
    private long[] seqs = new long[1 << 10];
    private int size;

    /** Records that {@code id} was freed at {@code seq} (a re-used id's latest free replaces the last). */
    void put(String id, long seq) {
        if (2 * (size + 1) > ids.length) grow();
        int i = slot(ids, id);
        if (ids[i] == null) {
            ids[i] = id;
            size++;
        }
        seqs[i] = seq;
    }

    /** The seq at which {@code id} was last freed, or -1 if it never was. */
    long seqOf(String id) {
        int i = slot(ids, id);
        return ids[i] == null ? -1 : seqs[i];
    }

    int size() {
        return size;
    }

    private static int slot(String[] ids, String id) {
        int mask = ids.length - 1;
        // Fibonacci hashing: ids that differ only in a trailing counter must not fill neighbouring slots.
        int i = (id.hashCode() * 0x9E3779B9) >>> (Integer.numberOfLeadingZeros(ids.length) + 1);
        while (ids[i] != null && !ids[i].equals(id)) i = (i + 1) & mask;
        return i;
    }

    private void grow() {
        String[] oldIds = ids;
        long[] oldSeqs = seqs;
        ids = new String[oldIds.length * 2];
        seqs = new long[oldIds.length * 2];
        for (int j = 0; j < oldIds.length; j++) {
            if (oldIds[j] == null) continue;
            int i = slot(ids, oldIds[j]);
            ids[i] = oldIds[j];
            seqs[i] = oldSeqs[j];
        }
    }
}
