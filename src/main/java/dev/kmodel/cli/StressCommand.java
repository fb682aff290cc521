package dev.kmodel.cli;

import com.typesafe.config.Config;
import dev.kmodel.report.ReportJson;
import dev.kmodel.run.Machine;
import dev.kmodel.run.Schedule;
import dev.kmodel.scenario.Fault;
import dev.kmodel.scenario.Scenario;
import dev.kmodel.scenario.ScenarioException;
import dev.kmodel.scenario.ScenarioParser;
import dev.kmodel.stress.Shrink;
import dev.kmodel.stress.Stress;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kmodel stress SCENARIO}: many schedules of one scenario, violations grouped, the first of each saved. */
@Command(
        name = "stress",
        description = {
            "Run many schedules of a scenario (or of random programs), several at a time, and group the"
                    + " violations they find by kind and site, with the hit rate, its 95%% interval and the first"
                    + " seed of each; that seed's journal is saved, and replay --rerun runs it again exactly."
        },
        exitCodeListHeading = Main.EXIT_STATUS,
        exitCodeList = {
            "0:no schedule found a violation",
            "1:some schedule found a violation, a deadlock or a hang",
            Main.EXIT_2,
            Main.EXIT_3
        },
        footerHeading = Main.EXAMPLES,
        footer = {
            "  ./kmodel stress conf/scenarios/two-waiters.conf --schedules 2000",
            "  ./kmodel stress conf/scenarios/exit-vs-reparent.conf --strategy pct:3 --faults release-task-no-tasklist-lock",
            "  ./kmodel stress --random 1000 --report s.json",
            "  ./kmodel replay stress-out/two-waiters-deadlock-seed17.kmj --rerun",
            "Paths are relative to the current directory."
        })
public final class StressCommand implements Callable<Integer> {
    @Parameters(
            index = "0",
            arity = "0..1",
            paramLabel = "SCENARIO.conf",
            description = "the scenario (HOCON); none with --random")
    File scenario;

    @Option(
            names = "--schedules",
            paramLabel = "N",
            description = "how many schedules (default 1000; with --random: one per program)")
    Long schedules;

    @Option(names = "--jobs", paramLabel = "J", description = "schedules run at a time (default: the number of cores)")
    Integer jobs;

    @Option(
            names = "--strategy",
            paramLabel = "S",
            description = {
                "random (default), pct, pct:D, pct:D:K (PCT of depth D with K estimated steps; without K one random"
                        + " run of the first seed measures it), or parallel (real threads: not reproducible by seed)"
            })
    String strategy = "random";

    @Option(
            names = "--seed",
            paramLabel = "S",
            description = "the first schedule's seed; schedule i runs seed S+i (default 1)")
    long firstSeed = 1;

    @Option(
            names = "--faults",
            split = ",",
            paramLabel = "FAULT",
            converter = RunCommand.FaultConverter.class,
            completionCandidates = RunCommand.FaultNames.class,
            description = "switch on faults (docs/faults.md, docs/locking.md): ${COMPLETION-CANDIDATES}")
    List<Fault> faults;

    @Option(names = "--until-first", description = "stop at the first schedule that finds a violation")
    boolean untilFirst;

    @Option(
            names = "--out",
            paramLabel = "DIR",
            description = "where the first journal of each violation group goes (default stress-out)")
    File out = new File("stress-out");

    @Option(names = "--report", paramLabel = "S.json", description = "write the summary as JSON here")
    File report;

    @Option(
            names = "--random",
            paramLabel = "N",
            description = "run N random programs (seeded: program i is generated from seed S+i) instead of a scenario")
    Long random;

    @Option(
            names = "--max-time",
            paramLabel = "DURATION",
            converter = RunCommand.DurationConverter.class,
            description = "a schedule that has not ended after this much real time is a hang (default 60s)")
    Duration maxTime = Duration.ofSeconds(60);

    @Option(
            names = "--shrink",
            description = "shrink the first journal of each violation group (kmodel shrink), into --out")
    boolean shrink;

    @Option(names = "--no-progress", description = "no progress bar (it is drawn only on a terminal anyway)")
    boolean noProgress;

