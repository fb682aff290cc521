package dev.kmodel.run;

import akka.actor.AllDeadLetters;
import akka.actor.BootstrapSetup;
import akka.actor.setup.ActorSystemSetup;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Props;
import akka.actor.typed.eventstream.EventStream;
import akka.actor.typed.javadsl.AskPattern;
import akka.actor.typed.javadsl.Behaviors;
import akka.japi.function.Function;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import dev.kmodel.journal.JournalEntry;
import dev.kmodel.journal.JournalStore;
import dev.kmodel.kernel.Activity;
import dev.kmodel.kernel.Boot;
import dev.kmodel.kernel.Env;
import dev.kmodel.kernel.Kernel;
import dev.kmodel.kernel.KernelCmd;
import dev.kmodel.kernel.MsgId;
import dev.kmodel.kernel.MsgIds;
import dev.kmodel.kernel.Probe;
import dev.kmodel.kernel.RunContext;
import dev.kmodel.kernel.locking.LockActor;
import dev.kmodel.kernel.rcu.RcuManager;
import dev.kmodel.kernel.sched.Cpu;
import dev.kmodel.log.LogbackWithoutMdc;
import dev.kmodel.replay.ReplayPlan;
import dev.kmodel.report.Report;
import dev.kmodel.report.ReportBuilder;
import dev.kmodel.run.Bounds.Bound;
import dev.kmodel.scenario.Scenario;
import java.io.File;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.slf4j.LoggerFactory;

/**
 * Runs one scenario on a fresh actor system until quiescence: all CPUs idle with empty runqueues and
 * no timers, no RCU callbacks pending, tasklist_lock free, and the journal unchanged between two
 * probes. The probes use real time only to decide when to look again; they read state, never change it.
 */
public final class Machine {
    private static final AtomicInteger RUNS = new AtomicInteger();

    /**
     * The outcome of a run: the report and the journal it was built from; {@code scheduleSteps}: the
     * choices a controlled schedule made and {@code preemptions} how many of them switched away from an
     * actor that could have gone on (both 0 in the parallel mode).
     */
    public record Result(Report report, List<JournalEntry> journal, long scheduleSteps, long preemptions) {}

    private Machine() {}

    /**
     * Loads conf/application.conf over the built-in defaults, if present: under the installation
     * directory the launcher passes as the system property {@code kmodel.home}, or, without it (tests),
     * under the working directory.
     */
    public static Config config() {
        String home = System.getProperty("kmodel.home");
        File f = new File(home == null ? "." : home, "conf/application.conf");
        Config base = ConfigFactory.load();
        return f.isFile() ? ConfigFactory.parseFile(f).withFallback(base).resolve() : base;
    }

    public static Result run(Scenario scenario) {
        return run(scenario, config(), true);
    }

    public static Result run(Scenario scenario, Config config, boolean keepJournal) {
        return run(scenario, config, keepJournal, new AtomicReference<>());
    }

    /**
     * Runs until quiescence or a bound; {@code stopRequest} may be set from another thread at any time
     * (a signal handler: {@link Bound#SIGINT}, {@link Bound#SIGTERM}) to stop the run with what it has.
     */
    public static Result run(
            Scenario scenario, Config config, boolean keepJournal, AtomicReference<Bound> stopRequest) {
        try (Running r = start(scenario, config, keepJournal)) {
            r.stopRequest = stopRequest;
            String outcome = r.awaitQuiescence();
            return r.result(outcome);
        }
    }

    /** Boots a machine for the scenario; the caller waits for quiescence and closes it. */
    public static Running start(Scenario scenario, Config config, boolean keepJournal) {
        return start(scenario, config, keepJournal, null);
    }

    /** Boots a machine that re-runs a recording: each actor follows {@code plan}'s receive order. */
    public static Running start(Scenario scenario, Config config, boolean keepJournal, ReplayPlan plan) {
        // Initialize logging before Akka's threads log concurrently (avoids slf4j's replay warning).
        LogbackWithoutMdc.install();
        LoggerFactory.getILoggerFactory();
        return new Running(Boot.withInit(scenario), config, keepJournal, plan);
    }

