package dev.kmodel.kernel;

import akka.actor.setup.Setup;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Extension;
import akka.actor.typed.ExtensionId;
import akka.actor.typed.javadsl.Adapter;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the actors of one run share that is not model state: the count of messages in flight
 * ({@link Activity}), the machine clock's value (jiffies, written only by the TimeKeeper), and a
 * re-run's {@link ReceiveGate}. It lives in the run's actor system (an Akka extension), created
 * from the {@link RunSetup} the machine boots the system with, so runs in one JVM never share it.
 */
public final class RunContext implements Extension {
    private final Activity activity;
    private final AtomicLong jiffies = new AtomicLong();
    private final ReceiveGate gate; // null in a live run in parallel mode
    private volatile long maxTicks = Long.MAX_VALUE; // the run's bound on model time (kmodel.max-ticks)
    private volatile long clockStoppedAt = -1; // the instant the clock would have jumped to, past maxTicks

    public RunContext(ReceiveGate gate) {
        this(gate, new Activity());
    }

    /** A context whose gate counts on {@code activity} (a controlled schedule watches what is in flight). */
    public RunContext(ReceiveGate gate, Activity activity) {
        this.activity = activity;
        this.gate = gate;
    }

    /** The clock may not pass {@code ticks}: a run that would need it to stops there (a bound, not a model event). */
    public RunContext withMaxTicks(long ticks) {
        this.maxTicks = ticks;
        return this;
    }

    public long maxTicks() {
        return maxTicks;
    }

    /** The TimeKeeper refused to move the clock to {@code at}, past the bound. */
    public void clockStopped(long at) {
        clockStoppedAt = at;
    }

    /** Where the clock would have gone when it reached the bound; -1 while it has not. */
    public long clockStoppedAt() {
        return clockStoppedAt;
    }

    public Activity activity() {
        return activity;
    }

    /** The machine clock (read like jiffies: no lock; the TimeKeeper moves it only at quiescence). */
    public AtomicLong jiffies() {
        return jiffies;
    }

    /** A re-run's receive order, or null. */
    public ReceiveGate gate() {
        return gate;
    }

    /** The run context of {@code system}. */
    public static RunContext of(ActorSystem<?> system) {
        return Id.INSTANCE.apply(system);
    }

    /** Passed to ActorSystem.create: the run's context (a system without one gets a fresh one). */
    public static final class RunSetup extends Setup {
        final RunContext context;

        public RunSetup(RunContext context) {
            this.context = context;
        }
    }

    static final class Id extends ExtensionId<RunContext> {
        static final Id INSTANCE = new Id();

        @Override
        public RunContext createExtension(ActorSystem<?> system) {
            return Adapter.toClassic(system)
                    .settings()
                    .setup()
                    .get(RunSetup.class)
                    .map(s -> s.context)
                    .orElseGet(() -> new RunContext(null));
        }
    }
}
