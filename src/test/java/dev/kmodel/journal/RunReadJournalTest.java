package dev.kmodel.journal;

import static org.junit.jupiter.api.Assertions.*;

import akka.persistence.query.EventEnvelope;
import akka.persistence.query.PersistenceQuery;
import akka.stream.javadsl.Sink;
import dev.kmodel.run.Machine;
import dev.kmodel.scenario.ScenarioParser;
import java.io.File;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The run journal read back through Akka Persistence Query, against what the journal holds. */
class RunReadJournalTest {

    @Test
    void currentEventsAndPersistenceIdsAreTheJournals() throws Exception {
        var sc = ScenarioParser.parseFile(new File("conf/scenarios/zombie-reap.conf"));
        try (Machine.Running m = Machine.start(sc, Machine.config(), true)) {
            assertEquals("completed", m.awaitQuiescence());
            RunReadJournal rj =
                    PersistenceQuery.get(m.system()).getReadJournalFor(RunReadJournal.class, RunReadJournal.IDENTIFIER);
            List<String> ids = rj.currentPersistenceIds()
                    .runWith(Sink.seq(), m.system())
                    .toCompletableFuture()
                    .get(10, TimeUnit.SECONDS);
            List<JournalEntry> all = m.store().snapshot();
            assertEquals(
                    all.stream().map(JournalEntry::persistenceId).distinct().toList(), ids);
            assertTrue(ids.contains("task-4"));
            List<EventEnvelope> child = rj.currentEventsByPersistenceId("task-4", 0, Long.MAX_VALUE)
                    .runWith(Sink.seq(), m.system())
                    .toCompletableFuture()
                    .get(10, TimeUnit.SECONDS);
            List<JournalEntry> expected =
                    all.stream().filter(e -> e.persistenceId().equals("task-4")).toList();
            assertEquals(expected.size(), child.size());
            for (int i = 0; i < child.size(); i++) {
                assertSame(expected.get(i).event(), child.get(i).event());
                assertEquals(expected.get(i).sequenceNr(), child.get(i).sequenceNr());
            }
            // A range of sequence numbers (journal writes) is honoured.
            List<EventEnvelope> first = rj.currentEventsByPersistenceId("task-4", 1, 1)
                    .runWith(Sink.seq(), m.system())
                    .toCompletableFuture()
                    .get(10, TimeUnit.SECONDS);
            assertTrue(first.stream().allMatch(e -> e.sequenceNr() == 1) && !first.isEmpty());
        }
    }
}