    /** A machine that is running. */
    public static final class Running implements AutoCloseable {
        private final Scenario sc;
        private final String name;
        private final Config cfg;
        private final JournalStore store;
        private final ActorSystem<KernelCmd> system;
        private final Env env;

        private final Activity activity;

        private final ReplayPlan plan;
        private final Schedule schedule; // a controlled schedule (kmodel.schedule), or null
        private final RunContext run;
        private final Bounds bounds;
        // Real time, for the wall-time bound and messages only: the model never reads it (its clock is the
        // TimeKeeper's), so a run's journal does not depend on it.
        private final long started = System.nanoTime();
        private final long collectionsAtStart = oldGenCollections();
        private volatile AtomicReference<Bound> stopRequest = new AtomicReference<>(); // set by a signal handler
        private Report.StoppedBy stopped; // read and written by the thread that waits for the run
        private int deadLettersBeforeHalt; // the dead letters that were the model's, before a stop halted it

        Running(Scenario sc, Config config, boolean keepJournal, ReplayPlan plan) {
            this.sc = sc;
            this.name = "kmodel-" + RUNS.incrementAndGet();
            this.cfg = config.withValue("kmodel.journal.store", ConfigValueFactory.fromAnyRef(keepJournal));
            this.plan = plan;
            // The run's journal store and context travel in its actor system (extensions built from these setups).
            this.store = new JournalStore();
            if (plan != null) store.compareWith(plan);
            this.bounds = Bounds.of(cfg);
            // A re-run follows its recording's receive order, whatever schedule recorded it.
            String strategy = cfg.getString("kmodel.schedule");
            if (plan == null && !strategy.equals(Schedule.PARALLEL)) {
                Activity counts = new Activity();
                this.schedule = new Schedule(Schedule.Strategy.parse(strategy), sc.seed(), counts);
                this.run = new RunContext(schedule, counts).withMaxTicks(bounds.maxTicks());
            } else {
                this.schedule = null;
                this.run = new RunContext(plan).withMaxTicks(bounds.maxTicks());
            }
            this.activity = run.activity();
            this.system = ActorSystem.create(
                    Kernel.create(sc, cfg),
                    name,
                    ActorSystemSetup.create(BootstrapSetup.create(cfg))
                            .withSetup(new RunContext.RunSetup(run))
                            .withSetup(new JournalStore.StoreSetup(store)));
            ActorRef<AllDeadLetters> listener = system.systemActorOf(
                    Behaviors.receiveMessage((AllDeadLetters d) -> {
                        // (a controlled schedule may have counted it already, for an actor that stopped)
                        if (isModelMessage(d.message())
                                && (schedule == null || schedule.deadLetter(MsgIds.of(d.message())))) {
                            activity.deadLetter(d.message().getClass().getSimpleName() + " to "
                                    + d.recipient().path().name());
                        }
                        return Behaviors.same();
                    }),
                    "dead-letters",
                    Props.empty());
            system.eventStream().tell(new EventStream.Subscribe<>(AllDeadLetters.class, listener));
            this.env = ask(system, r -> new KernelCmd.GetEnv(r));
            if (schedule != null) schedule.start(); // the boot's first messages are in flight or stashed
        }

        /** The controlled schedule this run follows, or null (the parallel mode, or a re-run). */
        public Schedule schedule() {
            return schedule;
        }

        /** The machine's actors (to talk to the model from outside, as a test does). */
        public Env env() {
            return env;
        }

        public Activity activity() {
            return activity;
        }

        public JournalStore store() {
            return store;
        }

        /** The actor system (for the read journal; the model is driven by messages only). */
        public ActorSystem<KernelCmd> system() {
            return system;
        }

