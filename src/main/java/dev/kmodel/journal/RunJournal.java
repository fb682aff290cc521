package dev.kmodel.journal;

import akka.actor.AbstractActor;
import akka.actor.ActorRef;
import akka.persistence.AtomicWrite;
import akka.persistence.DeleteMessagesSuccess;
import akka.persistence.JournalProtocol;
import akka.persistence.PersistentEnvelope;
import akka.persistence.PersistentRepr;
import com.typesafe.config.Config;
import java.util.ArrayList;
import java.util.List;

/**
 * The run journal: an in-memory Akka Persistence journal plugin that speaks the journal protocol
 * directly. Akka 2.6's {@code inmem} journal cannot be read back in the run's global order, and the
 * AsyncWriteJournal base adds a future and a resequencer hop to every write; this one appends in O(1)
 * and acknowledges at once, in the order the writes arrived. Each event is numbered with its position
 * in the run's total order, which the report uses as {@code seq}.
 */
public final class RunJournal extends AbstractActor {
    private final JournalStore store;

    public RunJournal(Config config) {
        this.store = JournalStore.of(getContext().getSystem());
        this.store.setKeep(!config.hasPath("store") || config.getBoolean("store"));
    }

    @Override
    public Receive createReceive() {
        return receiveBuilder()
                .match(JournalProtocol.WriteMessages.class, this::write)
                .match(JournalProtocol.ReplayMessages.class, this::replay)
                .match(
                        JournalProtocol.DeleteMessagesTo.class,
                        d ->
                                // A run's history is never deleted: replay and the report need all of it.
                                d.persistentActor().tell(new DeleteMessagesSuccess(d.toSequenceNr()), getSelf()))
                .build();
    }

    /** Appends every event of the batch, then acknowledges as AsyncWriteJournal does: batch, then each. */
    private void write(JournalProtocol.WriteMessages w) {
        ActorRef to = w.persistentActor();
        scala.collection.Iterator<PersistentEnvelope> it = w.messages().iterator();
        List<Object> acks = new ArrayList<>();
        while (it.hasNext()) {
            PersistentEnvelope env = it.next();
            if (env instanceof AtomicWrite aw) {
                scala.collection.Iterator<PersistentRepr> reprs = aw.payload().iterator();
                while (reprs.hasNext()) {
                    PersistentRepr r = reprs.next();
                    store.append(r.persistenceId(), r.sequenceNr(), r.payload());
                    acks.add(new JournalProtocol.WriteMessageSuccess(r, w.actorInstanceId()));
                }
            } else {
                acks.add(new JournalProtocol.LoopMessageSuccess(env.payload(), w.actorInstanceId()));
            }
        }
        to.tell(JournalProtocol.WriteMessagesSuccessful$.MODULE$, getSelf());
        for (Object ack : acks) {
            ActorRef sender = ack instanceof JournalProtocol.WriteMessageSuccess s
                    ? s.persistent().sender()
                    : getSelf();
            to.tell(ack, sender == null ? ActorRef.noSender() : sender);
        }
    }

    private void replay(JournalProtocol.ReplayMessages r) {
        ActorRef to = r.persistentActor();
        long highest = store.highestSequenceNr(r.persistenceId());
        // A new actor (nothing journaled) or a replay of nothing (recovery disabled asks with max = 0).
        if (highest == 0 || r.max() <= 0) {
            to.tell(new JournalProtocol.RecoverySuccess(highest), getSelf());
            return;
        }
        for (JournalEntry e : store.eventsOf(r.persistenceId(), r.fromSequenceNr(), r.toSequenceNr(), r.max())) {
            to.tell(
                    new JournalProtocol.ReplayedMessage(
                            PersistentRepr.apply(e.event(), e.sequenceNr(), r.persistenceId(), "", false, null, "")),
                    getSelf());
        }
        to.tell(new JournalProtocol.RecoverySuccess(highest), getSelf());
    }
}
