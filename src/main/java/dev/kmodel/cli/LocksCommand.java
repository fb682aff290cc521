package dev.kmodel.cli;

import com.typesafe.config.Config;
import dev.kmodel.journal.JournalFile;
import dev.kmodel.kernel.locking.LockOrder;
import dev.kmodel.replay.GuardedFold;
import dev.kmodel.report.Lockdep;
import dev.kmodel.report.ReportBuilder;
import dev.kmodel.run.Bounds.Bound;
import dev.kmodel.run.Machine;
import dev.kmodel.scenario.Fault;
import dev.kmodel.scenario.Scenario;
import dev.kmodel.scenario.ScenarioException;
import dev.kmodel.scenario.ScenarioParser;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code kmodel locks SCENARIO|JOURNAL}: the model's lockdep over one run (a scenario run now, or a
 * recorded journal): the lock classes with their holds, contentions and hardirq usage, the dependency
 * graph with the first acquisition that made each edge, and every report lockdep gave; as text, a
 * Graphviz digraph or a Mermaid graph. {@code kmodel locks --order}: the documented lock order
 * ({@link LockOrder}).
 */
@Command(
        name = "locks",
        description = {
            "Show a run's locks as the model's lockdep saw them: the lock classes (holds, contentions,"
                    + " hardirq usage), the dependency graph with the first acquisition of each edge, and"
                    + " lockdep's reports. SCENARIO.conf is run first; a journal (run --journal) is read.",
            "With --order: the documented lock order (every nesting the model takes, where, and the"
                    + " interrupt rules); no scenario needed."
        },
        exitCodeListHeading = Main.EXIT_STATUS,
        exitCodeList = {
            "0:shown, and lockdep reported nothing (--order: shown)",
            "1:lockdep reported something: a circular dependency, an irq-safe -> irq-unsafe order, an"
                    + " inconsistent lock state, a lock held at return or exit, a bad unlock, ...",
            Main.EXIT_2,
            Main.EXIT_3,
            "130/143:stopped by SIGINT (Ctrl-C) / SIGTERM while running a scenario"
        },
        footerHeading = Main.EXAMPLES,
        footer = {
            "  ./kmodel locks conf/scenarios/zombie-reap.conf",
            "  ./kmodel locks conf/exercises/inversion.conf          (a splat: exit 1)",
            "  ./kmodel locks conf/scenarios/zombie-reap.conf --faults exit-mm-task-lock-first",
            "  ./kmodel locks z.kmj --format dot | dot -Tsvg > locks.svg",
            "  ./kmodel locks z.kmj --format mermaid",
            "  ./kmodel locks --order",
            "A file ending in .conf is a scenario; one ending in .kmj, or whose first line is a journal's"
                    + " header, is a journal."
        })
public final class LocksCommand implements Callable<Integer> {
    @Parameters(
            index = "0",
            arity = "0..1",
            paramLabel = "SCENARIO.conf|JOURNAL",
            description = "a scenario to run, or a journal written by run --journal")
    File input;

    @Option(
            names = "--format",
            paramLabel = "text|dot|mermaid",
            defaultValue = "text",
            description = "text (default), a Graphviz digraph (dot), or a Mermaid graph LR (mermaid)")
    String format;

    @Option(names = "--order", description = "show the documented lock order and the interrupt rules")
    boolean order;

    @Option(names = "--cpus", paramLabel = "N", description = "a scenario's CPU count (1-256), as run has it")
    Integer cpus;

    @Option(names = "--seed", paramLabel = "S", description = "a scenario's seed, as run has it")
    Long seed;

    @Option(
            names = "--faults",
            split = ",",
            paramLabel = "FAULT",
            converter = RunCommand.FaultConverter.class,
            completionCandidates = RunCommand.FaultNames.class,
            description = "switch faults on for a scenario's run, as run has it: ${COMPLETION-CANDIDATES}")
    List<Fault> faults;

    @Option(
            names = "--max-time",
            paramLabel = "DURATION",
            converter = RunCommand.DurationConverter.class,
            description = "stop a scenario's run after this much real time (default 5m)")
    Duration maxTime;

    @Option(names = "--max-events", paramLabel = "N", description = "stop a scenario's run at N journal events")
    Long maxEvents;

    @Option(names = "--max-ticks", paramLabel = "N", description = "stop a scenario's run at N model ticks")
    Long maxTicks;

    static final List<String> FORMATS = List.of("text", "dot", "mermaid");

    /** What was analysed (a title line) and lockdep over its journal. */
    /** What the graph is of: a run of a scenario, or a journal. */
    record Source(String title, Lockdep lockdep) {}