        /**
         * Waits until the machine is quiescent, or a bound stops it. Returns "completed" (quiescent),
         * "timeout" (the wall-time bound), "stopped" (another bound or a signal: {@link #stopped()} says
         * which), or "diverged" (a re-run that left its recording and stopped moving).
         */
        public String awaitQuiescence() {
            long poll = Math.max(1, cfg.getDuration("kmodel.quiescence-poll").toMillis());
            long deadline = started + bounds.wallTime().toNanos(); // from boot
            long lastCount = -1;
            int stable = 0;
            try {
                while (true) {
                    TimeUnit.MILLISECONDS.sleep(poll);
                    long count = store.accepted();
                    Bound hit = boundReached(count, deadline);
                    if (hit != null) return stop(hit);
                    if (activity.inFlight() == 0
                            && count == lastCount
                            && (idle(system, env) || lockWaits(system, env))) {
                        // Idle, or stuck: tasks spin or sleep on locks and nothing in flight can release them
                        // (the report's wait-for graph names the cycle).
                        if (++stable >= 2) return "completed";
                    } else if (plan != null && plan.mismatch() != null && count == lastCount) {
                        if (++stable >= 20) return "diverged"; // a re-run that left the recording and stopped moving
                    } else if (plan != null && plan.replayedAll() && count == lastCount) {
                        // The recording ended before quiescence (a bound stopped it): so does its re-run.
                        if (++stable >= 20) return stop(Bound.EVENTS);
                    } else {
                        stable = 0;
                    }
                    lastCount = count;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return stop(Bound.SIGINT);
            }
        }

        /** The first bound the run has reached, or null. Signals first: the user asked. */
        private Bound boundReached(long events, long deadline) {
            Bound asked = stopRequest.get();
            if (asked != null) return asked;
            if (events >= bounds.maxEvents()) return Bound.EVENTS;
            if (run.clockStoppedAt() >= 0) return Bound.TICKS; // the clock stopped: nothing else can happen
            if (heapExhausted()) return Bound.MEMORY;
            if (System.nanoTime() - deadline >= 0) return Bound.WALL_TIME;
            return null;
        }

        /**
         * The old generation is still this full after a collection of it that happened during this run
         * (an earlier run's collection in the same JVM says nothing about this one): the next
         * allocations would fail.
         */
        private boolean heapExhausted() {
            if (oldGenCollections() == collectionsAtStart) return false;
            for (MemoryPoolMXBean pool : oldGen()) {
                MemoryUsage after = pool.getCollectionUsage();
                long max = pool.getUsage().getMax();
                if (after != null && max > 0 && after.getUsed() > bounds.heapFraction() * max) return true;
            }
            return false;
        }

        /** The heap pools that fill up: the old generation (eden and survivors are full after a GC by design). */
        private static List<MemoryPoolMXBean> oldGen() {
            return ManagementFactory.getMemoryPoolMXBeans().stream()
                    .filter(p -> p.getType() == MemoryType.HEAP && p.isCollectionUsageThresholdSupported())
                    .filter(p -> p.getName().contains("Old") || p.getName().contains("Tenured"))
                    .toList();
        }

        /** How many collections of the old generation the JVM has made. */
        private static long oldGenCollections() {
            Set<String> old = oldGen().stream().map(MemoryPoolMXBean::getName).collect(Collectors.toSet());
            long n = 0;
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                if (Arrays.stream(gc.getMemoryPoolNames()).anyMatch(old::contains)) n += gc.getCollectionCount();
            }
            return n;
        }

        private String stop(Bound b) {
            long inFlight = activity.inFlight();
            deadLettersBeforeHalt =
                    activity.deadLetters().size(); // (halting turns what is in flight into dead letters)
            halt(); // the journal so far is then what the report and the journal file both see
            String detail = switch (b) {
                case WALL_TIME ->
                    "no quiescence within " + Bounds.human(bounds.wallTime()) + ": " + inFlight
                            + " model messages in flight" + (schedule == null ? "" : "; " + schedule.describe());
                case EVENTS ->
                    "the journal reached " + bounds.maxEvents() + " events; " + store.accepted()
                            + " when the actors had stopped";
                case TICKS ->
                    "the clock would pass " + bounds.maxTicks() + " ticks (next instant: " + run.clockStoppedAt() + ")";
                case MEMORY ->
                    "the heap is more than " + Math.round(bounds.heapFraction() * 100) + "% full after a full GC (max "
                            + (Runtime.getRuntime().maxMemory() >> 20) + " MiB)";
                case SIGINT, SIGTERM ->
                    "stopped by " + b.label + " after " + Bounds.human(Duration.ofNanos(System.nanoTime() - started));
            };
            this.stopped = new Report.StoppedBy(b.label, bounds.limitOf(b), detail);
            return b == Bound.WALL_TIME ? "timeout" : "stopped";
        }

