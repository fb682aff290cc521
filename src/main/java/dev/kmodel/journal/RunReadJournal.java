package dev.kmodel.journal;

import akka.NotUsed;
import akka.actor.ExtendedActorSystem;
import akka.persistence.query.EventEnvelope;
import akka.persistence.query.Offset;
import akka.persistence.query.ReadJournalProvider;
import akka.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import akka.persistence.query.javadsl.CurrentPersistenceIdsQuery;
import akka.persistence.query.javadsl.ReadJournal;
import akka.stream.javadsl.Source;
import com.typesafe.config.Config;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * The run journal's read side (Akka Persistence Query, {@value #IDENTIFIER}): the events one actor
 * journaled so far, in its order, and the persistence ids the run has. Each event is one envelope
 * (the events of one step share its sequence number); the offset is the event's position in the
 * run's total order.
 */
public final class RunReadJournal
        implements ReadJournal, CurrentEventsByPersistenceIdQuery, CurrentPersistenceIdsQuery {
    public static final String IDENTIFIER = "kmodel.read-journal";

    private final JournalStore store;

    RunReadJournal(JournalStore store) {
        this.store = store;
    }

    @Override
    public Source<EventEnvelope, NotUsed> currentEventsByPersistenceId(
            String persistenceId, long fromSequenceNr, long toSequenceNr) {
        List<EventEnvelope> out = new ArrayList<>();
        for (JournalEntry e : store.snapshot()) {
            if (e.persistenceId().equals(persistenceId)
                    && e.sequenceNr() >= fromSequenceNr
                    && e.sequenceNr() <= toSequenceNr) {
                out.add(EventEnvelope.apply(
                        Offset.sequence(e.ordinal()), persistenceId, e.sequenceNr(), e.event(), 0L));
            }
        }
        return Source.from(out);
    }

    @Override
    public Source<String, NotUsed> currentPersistenceIds() {
        LinkedHashSet<String> ids = new LinkedHashSet<>();
        for (JournalEntry e : store.snapshot()) ids.add(e.persistenceId());
        return Source.from(List.copyOf(ids));
    }

    /** Registered under {@value RunReadJournal#IDENTIFIER} in reference.conf. */
    public static final class Provider implements ReadJournalProvider {
        private final RunReadJournal javadsl;

        public Provider(ExtendedActorSystem system, Config config) {
            this.javadsl = new RunReadJournal(JournalStore.of(system));
        }

        @Override
        public akka.persistence.query.scaladsl.ReadJournal scaladslReadJournal() {
            return new akka.persistence.query.scaladsl.ReadJournal() {};
        }

        @Override
        public ReadJournal javadslReadJournal() {
            return javadsl;
        }
    }
}