    @Override
    public Integer call() {
        if (!FORMATS.contains(format)) {
            System.err.println("kmodel: --format must be text, dot or mermaid, got '" + format + "'");
            return Main.BAD_INPUT;
        }
        if (order) {
            if (input != null || !runOptions().isEmpty()) {
                System.err.println("kmodel: --order shows the documented lock order; it takes no scenario, journal"
                        + " or run option (only --format)");
                return Main.BAD_INPUT;
            }
            System.out.print(
                    switch (format) {
                        case "dot" -> LockGraphs.orderDot();
                        case "mermaid" -> LockGraphs.orderMermaid();
                        default -> LockGraphs.orderText();
                    });
            return Main.OK;
        }
        if (input == null) {
            System.err.println(
                    "kmodel: locks needs a SCENARIO.conf or a JOURNAL, or --order (see kmodel locks --help)");
            return Main.BAD_INPUT;
        }
        Source src;
        AtomicReference<Bound> stop = new AtomicReference<>();
        if (isJournal(input)) {
            List<String> runOptions = runOptions();
            if (!runOptions.isEmpty()) {
                System.err.println("kmodel: " + String.join(", ", runOptions) + " appl"
                        + (runOptions.size() == 1 ? "ies" : "y") + " to a scenario's run; " + input.getPath()
                        + " is a journal, whose run is recorded");
                return Main.BAD_INPUT;
            }
            src = journal(input);
        } else {
            src = scenario(input, stop);
        }
        if (src == null) return Main.BAD_INPUT;
        Lockdep d = src.lockdep();
        System.out.print(
                switch (format) {
                    case "dot" -> LockGraphs.dot(src, d);
                    case "mermaid" -> LockGraphs.mermaid(src, d);
                    default -> LockGraphs.text(src, d);
                });
        if (stop.get() != null) return Interrupts.statusOf(stop.get().label); // Ctrl-C or SIGTERM during the run
        return d.splats().isEmpty() ? Main.OK : Main.VIOLATION;
    }

    /** The run options given (they apply to a scenario only). */
    private List<String> runOptions() {
        List<String> o = new ArrayList<>();
        if (cpus != null) o.add("--cpus");
        if (seed != null) o.add("--seed");
        if (faults != null) o.add("--faults");
        if (maxTime != null) o.add("--max-time");
        if (maxEvents != null) o.add("--max-events");
        if (maxTicks != null) o.add("--max-ticks");
        return o;
    }

    /**
     * A journal: a name ending in .kmj, or a regular file whose first line is a journal's header; a
     * scenario: a name ending in .conf, or anything else.
     */
    static boolean isJournal(File f) {
        String name = f.getName().toLowerCase(Locale.ROOT);
        if (name.endsWith(".conf")) return false;
        if (name.endsWith(".kmj")) return true;
        if (!f.isFile()) return false;
        byte[] head = new byte[256];
        int n;
        try (InputStream in = Files.newInputStream(f.toPath())) {
            n = in.readNBytes(head, 0, head.length);
        } catch (IOException e) {
            return false;
        }
        String start = new String(head, 0, n, StandardCharsets.UTF_8).stripLeading();
        return start.startsWith("{") && start.contains("\"" + JournalFile.FORMAT + "\"");
    }

    private Source journal(File f) {
        JournalFile.Loaded l;
        Lockdep d;
        try {
            l = JournalFile.read(f);
            // An edited journal whose events pass the reader and still break the fold: its line, once.
            d = GuardedFold.run(f, l, x -> ReportBuilder.lockdep(x.entries()));
        } catch (JournalFile.BadJournal e) {
            System.err.println("kmodel: " + e.getMessage());
            return null;
        }
        JournalFile.Header h = l.header();
        String title = "locks of " + h.scenario() + " (seed " + h.seed() + ", " + h.cpus() + " CPU"
                + (h.cpus() == 1 ? "" : "s") + faultsNote(h.faults()) + "), from the journal " + f.getPath() + ": "
                + l.events().size() + " events" + (h.stopped() == null ? "" : ", stopped by " + h.stopped());
        return new Source(title, d);
    }

    private Source scenario(File f, AtomicReference<Bound> stop) {
        Scenario sc;
        try {
            sc = ScenarioParser.parseFile(f);
        } catch (ScenarioException e) {
            System.err.println("kmodel: " + e.getMessage());
            return null;
        }
        if (cpus != null) {
            if (cpus < 1 || cpus > 256) {
                System.err.println("kmodel: --cpus must be between 1 and 256, got " + cpus);
                return null;
            }
            sc = sc.withCpus(cpus);
        }
        if (seed != null) sc = sc.withSeed(seed);
        if (faults != null) sc = sc.withFaults(Set.copyOf(faults));
        Config cfg;
        try {
            cfg = RunCommand.bounds(Machine.config(), maxTime, maxEvents, maxTicks);
        } catch (IllegalArgumentException e) {
            System.err.println("kmodel: " + e.getMessage());
            return null;
        }
        Machine.Result result;
        try (Interrupts signals = Interrupts.install(stop::set)) {
            result = Machine.run(sc, cfg, true, stop);
        }
        var stopped = result.report().stopped();
        List<String> names = new ArrayList<>();
        for (Fault x : Fault.values()) if (sc.faults().contains(x)) names.add(x.word);
        String title = "locks of " + sc.name() + " (seed " + sc.seed() + ", " + sc.cpus() + " CPU"
                + (sc.cpus() == 1 ? "" : "s") + faultsNote(names) + "), run from " + f.getPath() + ": "
                + result.journal().size() + " events, outcome "
                + result.report().outcome()
                + (stopped == null ? "" : " (stopped by " + stopped.by() + ": the graph is of what ran)");
        return new Source(title, ReportBuilder.lockdep(result.journal()));
    }

    private static String faultsNote(List<String> faults) {
        return faults.isEmpty() ? "" : ", faults " + String.join(",", faults);
    }

    // ---- what the graph shows -------------------------------------------------------------------
}