        /** Asks the run to stop at its next poll (a signal handler calls this); the report is still written. */
        public void requestStop(Bound why) {
            stopRequest.set(why);
        }

        /** Which bound stopped the run, or null if it reached quiescence. */
        public Report.StoppedBy stopped() {
            return stopped;
        }

        public Result result(String outcome) {
            List<JournalEntry> journal = store.snapshot();
            List<String> deadLetters = activity.deadLetters();
            if (stopped != null)
                deadLetters = deadLetters.subList(0, Math.min(deadLettersBeforeHalt, deadLetters.size()));
            Report report = ReportBuilder.build(
                    sc, journal, store.accepted(), store.persistenceIds(), outcome, deadLetters, stopped);
            return new Result(
                    report,
                    journal,
                    schedule == null ? 0 : schedule.steps(),
                    schedule == null ? 0 : schedule.preemptions());
        }

        /** Stops the actors and waits for them (a handler still running gets 10 seconds). */
        private void halt() {
            system.terminate();
            try {
                system.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // the system is going away either way
            }
        }

        @Override
        public void close() {
            system.terminate();
            try {
                system.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // the system is going away either way
            }
        }
    }

    /** A model message carries a MsgId, directly or inside the reply an adapter wraps. */
    static boolean isModelMessage(Object m) {
        if (m == null || m instanceof Probe || !m.getClass().isRecord()) return false;
        for (RecordComponent rc : m.getClass().getRecordComponents()) {
            if (rc.getType() == MsgId.class) return true;
            if (rc.getType().isRecord()) {
                for (RecordComponent inner : rc.getType().getRecordComponents()) {
                    if (inner.getType() == MsgId.class) return true;
                }
            }
        }
        return false;
    }

    private static boolean idle(ActorSystem<?> system, Env env) {
        for (ActorRef<Cpu.Cmd> cpu : env.cpus()) {
            Cpu.CpuSummary s = ask(system, cpu, r -> new Cpu.Query(MsgId.NONE, r));
            if (!s.idle() || s.timers() > 0) return false;
        }
        Boolean rcuIdle = ask(system, env.rcu(), r -> new RcuManager.Query(MsgId.NONE, r));
        if (!rcuIdle) return false;
        // A lock may still be held here: every CPU is idle, so its holder sleeps (de_thread and
        // zap_pid_ns_processes sleep holding cred_guard_mutex / tasklist_lock's read side in Linux too).
        // With nothing in flight nobody will run to release it; the report's blocked rows say who sleeps.
        return true;
    }

    /** Does any task wait for a lock? With nothing in flight, nothing will ever hand it over. */
    private static boolean lockWaits(ActorSystem<?> system, Env env) {
        for (ActorRef<LockActor.Cmd> lock : env.locks().values()) {
            LockActor.Status st = ask(system, lock, r -> new LockActor.Query(MsgId.NONE, r));
            if (st.waiting() > 0) return true;
        }
        return false;
    }

    private static <R> R ask(ActorSystem<KernelCmd> system, Function<ActorRef<R>, KernelCmd> f) {
        return ask(system, system, f);
    }

    private static <T, R> R ask(ActorSystem<?> system, ActorRef<T> to, Function<ActorRef<R>, T> f) {
        try {
            return AskPattern.ask(to, f, Duration.ofSeconds(10), system.scheduler())
                    .toCompletableFuture()
                    .get(15, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("the model did not answer a probe: " + e.getMessage(), e);
        }
    }
}
