package dev.kmodel.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import dev.kmodel.journal.JournalFile;
import dev.kmodel.report.Report;
import dev.kmodel.report.ReportJson;
import dev.kmodel.run.Bounds;
import dev.kmodel.run.Bounds.Bound;
import dev.kmodel.run.Machine;
import dev.kmodel.run.Schedule;
import dev.kmodel.scenario.Fault;
import dev.kmodel.scenario.Scenario;
import dev.kmodel.scenario.ScenarioException;
import dev.kmodel.scenario.ScenarioParser;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kmodel run SCENARIO.conf}: one scenario to quiescence, a summary, the report and journal. */
@Command(
        name = "run",
        description = "Run a scenario to quiescence and report what was freed when.",
        exitCodeListHeading = Main.EXIT_STATUS,
        exitCodeList = {Main.EXIT_0_RUN, Main.EXIT_1_RUN, Main.EXIT_2, Main.EXIT_3, Main.EXIT_SIGNAL},
        footerHeading = Main.EXAMPLES,
        footer = {
            "  ./kmodel run conf/scenarios/zombie-reap.conf --report r.json",
            "  ./kmodel run conf/scenarios/two-waiters.conf --seed 2 --journal race.kmj",
            "  ./kmodel replay race.kmj --rerun      (the same run again, exactly)",
            "Paths are relative to the current directory."
        })
