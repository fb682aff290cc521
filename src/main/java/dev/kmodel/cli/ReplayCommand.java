package dev.kmodel.cli;

import dev.kmodel.journal.JournalEntry;
import dev.kmodel.journal.JournalFile;
import dev.kmodel.kernel.task.TaskEvent;
import dev.kmodel.replay.GuardedFold;
import dev.kmodel.replay.Inspect;
import dev.kmodel.replay.Recording;
import dev.kmodel.replay.ReplayPlan;
import dev.kmodel.replay.Rerun;
import dev.kmodel.scenario.Scenario;
import dev.kmodel.scenario.ScenarioException;
import java.io.File;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code kmodel replay J --at SEQ [--pid P]}: the machine at that point of a recorded run, folded from
 * the journal; {@code kmodel replay J --rerun}: the run executed again in the recorded receive order,
 * compared event by event with the recording.
 */
@Command(
        name = "replay",
        description = "Inspect a recorded journal at a point (--at), or re-run it exactly (--rerun).",
        exitCodeListHeading = Main.EXIT_STATUS,
        exitCodeList = {
            "0:shown; with --rerun: the re-run was identical, event by event",
            "1:--rerun only: the re-run diverged (the first differing event is shown) or did not finish",
            Main.EXIT_2,
            Main.EXIT_3
        },
        footerHeading = Main.EXAMPLES,
        footer = {
            "  ./kmodel run conf/scenarios/zombie-reap.conf --journal z.kmj",
            "  ./kmodel replay z.kmj --at 120 --pid 4",
            "  ./kmodel replay z.kmj --rerun"
        })
public final class ReplayCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "JOURNAL", description = "a journal written by run --journal")
    File journal;

    /** Either a point to inspect (the default: the end of the run) or a re-run, not both. */
    @ArgGroup(exclusive = true)
    Mode mode;

    static final class Mode {
        @Option(names = "--at", paramLabel = "SEQ", description = "the point of the run (default: its end)")
        Long at;

        @Option(names = "--rerun", description = "re-execute with real actors in the recorded receive order")
        boolean rerun;
    }

    @Option(names = "--pid", paramLabel = "P", description = "also show this task's own state (not with --rerun)")
    Integer pid;

    @Override
    public Integer call() {
        boolean rerun = mode != null && mode.rerun;
        if (rerun && pid != null) {
            System.err.println("kmodel: --pid shows a task at a point of the run; --rerun takes no --pid");
            return Main.BAD_INPUT;
        }
        Recording o = open(journal);
        if (o == null) return Main.BAD_INPUT;
        JournalFile.Loaded l = o.loaded();
        Scenario sc = o.scenario();
        if (rerun) return rerun(l);
        long n = l.events().size();
        long seq = mode == null || mode.at == null ? n : mode.at;
        if (seq < 1 || seq > n) {
            System.err.println("kmodel: --at must be between 1 and " + n + ", got " + seq);
            return Main.BAD_INPUT;
        }
        if (pid != null && !hadTask(l, pid)) {
            System.err.println("kmodel: no task with pid " + pid + " in " + journal);
            return Main.BAD_INPUT;
        }
        List<String> lines;
        try {
            // A prefix of the journal is folded up to the same point (GuardedFold looks for the bad line).
            lines = GuardedFold.run(
                    journal, l, x -> Inspect.at(x, sc, Math.min(seq, x.events().size()), pid));
        } catch (JournalFile.BadJournal e) {
            System.err.println("kmodel: " + e.getMessage());
            return Main.BAD_INPUT;
        }
        for (String line : lines) System.out.println(line);
        return Main.OK;
    }

    /** Whether any task of the recorded run had {@code pid} (in the init namespace) at some point. */
    static boolean hadTask(JournalFile.Loaded l, int pid) {
        for (JournalEntry e : l.entries()) {
            if (e.event() instanceof TaskEvent.Attached a && a.pid() == pid) return true;
        }
        return false;
    }

    /** Reads {@code f}; a bad journal or a scenario that no longer loads is one line on stderr (null). */
    static Recording open(File f) {
        try {
            return Recording.open(f);
        } catch (JournalFile.BadJournal e) {
            System.err.println("kmodel: " + e.getMessage());
            return null;
        }
    }

    private int rerun(JournalFile.Loaded l) {
        Rerun.Outcome o;
        try {
            o = Rerun.run(l);
        } catch (ScenarioException e) {
            System.err.println("kmodel: " + journal + ": " + e.getMessage());
            return Main.BAD_INPUT;
        }
        if (o.identical()) {
            System.out.printf(
                    "re-run identical: %d events of %d actors, each in its recorded order (outcome %s, %d violations)%n",
                    o.compared(),
                    o.actors(),
                    o.report().outcome(),
                    o.report().violations().size());
            return Main.OK;
        }
        ReplayPlan.Divergence d = o.divergence();
        if (d == null) {
            System.out.println("re-run did not finish (" + o.status() + "): no differing event; " + o.compared()
                    + " of the recording's events were journaled again");
        } else {
            System.out.println("re-run DIVERGED at " + d.actor() + "'s event #" + (d.index() + 1));
            System.out.println(
                    "  recorded: " + (d.expected() == null ? "(nothing)" : d.expectedType() + " " + d.expected()));
            System.out.println("  re-run:   "
                    + (d.actual() == null ? "(nothing: it stopped short)" : d.actualType() + " " + d.actual()));
        }
        return Main.VIOLATION;
    }
}
