package dev.kmodel.run;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import dev.kmodel.journal.JournalEntry;
import dev.kmodel.journal.JournalStore;
import dev.kmodel.kernel.Boot;
import dev.kmodel.kernel.Env;
import dev.kmodel.kernel.Kernel;
import dev.kmodel.kernel.KernelCmd;
import dev.kmodel.kernel.MsgId;
import dev.kmodel.kernel.locking.TasklistLock;
import dev.kmodel.kernel.rcu.RcuManager;
import dev.kmodel.kernel.sched.Cpu;
import dev.kmodel.report.Report;
import dev.kmodel.report.ReportBuilder;
import dev.kmodel.scenario.Scenario;
import java.io.File;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

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

  /** Loads conf/application.conf (if present in the working directory) over the built-in defaults. */
  public static Config config() {
    File f = new File("conf/application.conf");
    Config base = ConfigFactory.load();
    return f.isFile() ? ConfigFactory.parseFile(f).withFallback(base).resolve() : base;
  }

  public static Result run(Scenario scenario) {
    return run(scenario, config(), true);
  }

  public static Result run(Scenario scenario, Config config, boolean keepJournal) {
    Scenario sc = Boot.withInit(scenario);
    String name = "kmodel-" + RUNS.incrementAndGet();
    Config cfg = config.withValue("kmodel.journal.store", ConfigValueFactory.fromAnyRef(keepJournal));
    JournalStore store = JournalStore.forSystem(name);
    ActorSystem<KernelCmd> system = ActorSystem.create(Kernel.create(sc, cfg), name, cfg);
    try {
      Duration poll = cfg.getDuration("kmodel.quiescence-poll");
      long maxPolls = Math.max(1, cfg.getDuration("kmodel.run-timeout").toMillis() / Math.max(1, poll.toMillis()));
      Env env = ask(system, r -> new KernelCmd.GetEnv(r));
      String outcome = "timeout";
      long lastCount = -1;
      int stable = 0;
      for (long i = 0; i < maxPolls; i++) {
        TimeUnit.MILLISECONDS.sleep(poll.toMillis());
        long count = store.accepted();
        boolean idle = idle(system, env);
        if (idle && count == lastCount) {
          if (++stable >= 2) {
            outcome = "completed";
            break;
          }
        } else {
          stable = 0;
        }
        lastCount = count;
      }
      List<JournalEntry> journal = store.snapshot();
      Report report = ReportBuilder.build(sc, journal, store.accepted(), store.persistenceIds(), outcome);
      return new Result(report, journal);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } finally {
      system.terminate();
      try {
        system.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // the system is going away either way
      }
      JournalStore.release(name);
    }
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

  private static <R> R ask(ActorSystem<KernelCmd> system, akka.japi.function.Function<ActorRef<R>, KernelCmd> f) {
    return ask(system, system, f);
  }

  private static <T, R> R ask(ActorSystem<?> system, ActorRef<T> to, akka.japi.function.Function<ActorRef<R>, T> f) {
    try {
      return AskPattern.ask(to, f, Duration.ofSeconds(10), system.scheduler()).toCompletableFuture()
          .get(15, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("the model did not answer a probe: " + e.getMessage(), e);
    }
  }
}
