package dev.kmodel.cli;

import com.typesafe.config.Config;
import dev.kmodel.journal.JournalEntry;
import dev.kmodel.journal.JournalFile;
import dev.kmodel.kernel.task.TaskEvent;
import dev.kmodel.replay.Inspect;
import dev.kmodel.replay.Rerun;
import dev.kmodel.report.Report;
import dev.kmodel.run.Bounds;
import dev.kmodel.run.Machine;
import dev.kmodel.scenario.Scenario;
import dev.kmodel.scenario.ScenarioParser;
import java.io.File;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kmodel bench}: full lifecycles per second (fork → exit → wait4 → RCU free), measured in
 * wall-clock time from boot to quiescence; with {@code --memory M}, heap bytes per live modelled task.
 */
@Command(
        name = "bench",
        description = "Measure lifecycles/s (fork → exit → wait4 → RCU free), or heap per task.",
        exitCodeListHeading = Main.EXIT_STATUS,
        exitCodeList = {
            "0:measured; the run completed without a violation",
            "1:the run found a violation or did not complete (the measurement is still printed)",
            Main.EXIT_2,
            Main.EXIT_3
        },
        footerHeading = Main.EXAMPLES,
        footer = {
            "  ./kmodel bench --lifecycles 20000 --cpus 4",
            "  ./kmodel bench --journal off",
            "  ./kmodel bench --memory 2000"
        })
public final class BenchCommand implements Callable<Integer> {
    @Option(names = "--lifecycles", paramLabel = "N", description = "lifecycles to run (default ${DEFAULT-VALUE})")
    int lifecycles = 20000;

    @Option(
            names = "--cpus",
            paramLabel = "N",
            description = "CPUs; one forking parent per CPU (default ${DEFAULT-VALUE})")
    int cpus = 4;

    @Option(names = "--journal", paramLabel = "on|off", description = "keep the journal (default ${DEFAULT-VALUE})")
    String journal = "on";

    @Option(
            names = "--memory",
            paramLabel = "M",
            description = "instead: keep M tasks alive and report heap bytes per task")
    Integer memory;

    @Option(
            names = "--replay",
            description = "also time the journal: export, import, inspection (replay --at) and re-run")
    boolean replay;

    @Override
    public Integer call() throws Exception {
        if (!journal.equals("on") && !journal.equals("off")) {
            System.err.println("kmodel: --journal must be on or off, got '" + journal + "'");
            return Main.BAD_INPUT;
        }
        if (lifecycles < 1 || cpus < 1 || cpus > 256 || (memory != null && memory < 1)) {
            System.err.println("kmodel: --lifecycles, --cpus and --memory must be positive (cpus at most 256)");
            return Main.BAD_INPUT;
        }
        boolean keep = journal.equals("on");
        // A benchmark is as long as asked: no bound on events or model time, an hour of wall time; the
        // heap watchdog still stops it (one line) before the JVM would run out of memory.
        Config cfg = Bounds.of(Machine.config())
                .withMaxEvents(Long.MAX_VALUE)
                .withMaxTicks(Long.MAX_VALUE)
                .withWallTime(Duration.ofHours(1))
                .into(Machine.config());
        return memory != null ? memory(cfg, keep) : lifecycles(cfg, keep);
    }

    private int lifecycles(Config cfg, boolean keep) throws Exception {
        int per = Math.max(1, lifecycles / cpus);
        StringBuilder boot = new StringBuilder();
        for (int i = 0; i < cpus; i++) boot.append(i == 0 ? "" : ", ").append("main");
        String source = """
        name = "bench"
        cpus = %d
        seed = 1
        programs {
          main = [ { op = repeat, times = %d, steps = [
            { op = fork, run = child, save = c }
            { op = wait4, pid = "$c" }
          ] } ]
          child = [ { op = exit, code = 0 } ]
        }
        boot = [ %s ]
        """.formatted(cpus, per, boot);
        Scenario sc = ScenarioParser.parseString("bench", source);
        int total = per * cpus;
        long t0 = System.nanoTime();
        Report r;
        try (Machine.Running m = Machine.start(sc, cfg, keep)) {
            String outcome = m.awaitQuiescence();
            long t1 = System.nanoTime();
            if (m.stopped() != null) {
                System.err.printf(
                        "kmodel: bench stopped by %s (%s): %s%n",
                        m.stopped().by(), m.stopped().limit(), m.stopped().detail());
            }
            r = keep ? m.result(outcome).report() : null;
            double secs = (t1 - t0) / 1e9;
            System.out.printf(
                    "lifecycles: %d  cpus: %d  journal: %s  events: %d  messages: %d  elapsed: %.3f s  outcome: %s%n",
                    total, cpus, journal, m.store().accepted(), m.activity().handled(), secs, outcome);
            if (r != null && !r.violations().isEmpty()) {
                System.out.println("violations: " + r.violations().size() + " (first: "
                        + r.violations().get(0) + ")");
            }
            System.out.printf("lifecycles/s: %d%n", Math.round(total / secs));
            if (replay && keep) replayCosts(sc, source, m.result(outcome).journal(), total, secs);
            return outcome.equals("completed") && (r == null || r.violations().isEmpty()) ? Main.OK : Main.VIOLATION;
        }
    }

