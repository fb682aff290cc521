package dev.kmodel.journal;

import static org.junit.jupiter.api.Assertions.*;

import dev.kmodel.kernel.KEvent;
import dev.kmodel.kernel.MsgId;
import dev.kmodel.kernel.StepBatch;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The run journal: one ordinal per event, batches replayed as they were written. */
class JournalStoreTest {
    record E(MsgId cause, int n) implements KEvent {}

    @Test
    void batchesGetOneOrdinalPerEventAndReplayAsOneEntry() {
        JournalStore store = new JournalStore();
        {
            MsgId m = new MsgId("a", 1);
            store.append("a", 1, new E(m, 1));
            store.append("b", 1, new E(m, 2));
            store.append("a", 2, new StepBatch(m, List.of(new E(m, 3), new E(m, 4))));
            assertEquals(4, store.accepted());
            List<JournalEntry> all = store.snapshot();
            assertEquals(
                    List.of(1L, 2L, 3L, 4L),
                    all.stream().map(JournalEntry::ordinal).toList());
            assertEquals(new E(m, 4), all.get(3).event());
            assertEquals(2, store.highestSequenceNr("a"));
            assertEquals(2, store.persistenceIds());
            List<JournalEntry> replay = store.eventsOf("a", 1, Long.MAX_VALUE, Long.MAX_VALUE);
            assertEquals(2, replay.size());
            // Recovery replays each write as the batch it was, with the message its step handled.
            assertEquals(List.of(new E(m, 1)), ((StepBatch) replay.get(0).event()).events());
            assertEquals(m, all.get(3).msg());
            StepBatch b = (StepBatch) replay.get(1).event();
            assertEquals(List.of(new E(m, 3), new E(m, 4)), b.events());
            assertEquals(1, store.eventsOf("a", 2, 2, 10).size());
            assertEquals(1, store.eventsOf("a", 1, 2, 1).size(), "max is honoured");
        }
    }

    @Test
    void aSnapshotIsAViewThatLaterAppendsDoNotChange() {
        JournalStore store = new JournalStore();
        MsgId m = new MsgId("a", 1);
        int chunk = 1 << 16;
        for (int i = 1; i <= chunk + 5; i++) store.append("a", i, new E(m, i));
        List<JournalEntry> before = store.snapshot();
        for (int i = chunk + 6; i <= 2 * chunk + 3; i++) store.append("a", i, new E(m, i));
        List<JournalEntry> after = store.snapshot();
        assertEquals(chunk + 5, before.size());
        assertEquals(2 * chunk + 3, after.size());
        assertEquals(new E(m, chunk + 5), before.get(chunk + 4).event(), "across a chunk boundary");
        assertThrows(IndexOutOfBoundsException.class, () -> before.get(chunk + 5));
        assertThrows(UnsupportedOperationException.class, () -> before.add(before.get(0)));
        long n = 0;
        for (JournalEntry e : after) assertEquals(++n, e.ordinal());
        assertEquals(2 * chunk + 3, n);
    }
}
