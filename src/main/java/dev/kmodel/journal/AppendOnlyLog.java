package dev.kmodel.journal;

import dev.kmodel.kernel.MsgId;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.List;
import java.util.RandomAccess;

/**
 * The run's journal in its total order, append-only, kept in columns: per entry its persistence id, its
 * sequence number, the event and the message that caused it, in fixed-size chunks of arrays. That is
 * 16 bytes an entry instead of a {@link JournalEntry} object and the reference to it (44 bytes); the
 * ordinal is the position. A run of 200 000 lifecycles journals ~20 million events, so this is ~550 MB.
 *
 * <p>{@link #prefix} hands out the first n entries as a read-only list that makes each JournalEntry when
 * it is read: nothing is copied, an entry once written never changes, and a prefix never sees what is
 * appended after it was taken. Not thread-safe by itself: {@link JournalStore} appends and takes
 * prefixes under its monitor, which also makes a prefix's entries visible to the thread that took it.
 */
final class AppendOnlyLog {
    private static final int CHUNK_BITS = 16;
    private static final int CHUNK = 1 << CHUNK_BITS;

    /** One chunk of entries, column by column. */
    private static final class Chunk {
        final String[] persistenceIds = new String[CHUNK];
        final int[] sequenceNrs = new int[CHUNK]; // an actor's writes: far below 2^31 in any run that fits in memory
        final Object[] events = new Object[CHUNK];
        final MsgId[] msgs = new MsgId[CHUNK];
    }

    private final List<Chunk> chunks = new ArrayList<>();
    private int size;

    /** Appends the entry at position {@link #size()}: its ordinal is that position + 1. */
    void add(String persistenceId, long sequenceNr, Object event, MsgId msg) {
        if (sequenceNr < 0 || sequenceNr > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(persistenceId + " sequence number " + sequenceNr + " out of range");
        }
        int at = size & (CHUNK - 1);
        if (at == 0) chunks.add(new Chunk());
        Chunk c = chunks.get(chunks.size() - 1);
        c.persistenceIds[at] = persistenceId;
        c.sequenceNrs[at] = (int) sequenceNr;
        c.events[at] = event;
        c.msgs[at] = msg;
        size++;
    }

    int size() {
        return size;
    }

    /** The first {@code n} entries, read-only; appends made afterwards do not show in it. */
    List<JournalEntry> prefix(int n) {
        if (n < 0 || n > size) throw new IndexOutOfBoundsException(n);
        return new Prefix(chunks.toArray(new Chunk[0]), n);
    }

    private static final class Prefix extends AbstractList<JournalEntry> implements RandomAccess {
        private final Chunk[] chunks;
        private final int size;

        Prefix(Chunk[] chunks, int size) {
            this.chunks = chunks;
            this.size = size;
        }

        @Override
        public JournalEntry get(int i) {
            if (i < 0 || i >= size) throw new IndexOutOfBoundsException("index " + i + ", size " + size);
            Chunk c = chunks[i >>> CHUNK_BITS];
            int at = i & (CHUNK - 1);
            return new JournalEntry(i + 1L, c.persistenceIds[at], c.sequenceNrs[at], c.events[at], c.msgs[at]);
        }

        @Override
        public int size() {
            return size;
        }
    }
}
