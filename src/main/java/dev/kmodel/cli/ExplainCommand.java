package dev.kmodel.cli;

import dev.kmodel.replay.Inspect;
import java.io.File;
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
        ReplayCommand.Opened o = ReplayCommand.open(journal);
        if (o == null) return Main.BAD_INPUT;
        if (!ReplayCommand.hadTask(o.loaded(), pid)) {
            System.err.println("kmodel: no task with pid " + pid + " in " + journal);
            return Main.BAD_INPUT;
        }
        for (String line : Inspect.explain(o.loaded(), o.scenario(), pid)) System.out.println(line);
        return Main.OK;
    }
}
