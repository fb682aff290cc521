package dev.kmodel;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.typed.javadsl.Adapter;
import akka.persistence.query.EventEnvelope;
import akka.persistence.query.PersistenceQuery;
import akka.persistence.query.Sequence;
import akka.stream.javadsl.Sink;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.kmodel.journal.JournalStore;
import dev.kmodel.journal.RunReadJournal;
import dev.kmodel.kernel.MsgId;
import dev.kmodel.run.Machine;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Test helpers for testing one model actor alone with Akka's ActorTestKit: a kit configured as a run
 * is (the run journal plugin, recovery off; its registries are extensions of the kit's system, gone
 * with it), and the events an actor journaled read back through the run's read journal.
 */
public final class ActorTests {
    private ActorTests() {}

    /** Generous: the build machine has two cores and other builds run beside it. */
    public static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** How long "nothing else arrives" is checked, always after a barrier that makes it exact. */
    public static final Duration NOTHING = Duration.ofMillis(100);

    /** A test kit whose actor system is configured like a run's (Machine.config()). */
    public static ActorTestKit kit(String name) {
        dev.kmodel.log.LogbackWithoutMdc.install();
        org.slf4j.LoggerFactory.getILoggerFactory(); // before Akka's threads log (as Machine.start does)
        Config testkit = ConfigFactory.parseString("akka.actor.testkit.typed.single-expect-default = 10s\n"
                + "akka.actor.testkit.typed.default-timeout = 10s\n"
                + "akka.actor.testkit.typed.system-shutdown-default = 20s\n");
        return ActorTestKit.create(name, testkit.withFallback(Machine.config()));
    }

    /** Shuts the kit down (the run context and journal store go with its system). */
    public static void shutdown(ActorTestKit kit) {
        kit.shutdownTestKit();
    }

    /** How many events the system's journal has accepted so far (a mark to read events after). */
    public static long mark(ActorTestKit kit) {
        return JournalStore.of(Adapter.toClassic(kit.system())).accepted();
    }

    /**
     * The events {@code persistenceId} journaled after {@code mark}, in order, read through the run's
     * Akka Persistence Query read journal ({@link RunReadJournal}).
     */
    public static List<Object> events(ActorTestKit kit, String persistenceId, long mark) {
        RunReadJournal rj =
                PersistenceQuery.get(kit.system()).getReadJournalFor(RunReadJournal.class, RunReadJournal.IDENTIFIER);
        try {
            List<EventEnvelope> all = rj.currentEventsByPersistenceId(persistenceId, 0, Long.MAX_VALUE)
                    .runWith(Sink.seq(), kit.system())
                    .toCompletableFuture()
                    .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return all.stream()
                    .filter(e -> ((Sequence) e.offset()).value() > mark)
                    .map(EventEnvelope::event)
                    .toList();
        } catch (Exception e) {
            throw new AssertionError("the read journal did not answer: " + e, e);
        }
    }

    /** The events of type {@code type} that {@code persistenceId} journaled after {@code mark}. */
    public static <T> List<T> events(ActorTestKit kit, String persistenceId, long mark, Class<T> type) {
        return events(kit, persistenceId, mark).stream()
                .filter(type::isInstance)
                .map(type::cast)
                .toList();
    }

    /** Message ids for what a test sends, as if from one model actor. */
    public static final class Ids {
        private final String from;
        private long n;

        public Ids(String from) {
            this.from = from;
        }

        public synchronized MsgId next() {
            return new MsgId(from, ++n);
        }
    }
}