    @Override
    public Integer call() throws InterruptedException {
        Scenario sc = null;
        String source = null;
        if (random == null && scenario == null) {
            System.err.println("kmodel: stress needs a SCENARIO.conf or --random N (see kmodel stress --help)");
            return Main.BAD_INPUT;
        }
        if (random != null && scenario != null) {
            System.err.println("kmodel: stress takes a SCENARIO.conf or --random N, not both");
            return Main.BAD_INPUT;
        }
        if (scenario != null) {
            try {
                sc = ScenarioParser.parseFile(scenario);
                source = Files.readString(scenario.toPath(), StandardCharsets.UTF_8);
            } catch (ScenarioException e) {
                System.err.println("kmodel: " + e.getMessage());
                return Main.BAD_INPUT;
            } catch (IOException e) {
                System.err.println("kmodel: " + scenario + ": " + e.getMessage());
                return Main.BAD_INPUT;
            }
            if (faults != null) sc = sc.withFaults(Set.copyOf(faults));
        }
        long n = random != null ? random : schedules != null ? schedules : 1000;
        int j = jobs != null ? jobs : Runtime.getRuntime().availableProcessors();
        if (n < 1 || j < 1) {
            System.err.println("kmodel: --schedules, --random and --jobs must be at least 1");
            return Main.BAD_INPUT;
        }
        try {
            if (!strategy.equals(Schedule.PARALLEL)) Schedule.Strategy.parse(strategy);
        } catch (IllegalArgumentException e) {
            System.err.println("kmodel: --strategy: " + e.getMessage());
            return Main.BAD_INPUT;
        }
        Map<String, File> outputs = new LinkedHashMap<>();
        outputs.put("--report", report);
        String unwritable = OutputFiles.problem(scenario, outputs);
        if (unwritable != null) {
            System.err.println("kmodel: " + unwritable);
            return Main.BAD_INPUT;
        }
        if (out.exists() && !out.isDirectory()) {
            System.err.println("kmodel: --out " + out + ": not a directory");
            return Main.BAD_INPUT;
        }
        Config cfg = RunCommand.bounds(Machine.config(), maxTime, null, null);
        Stress.Options opt = new Stress.Options(
                sc,
                source,
                strategy,
                n,
                j,
                firstSeed,
                untilFirst,
                out,
                cfg,
                faults == null ? Set.of() : Set.copyOf(faults));
        Stress stress;
        try {
            stress = Stress.prepare(opt);
        } catch (ScenarioException e) {
            System.err.println("kmodel: " + e.getMessage());
            return Main.BAD_INPUT;
        }
        Stress.Summary s;
        boolean bar = !noProgress && System.console() != null;
        AtomicLong violations = new AtomicLong();
        try (Interrupts signals = Interrupts.install(b -> stress.requestStop(b.label));
                ProgressBar pb = bar ? progressBar(n) : null) {
            s = stress.run(r -> {
                if (!r.violations().isEmpty()) violations.incrementAndGet();
                if (pb != null) {
                    pb.step();
                    pb.setExtraMessage(violations.get() + " violating");
                }
            });
        }
        print(s, System.out);
        if (shrink) shrinkAll(s);
        if (report != null) {
            try {
                ReportJson.MAPPER.writerWithDefaultPrettyPrinter().writeValue(report, s);
            } catch (IOException e) {
                System.err.println("kmodel: cannot write " + report + ": " + e.getMessage());
                return Main.BAD_INPUT;
            }
        }
        if (s.violatingSchedules() > 0) return Main.VIOLATION;
        return s.stoppedBy() != null ? Interrupts.statusOf(s.stoppedBy()) : Main.OK;
    }

    /** Each group's first journal, shrunk next to it. */
    private void shrinkAll(Stress.Summary s) {
        for (Stress.GroupRow g : s.violations()) {
            if (g.journal() == null) continue;
            ShrinkCommand c = new ShrinkCommand();
            c.journal = new File(g.journal());
            c.out = out;
            c.target = new Shrink.Target(g.kind(), g.site(), g.detail());
            System.out.println();
            c.call();
        }
    }

    private static ProgressBar progressBar(long n) {
        return new ProgressBarBuilder()
                .setTaskName("stress")
                .setInitialMax(n)
                .setStyle(ProgressBarStyle.ASCII)
                .setUnit(" schedules", 1)
                .showSpeed()
                .setSpeedUnit(ChronoUnit.SECONDS)
                .setUpdateIntervalMillis(250)
                .setConsumer(new ConsoleProgressBarConsumer(System.err))
                .build();
    }

    /** The summary in words: what ran, how fast, what it found. */
    static void print(Stress.Summary s, PrintStream o) {
        o.printf(
                "stress %s: %d schedules (%s, seeds %d..%d, %d at a time) in %.1f s: %.1f schedules/s, %.0f events each%n",
                s.scenario(),
                s.schedules(),
                s.strategy(),
                s.firstSeed(),
                s.firstSeed() + s.schedules() - 1,
                s.jobs(),
                s.seconds(),
                s.schedulesPerSecond(),
                s.schedules() == 0 ? 0.0 : (double) s.events() / s.schedules());
        if (s.stoppedBy() != null) o.printf("stopped by %s after %d schedules%n", s.stoppedBy(), s.schedules());
        o.printf("distinct interleavings: %d   distinct outcomes: %d%n", s.interleavings(), s.outcomes());
        if (s.violations().isEmpty()) {
            o.println("violations: none");
            return;
        }
        o.printf(
                "violations: %d schedules (%d groups, by kind and site)%n",
                s.violatingSchedules(), s.violations().size());
        for (Stress.GroupRow g : s.violations()) {
            o.printf(
                    "  %-22s hits %d   rate %.2f%% (95%%: %.2f%%–%.2f%%)   first seed %d%n",
                    g.kind(),
                    g.hits(),
                    100 * g.rate().rate(),
                    100 * g.rate().low(),
                    100 * g.rate().high(),
                    g.firstSeed());
            o.printf("      %s%n", g.detail());
            if (g.journal() != null)
                o.printf("      journal: %s   (kmodel replay %s --rerun)%n", g.journal(), g.journal());
        }
    }
}
