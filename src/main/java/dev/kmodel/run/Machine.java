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
import dev.kmodel.kernel.Probe;
import dev.kmodel.kernel.RunContext;
import dev.kmodel.kernel.locking.TasklistLock;
import dev.kmodel.kernel.rcu.RcuManager;
import dev.kmodel.kernel.sched.Cpu;
import dev.kmodel.log.LogbackWithoutMdc;
import dev.kmodel.replay.ReplayPlan;
import dev.kmodel.report.Report;
import dev.kmodel.report.ReportBuilder;
import dev.kmodel.scenario.Scenario;
import java.io.File;
import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.LoggerFactory;

/**
 * Runs one scenario on a fresh actor system until quiescence: all CPUs idle with empty runqueues and
 * no timers, no RCU callbacks pending, tasklist_lock free, and the journal unchanged between two
 * probes. The probes use real time only to decide when to look again; they read state, never change it.
 */
public final class Machine {
    private static final AtomicInteger RUNS = new AtomicInteger();

    /** The outcome of a run: the report and the journal it was built from. */
    public record Result(Report report, List<JournalEntry> journal) {}

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
        try (Running r = start(scenario, config, keepJournal)) {
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

        Running(Scenario sc, Config config, boolean keepJournal, ReplayPlan plan) {
            this.sc = sc;
            this.name = "kmodel-" + RUNS.incrementAndGet();
            this.cfg = config.withValue("kmodel.journal.store", ConfigValueFactory.fromAnyRef(keepJournal));
            this.plan = plan;
            // The run's journal store and context travel in its actor system (extensions built from these setups).
            this.store = new JournalStore();
            if (plan != null) store.compareWith(plan);
            RunContext run = new RunContext(plan);
            this.activity = run.activity();
            this.system = ActorSystem.create(
                    Kernel.create(sc, cfg),
                    name,
                    ActorSystemSetup.create(BootstrapSetup.create(cfg))
                            .withSetup(new RunContext.RunSetup(run))
                            .withSetup(new JournalStore.StoreSetup(store)));
            ActorRef<AllDeadLetters> listener = system.systemActorOf(
                    Behaviors.receiveMessage((AllDeadLetters d) -> {
                        if (isModelMessage(d.message())) {
                            activity.deadLetter(d.message().getClass().getSimpleName() + " to "
                                    + d.recipient().path().name());
                        }
                        return Behaviors.same();
                    }),
                    "dead-letters",
                    Props.empty());
            system.eventStream().tell(new EventStream.Subscribe<>(AllDeadLetters.class, listener));
            this.env = ask(system, r -> new KernelCmd.GetEnv(r));
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

        /** Waits until the machine is quiescent; returns "completed", or "timeout". */
        public String awaitQuiescence() {
            Duration poll = cfg.getDuration("kmodel.quiescence-poll");
            long maxPolls =
                    Math.max(1, cfg.getDuration("kmodel.run-timeout").toMillis() / Math.max(1, poll.toMillis()));
            long lastCount = -1;
            int stable = 0;
            try {
                for (long i = 0; i < maxPolls; i++) {
                    TimeUnit.MILLISECONDS.sleep(poll.toMillis());
                    long count = store.accepted();
                    if (activity.inFlight() == 0 && idle(system, env) && count == lastCount) {
                        if (++stable >= 2) return "completed";
                    } else if (plan != null && plan.mismatch() != null && count == lastCount) {
                        if (++stable >= 20) return "diverged"; // a re-run that left the recording and stopped moving
                    } else {
                        stable = 0;
                    }
                    lastCount = count;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            System.err.printf(
                    "kmodel: no quiescence within %s: %d model messages in flight, CPUs idle: %b%n",
                    cfg.getDuration("kmodel.run-timeout"), activity.inFlight(), idle(system, env));
            return "timeout";
        }

        public Result result(String outcome) {
            List<JournalEntry> journal = store.snapshot();
            Report report = ReportBuilder.build(
                    sc, journal, store.accepted(), store.persistenceIds(), outcome, activity.deadLetters());
            return new Result(report, journal);
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
        Boolean lockFree = ask(system, env.tasklist(), r -> new TasklistLock.Query(MsgId.NONE, r));
        return rcuIdle && lockFree;
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
