package dev.kmodel.cli;

import dev.kmodel.report.FreeTimeline;
import dev.kmodel.report.LockTimeline;
import dev.kmodel.report.Report;
import dev.kmodel.run.Machine;
import dev.kmodel.scenario.Scenario;
import dev.kmodel.scenario.ScenarioException;
import dev.kmodel.scenario.ScenarioParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code kmodel demo}: the built-in lifecycle, and seed 000's diagram filled in from the run. */
@Command(
        name = "demo",
        description = "Run the built-in fork/exit/wait4 lifecycle and show what is freed when.",
        exitCodeListHeading = Main.EXIT_STATUS,
        exitCodeList = {Main.EXIT_0_RUN, Main.EXIT_1_RUN, Main.EXIT_2, Main.EXIT_3},
        footerHeading = Main.EXAMPLES,
        footer = {"  ./kmodel demo", "The scenario it runs: src/main/resources/dev/kmodel/demo.conf"})
public final class DemoCommand implements Callable<Integer> {

    public static Scenario scenario() throws IOException, ScenarioException {
        try (InputStream in = DemoCommand.class.getResourceAsStream("/dev/kmodel/demo.conf")) {
            return ScenarioParser.parseString("demo.conf", new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    @Override
    public Integer call() throws Exception {
        Machine.Result result = Machine.run(scenario());
        Report r = result.report();
        Summary.print(r, System.out, null);
        System.out.println();
        int child = r.tasks().stream()
                .filter(t -> t.comm().equals("child"))
                .mapToInt(Report.TaskRow::pid)
                .findFirst()
                .orElse(-1);
        for (String line : FreeTimeline.render(r, child)) System.out.println(line);
        int parent = r.tasks().stream()
                .filter(t -> t.comm().equals("parent"))
                .mapToInt(Report.TaskRow::pid)
                .findFirst()
                .orElse(-1);
        System.out.println();
        for (String line : LockTimeline.render(r, parent, child)) System.out.println(line);
        // The thread group: what its threads share, and when the last reference goes.
        r.tasks().stream()
                .filter(t -> t.comm().equals("threads") && t.pid() == t.tgid())
                .findFirst()
                .ifPresent(g -> {
                    System.out.println();
                    for (String line : FreeTimeline.renderGroup(r, g.pid())) System.out.println(line);
                });
        return RunCommand.exitStatus(r);
    }
}
