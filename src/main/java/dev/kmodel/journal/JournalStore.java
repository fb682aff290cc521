package dev.kmodel.journal;

import akka.actor.AbstractExtensionId;
import akka.actor.ActorSystem;
import akka.actor.ExtendedActorSystem;
import akka.actor.Extension;
import akka.actor.setup.Setup;
import dev.kmodel.kernel.KEvent;
import dev.kmodel.kernel.MsgId;
import dev.kmodel.kernel.StepBatch;
import dev.kmodel.replay.ReplayPlan;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The memory behind {@link RunJournal}: per persistence id an append-only list, plus the run's global
 * append order. One store per actor system (several runs can share a JVM, e.g. in tests).
 *
 * <p>Only the journal plugin actor writes; readers (the report, after quiescence) take a snapshot under
 * the same monitor, so this is infrastructure, not model state shared between model actors. A snapshot
 * is a read-only view of the entries so far, not a copy: the journal is the largest thing a run holds
 * (kept in columns, {@link AppendOnlyLog}).
 */
public final class JournalStore {
    private final AppendOnlyLog all = new AppendOnlyLog(); // guarded by this
    private final Map<String, Long> highest = new HashMap<>(); // guarded by this
    private long accepted; // guarded by this
    private volatile boolean keep = true;

    /** The store of the run whose actor system this is (an extension; see {@link StoreSetup}). */
    public static JournalStore of(ActorSystem system) {
        return Id.INSTANCE.get(system).store;
    }

    /** Passed to ActorSystem.create: the run's store (a system without one gets a fresh one). */
    public static final class StoreSetup extends Setup {
        final JournalStore store;

        public StoreSetup(JournalStore store) {
            this.store = store;
        }
    }

    /** One store per actor system, held by the system itself (several runs can share a JVM). */
    static final class Ext implements Extension {
        final JournalStore store;

        Ext(JournalStore store) {
            this.store = store;
        }
    }

    static final class Id extends AbstractExtensionId<Ext> {
        static final Id INSTANCE = new Id();

        @Override
        public Ext createExtension(ExtendedActorSystem system) {
            return new Ext(system.settings()
                    .setup()
                    .get(StoreSetup.class)
                    .map(s -> s.store)
                    .orElseGet(JournalStore::new));
        }
    }

    void setKeep(boolean keep) {
        this.keep = keep;
    }

    /**
     * Appends one journal entry; O(1) amortized. A {@link StepBatch} stays one entry of its actor's
     * history (that is what recovery replays) but each of its events gets its own ordinal in the run.
     */
    private volatile ReplayPlan plan; // a re-run compares what it journals

    public void compareWith(ReplayPlan p) {
        plan = p;
    }

    synchronized void append(String persistenceId, long sequenceNr, Object event) {
        if (event instanceof StepBatch b) {
            for (Object part : b.events()) {
                if (plan != null) plan.check(persistenceId, part);
                keep(++accepted, persistenceId, sequenceNr, part, b.cause());
            }
        } else {
            keep(++accepted, persistenceId, sequenceNr, event, null);
        }
        if (keep) highest.put(persistenceId, sequenceNr);
    }

    /** An event's ordinal is its position in the kept journal (+ 1): a journal is kept whole or not at all. */
    private void keep(long ordinal, String persistenceId, long sequenceNr, Object event, MsgId msg) {
        if (!keep) return;
        if (ordinal != all.size() + 1L) {
            throw new IllegalStateException("the journal was kept only from event " + ordinal + " on");
        }
        all.add(persistenceId, sequenceNr, event, msg);
    }

    /**
     * One actor's journal entries in [from, to] for recovery, the events of one write batched again as
     * they were written. A scan of the run's list: recovery is off for live runs, so this is rare.
     */
    synchronized List<JournalEntry> eventsOf(String persistenceId, long from, long to, long max) {
        List<JournalEntry> out = new ArrayList<>();
        List<KEvent> batch = new ArrayList<>();
        JournalEntry first = null;
        for (JournalEntry e : all.prefix(all.size())) {
            if (!e.persistenceId().equals(persistenceId) || e.sequenceNr() < from || e.sequenceNr() > to) continue;
            if (first != null && e.sequenceNr() != first.sequenceNr()) {
                out.add(rebatch(first, batch));
                batch.clear();
                if (out.size() >= max) return out;
            }
            if (batch.isEmpty()) first = e;
            batch.add((KEvent) e.event());
        }
        if (first != null && out.size() < max) out.add(rebatch(first, batch));
        return out;
    }

    private static JournalEntry rebatch(JournalEntry first, List<KEvent> events) {
        Object event = new StepBatch(first.msg() == null ? events.get(0).cause() : first.msg(), List.copyOf(events));
        return new JournalEntry(first.ordinal(), first.persistenceId(), first.sequenceNr(), event);
    }

    synchronized long highestSequenceNr(String persistenceId) {
        return highest.getOrDefault(persistenceId, 0L);
    }

    /**
     * Every event kept so far, in the run's total order: a read-only view that later appends do not
     * change (no copy of the journal is made).
     */
    public synchronized List<JournalEntry> snapshot() {
        return all.prefix(all.size());
    }

    /** How many events the journal has accepted (kept or not), counting each event of a batch. */
    public synchronized long accepted() {
        return accepted;
    }

    public synchronized int persistenceIds() {
        return highest.size();
    }
}
