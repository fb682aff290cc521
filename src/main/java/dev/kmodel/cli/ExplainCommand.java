package dev.kmodel.cli;

import dev.kmodel.journal.JournalFile;
import dev.kmodel.replay.GuardedFold;
import dev.kmodel.replay.Inspect;
import dev.kmodel.replay.Recording;
import java.io.File;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kmodel explain J --pid P}: one task's life from a recorded journal, and what was freed when. */
@Command(
        name = "explain",
        description = "Show one task's life from a recorded journal: calls, objects, frees.",
        exitCodeListHeading = Main.EXIT_STATUS,
        exitCodeList = {"0:shown", Main.EXIT_2, Main.EXIT_3},
        footerHeading = Main.EXAMPLES,
        footer = {"  ./kmodel run conf/scenarios/zombie-reap.conf --journal z.kmj", "  ./kmodel explain z.kmj --pid 4"})
public final class ExplainCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "JOURNAL", description = "a journal written by run --journal")
    File journal;

    @Option(names = "--pid", paramLabel = "P", required = true, description = "the task (its pid in the run)")
    int pid;

    @Override
    public Integer call() {
        Recording o = ReplayCommand.open(journal);
        if (o == null) return Main.BAD_INPUT;
        if (!ReplayCommand.hadTask(o.loaded(), pid)) {
            System.err.println("kmodel: no task with pid " + pid + " in " + journal);
            return Main.BAD_INPUT;
        }
        List<String> lines;
        try {
            lines = GuardedFold.run(journal, o.loaded(), x -> Inspect.explain(x, o.scenario(), pid));
        } catch (JournalFile.BadJournal e) {
            System.err.println("kmodel: " + e.getMessage());
            return Main.BAD_INPUT;
        }
        for (String line : lines) System.out.println(line);
        return Main.OK;
    }
}