public final class RunCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SCENARIO.conf", description = "the scenario (HOCON)")
    File scenario;

    @Option(
            names = "--report",
            paramLabel = "R.json",
            description = "write the JSON report here (checked before the run)")
    File report;

    @Option(
            names = "--journal",
            paramLabel = "J",
            description = "write the run's journal here, JSON Lines (checked before the run)")
    File journal;

    @Option(names = "--cpus", paramLabel = "N", description = "override the scenario's CPU count (1-256)")
    Integer cpus;

    @Option(
            names = "--seed",
            paramLabel = "S",
            description = {
                "override the scenario's seed. The seed picks the CPU each new task is placed on at"
                        + " fork (select_task_rq; tasks do not migrate), and, with --schedule random or pct, the"
                        + " interleaving. In the parallel mode it does not fix the interleaving: the CPUs run in"
                        + " parallel, so one seed can give different journals (which thread reaps a child, where"
                        + " an orphan is reparented). A journal always fixes a run: replay --rerun executes it"
                        + " again exactly."
            })
    Long seed;

    @Option(
            names = "--faults",
            split = ",",
            paramLabel = "FAULT",
            converter = FaultConverter.class,
            completionCandidates = FaultNames.class,
            description = {
                "switch on faults that put a wrong kernel path back, a wrong locking (docs/locking.md) or a bug from"
                        + " kernel history (docs/faults.md), on top of the scenario's kernel.faults; recorded in the"
                        + " journal: ${COMPLETION-CANDIDATES}"
            })
    List<Fault> faults;

    @Option(
            names = "--schedule",
            paramLabel = "S",
            description = {
                "how the CPUs, tasks and subsystems interleave: parallel (default: real threads, the JVM's"
                        + " timing decides), random, or pct[:D[:K]] (a controlled schedule drawn from the seed,"
                        + " one message at a time: the same seed gives the same journal; PCT of depth D, default 3,"
                        + " with K estimated steps, default 2000). Recorded in the journal."
            })
    String schedule;

    @Option(
            names = "--max-time",
            paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "stop a run that has not ended after this much real time (default 5m; e.g. 30s, 2m, 1h)")
    Duration maxTime;

    @Option(
            names = "--max-events",
            paramLabel = "N",
            description = "stop a run whose journal reaches N events (default 5000000)")
    Long maxEvents;

    @Option(
            names = "--max-ticks",
            paramLabel = "N",
            description = "stop a run whose clock would pass N model ticks (default 1000000)")
    Long maxTicks;

    /** A report this large gets a hint that a .gz name compresses it. */
    static final long LARGE_REPORT_BYTES = 64L << 20;

    @Override
    public Integer call() {
        Scenario sc;
        try {
            sc = ScenarioParser.parseFile(scenario);
        } catch (ScenarioException e) {
            System.err.println("kmodel: " + e.getMessage());
            return Main.BAD_INPUT;
        }
        if (cpus != null) {
            if (cpus < 1 || cpus > 256) {
                System.err.println("kmodel: --cpus must be between 1 and 256, got " + cpus);
                return Main.BAD_INPUT;
            }
            sc = sc.withCpus(cpus);
        }
        if (seed != null) sc = sc.withSeed(seed);
        if (faults != null) sc = sc.withFaults(Set.copyOf(faults));
        Map<String, File> outputs = new LinkedHashMap<>();
        outputs.put("--report", report);
        outputs.put("--journal", journal);
        String unwritable = OutputFiles.problem(scenario, outputs);
        if (unwritable != null) {
            System.err.println("kmodel: " + unwritable);
            return Main.BAD_INPUT;
        }
        Config cfg;
        try {
            cfg = schedule(bounds(Machine.config(), maxTime, maxEvents, maxTicks), schedule);
        } catch (IllegalArgumentException e) {
            System.err.println("kmodel: " + e.getMessage());
            return Main.BAD_INPUT;
        }
        AtomicReference<Bound> stop = new AtomicReference<>();
        Machine.Result result;
        try (Interrupts signals = Interrupts.install(stop::set)) {
            result = Machine.run(sc, cfg, true, stop);
        }
        Summary.print(result.report(), System.out, report);
        try {
            if (report != null) {
                ReportJson.write(result.report(), report);
                if (!report.getName().endsWith(".gz") && report.length() > LARGE_REPORT_BYTES) {
                    System.out.printf(
                            "report %s: %d MB; a name ending in .gz writes it gzip-compressed (about 20× smaller)%n",
                            report.getPath(), report.length() / 1_000_000);
                }
            }
            if (journal != null) {
                String source = new String(
                        Files.readAllBytes(scenario.toPath()),
                        StandardCharsets.UTF_8); // (malformed bytes become U+FFFD, as the parser read them)
                var stopped = result.report().stopped();
                JournalFile.write(
                        journal, sc, source, knobs(cfg), result.journal(), stopped == null ? null : stopped.by());
            }
        } catch (IOException e) {
            System.err.println("kmodel: cannot write output: " + e.getMessage());
            return Main.BAD_INPUT;
        }
        return exitStatus(result.report());
    }

    /** {@code cfg} with the command line's bounds over its own (IllegalArgumentException: a bad value). */
    static Config bounds(Config cfg, Duration maxTime, Long maxEvents, Long maxTicks) {
        Bounds b = Bounds.of(cfg);
        if (maxTime != null) b = b.withWallTime(maxTime);
        if (maxEvents != null) {
            if (maxEvents < 1) throw new IllegalArgumentException("--max-events must be at least 1, got " + maxEvents);
            b = b.withMaxEvents(maxEvents);
        }
        if (maxTicks != null) {
            if (maxTicks < 1) throw new IllegalArgumentException("--max-ticks must be at least 1, got " + maxTicks);
            b = b.withMaxTicks(maxTicks);
        }
        return b.into(cfg);
    }

    /** Reads --max-time as people write durations (90s, 2m, 1h; a bare number is seconds). */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                return Bounds.parseDuration(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** Reads a --faults name: one of {@link Fault#names()}, or a usage error naming them. */
    static final class FaultConverter implements CommandLine.ITypeConverter<Fault> {
        @Override
        public Fault convert(String value) {
            Fault f = Fault.named(value);
            if (f == null) {
                throw new CommandLine.TypeConversionException(
                        "unknown fault '" + value + "' (the faults: " + Fault.names() + ")");
            }
            return f;
        }
    }

    /** The fault names, for --help. */
    static final class FaultNames implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Arrays.stream(Fault.values()).map(f -> f.word).iterator();
        }
    }

    /**
     * {@code cfg} with the schedule the command line names (or the configured one), written out in
     * full (PCT's step estimate included) so that the journal names everything the run used.
     */
    static Config schedule(Config cfg, String asked) {
        String s = asked != null ? asked : cfg.getString("kmodel.schedule");
        String full = s.equals(Schedule.PARALLEL)
                ? s
                : Schedule.Strategy.parse(s)
                        .withSteps(Schedule.Strategy.DEFAULT_STEPS)
                        .toString();
        return cfg.withValue("kmodel.schedule", ConfigValueFactory.fromAnyRef(full));
    }

    /** The config knobs that shape a run, for the journal's header. */
    static Map<String, Object> knobs(Config cfg) {
        return JournalFile.knobs(cfg);
    }

    static int exitStatus(Report r) {
        if (r.stopped() != null) return Interrupts.statusOf(r.stopped().by());
        return r.outcome().equals("completed") ? Main.OK : Main.VIOLATION;
    }
}