    /** Export, import, time travel to the last event, and a re-run, each timed. */
    private static void replayCosts(
            Scenario sc, String source, List<JournalEntry> journal, int total, double recordSecs) throws Exception {
        File f = File.createTempFile("kmodel-bench", ".kmj");
        f.deleteOnExit();
        long n = journal.size();
        long t0 = System.nanoTime();
        JournalFile.write(f, sc, source, RunCommand.knobs(Machine.config()), journal);
        long t1 = System.nanoTime();
        JournalFile.Loaded l = JournalFile.read(f);
        long t2 = System.nanoTime();
        Inspect.at(l, sc, n, null);
        long t3 = System.nanoTime();
        Rerun.Outcome o = Rerun.run(l);
        long t4 = System.nanoTime();
        System.out.printf("journal file: %d events, %.1f MB%n", n, f.length() / 1e6);
        System.out.printf(
                "export: %.3f s (%d events/s)   import: %.3f s (%d events/s)   replay --at end: %.3f s (%d events/s)%n",
                (t1 - t0) / 1e9,
                Math.round(n / ((t1 - t0) / 1e9)),
                (t2 - t1) / 1e9,
                Math.round(n / ((t2 - t1) / 1e9)),
                (t3 - t2) / 1e9,
                Math.round(n / ((t3 - t2) / 1e9)));
        double rerunSecs = (t4 - t3) / 1e9;
        System.out.printf(
                "re-run: %s, %.3f s (%d lifecycles/s; recording %d lifecycles/s: %.2fx its time)%n",
                o.identical() ? "identical" : "DIVERGED " + o.divergence(),
                rerunSecs,
                Math.round(total / rerunSecs),
                Math.round(total / recordSecs),
                rerunSecs / recordSecs);
    }

    /**
     * M children stop themselves (SIGSTOP) and their parent waits for them, so that all M stay alive
     * however far the machine's clock goes (a sleep of any length would end at once: nothing else runs).
     */
    private int memory(Config cfg, boolean keep) throws Exception {
        Scenario sc = ScenarioParser.parseString("bench-memory", """
        name = "bench-memory"
        cpus = 1
        seed = 1
        programs {
          main = [
            { op = repeat, times = %d, steps = [ { op = fork, run = sleeper } ] }
            { op = wait4, pid = -1 }
          ]
          sleeper = [ { op = getpid, save = me }, { op = kill, pid = "$me", sig = SIGSTOP } ]
        }
        boot = [ main ]
        """.formatted(memory));
        long before = usedHeap();
        try (Machine.Running m = Machine.start(sc, cfg, keep)) {
            int asleep = 0;
            int read = 0; // journal entries already looked at
            for (int i = 0; i < 6000 && asleep < memory; i++) {
                TimeUnit.MILLISECONDS.sleep(50);
                if (keep) {
                    List<JournalEntry> journal = m.store().snapshot();
                    asleep += countStopped(journal.subList(read, journal.size()));
                    read = journal.size();
                } else {
                    asleep = (int) Math.min(memory, m.store().accepted() / 40);
                }
            }
            if (!keep) TimeUnit.SECONDS.sleep(2);
            long after = usedHeap();
            long per = (after - before) / memory;
            System.out.printf(
                    "live tasks: %d  journal: %s  events: %d  heap before: %d  after: %d%n",
                    memory, journal, m.store().accepted(), before, after);
            System.out.printf("heap bytes per live task: %d%n", per);
        }
        return Main.OK;
    }

    private static int countStopped(List<JournalEntry> entries) {
        int n = 0;
        for (JournalEntry e : entries) {
            if (e.event() instanceof TaskEvent.Stopped) n++;
        }
        return n;
    }

    private static long usedHeap() throws InterruptedException {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 4; i++) {
            System.gc();
            TimeUnit.MILLISECONDS.sleep(100);
        }
        return rt.totalMemory() - rt.freeMemory();
    }
}
