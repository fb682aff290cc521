package dev.kmodel.cli;

import com.typesafe.config.ConfigValueFactory;
import dev.kmodel.journal.JournalFile;
import dev.kmodel.run.Machine;
import dev.kmodel.scenario.ScenarioException;
import dev.kmodel.stress.Shrink;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kmodel shrink J.kmj}: the smallest program and schedule that still show the journal's violation. */
@Command(
        name = "shrink",
        description = {
            "Shrink a violating run: fewer tasks, steps and CPUs in the program, then the schedule with the fewest"
                    + " preemptions and context switches, keeping the same violation (kind and site). Writes the"
                    + " shrunk scenario and its journal, which replay --rerun runs again exactly."
        },
        exitCodeListHeading = Main.EXIT_STATUS,
        exitCodeList = {
            "0:shrunk (the shrunk journal shows the violation)",
            "1:no controlled schedule shows the violation again (a race the parallel mode found: try --tries)",
            Main.EXIT_2,
            Main.EXIT_3
        },
        footerHeading = Main.EXAMPLES,
        footer = {"  ./kmodel shrink stress-out/two-waiters-deadlock-seed17.kmj --out shrunk"})
public final class ShrinkCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "J.kmj", description = "a journal whose run has a violation")
    File journal;

    @Option(names = "--out", paramLabel = "DIR", description = "where the shrunk scenario and journal go (default .)")
    File out = new File(".");

    @Option(
            names = "--tries",
            paramLabel = "N",
            description = "seeds tried for each smaller program before it is given up (default 30)")
    int tries = 30;

    @Option(names = "--seeds", paramLabel = "N", description = "seeds compared for the final schedule (default 50)")
    int seeds = 50;

    @Option(
            names = "--violation",
            paramLabel = "N",
            description = "which of the run's violations to keep, in the report's order (default 1, the first)")
    int violation = 1;

    /** The violation to keep (stress --shrink: its group's), or null: --violation's. */
    Shrink.Target target;

    @Override
    public Integer call() {
        JournalFile.Loaded l;
        try {
            l = JournalFile.read(journal);
        } catch (JournalFile.BadJournal e) {
            System.err.println("kmodel: " + e.getMessage());
            return Main.BAD_INPUT;
        }
        if (tries < 0 || seeds < 0) {
            System.err.println("kmodel: --tries and --seeds must not be negative");
            return Main.BAD_INPUT;
        }
        if (out.exists() && !out.isDirectory()) {
            System.err.println("kmodel: --out " + out + ": not a directory");
            return Main.BAD_INPUT;
        }
        Object recorded = l.header().config().get("kmodel.schedule");
        String strategy = Shrink.strategyFor(recorded == null ? null : recorded.toString());
        Shrink.Result r;
        try {
            Shrink.Target t = target;
            if (t == null) {
                List<Shrink.Target> all = Shrink.targetsOf(l);
                if (all.isEmpty()) {
                    System.err.println("kmodel: " + journal + ": the run has no violation to shrink");
                    return Main.BAD_INPUT;
                }
                if (violation < 1 || violation > all.size()) {
                    System.err.println("kmodel: --violation " + violation + ": the run has " + all.size() + " violation"
                            + (all.size() == 1 ? "" : "s"));
                    return Main.BAD_INPUT;
                }
                t = all.get(violation - 1);
                if (all.size() > 1) {
                    for (int i = 0; i < all.size(); i++) {
                        System.out.printf(
                                "  %s %d. %s%n",
                                i == violation - 1 ? "*" : " ",
                                i + 1,
                                all.get(i).detail());
                    }
                }
            }
            System.out.println("shrinking " + t.kind() + ": " + t.detail());
            r = Shrink.shrink(l, t, new Shrink.Options(tries, seeds, strategy), m -> System.out.println("  " + m));
        } catch (ScenarioException e) {
            System.err.println("kmodel: " + e.getMessage());
            return Main.BAD_INPUT;
        }
        if (r == null) {
            System.out.println("no controlled schedule (" + strategy + ", " + tries
                    + " seeds) shows the violation again: nothing shrunk");
            return Main.VIOLATION;
        }
        String base = journal.getName().replaceFirst("\\.kmj$", "") + "-shrunk";
        File conf = new File(out, base + ".conf");
        File kmj = new File(out, base + ".kmj");
        try {
            if (!out.isDirectory() && !out.mkdirs()) throw new IOException("cannot create " + out);
            String text = "# " + r.target().kind() + ", shrunk by kmodel shrink from " + journal.getName() + ": run it"
                    + " with --schedule " + r.strategy() + " (seed " + r.seed() + ")\n" + r.text();
            Files.writeString(conf.toPath(), text, StandardCharsets.UTF_8);
            JournalFile.write(
                    kmj,
                    r.scenario(),
                    text,
                    JournalFile.knobs(
                            Machine.config().withValue("kmodel.schedule", ConfigValueFactory.fromAnyRef(r.strategy()))),
                    r.run().journal());
        } catch (IOException e) {
            System.err.println("kmodel: cannot write output: " + e.getMessage());
            return Main.BAD_INPUT;
        }
        print(r, conf, kmj, System.out);
        return Main.OK;
    }

    static void print(Shrink.Result r, File conf, File kmj, PrintStream o) {
        o.printf(
                "shrunk in %.1f s (%d candidates): events %d → %d, tasks %d → %d, program steps %d → %d, cpus %d → %d%n",
                r.seconds(),
                r.candidates(),
                r.eventsBefore(),
                r.run().journal().size(),
                r.tasksBefore(),
                r.run().report().tasks().size(),
                r.stepsBefore(),
                r.steps(),
                r.cpusBefore(),
                r.scenario().cpus());
        o.printf(
                "schedule: %s seed %d, %d preemptions, %d context switches%n",
                r.strategy(), r.seed(), r.run().preemptions(), Shrink.switches(r.run()));
        o.println("scenario: " + conf);
        o.println("journal:  " + kmj + "   (kmodel replay " + kmj + " --rerun)");
    }
}
