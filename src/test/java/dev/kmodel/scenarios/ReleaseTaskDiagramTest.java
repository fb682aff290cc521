package dev.kmodel.scenarios;

import static dev.kmodel.Runs.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.kmodel.Runs;
import dev.kmodel.cli.DemoCommand;
import dev.kmodel.report.FreeTimeline;
import dev.kmodel.report.Report;
import dev.kmodel.scenario.ScenarioParser;
import java.io.File;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The release_task() section of the "what is freed when" diagram (./kmodel demo, and the same for
 * conf/scenarios/zombie-reap.conf): __exit_signal, free_pids, release_thread and
 * put_task_struct_rcu_user with the call_rcu(delayed_put_task_struct) it queues, in kernel/exit.c's
 * order, with the seq of what the run did there.
 */
class ReleaseTaskDiagramTest {

    private static List<String> releaseSection(Report r, String comm) {
        List<String> lines = FreeTimeline.render(r, task(r, comm).pid());
        int from = lines.indexOf("  release_task()");
        assertTrue(from >= 0, String.join("\n", lines));
        int to = from + 1;
        while (to < lines.size() && !lines.get(to).isEmpty()) to++;
        return lines.subList(from, to);
    }

    private static int indexOf(List<String> lines, String s) {
        for (int i = 0; i < lines.size(); i++) if (lines.get(i).contains(s)) return i;
        throw new AssertionError("no line with " + s + " in\n" + String.join("\n", lines));
    }

    private static void check(Report r, String comm) {
        assertEquals("completed", r.outcome(), r.violations().toString());
        List<String> sec = releaseSection(r, comm);
        int exitSignal = indexOf(sec, "├── __exit_signal");
        int sighand = indexOf(sec, "sighand_struct");
        int freePids = indexOf(sec, "├── free_pids");
        int releaseThread = indexOf(sec, "├── release_thread()");
        int rcuUser = indexOf(sec, "└── put_task_struct_rcu_user");
        assertTrue(
                exitSignal < sighand && sighand < freePids && freePids < releaseThread && releaseThread < rcuUser,
                String.join("\n", sec));
        assertTrue(sec.get(freePids).contains("call_rcu(delayed_put_pid)"), sec.get(freePids));
        // Whichever of the two rcu_users came last queued the RCU free: release_task or finish_task_switch.
        int pid = task(r, comm).pid();
        var queued = r.rcuCallbacks().stream()
                .filter(c -> c.function().equals("delayed_put_task_struct")
                        && c.object().equals("task_struct#" + task(r, comm).key()))
                .findFirst()
                .orElseThrow();
        String line = sec.get(rcuUser);
        if (queued.pid() != 0) {
            assertTrue(line.contains("rcu_users 1 → 0, call_rcu(delayed_put_task_struct)   seq " + queued.seq()), line);
        } else {
            assertTrue(line.contains("rcu_users 2 → 1"), line);
            List<String> all = FreeTimeline.render(r, pid);
            assertTrue(
                    all.stream().anyMatch(l -> l.contains("call_rcu(delayed_put_task_struct)   seq " + queued.seq())),
                    "the finish_task_switch section shows it");
        }
    }

    @Test
    void theDemoListsExitSignalReleaseThreadAndCallRcu() throws Exception {
        check(Runs.run(DemoCommand.scenario()), "child");
    }

    @Test
    void zombieReapOverSeeds() throws Exception {
        for (long seed = 1; seed <= 3; seed++) {
            check(
                    Runs.run(ScenarioParser.parseFile(new File("conf/scenarios/zombie-reap.conf"))
                            .withSeed(seed)),
                    "child");
        }
    }
}
