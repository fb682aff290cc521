package dev.kmodel.scenarios;

import static dev.kmodel.Runs.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.kmodel.Runs;
import dev.kmodel.report.Report;
import dev.kmodel.report.Report.GroupRow;
import dev.kmodel.report.Report.ResultRow;
import dev.kmodel.report.Report.TaskRow;
import dev.kmodel.scenario.ScenarioParser;
import java.io.File;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * execve in a thread group (fs/exec.c de_thread, execve(2)): the other threads are killed; a thread
 * that is not the leader takes the leader's pid and parent; the parent reaps the process under its
 * old pid with the new program's code; nothing leaks. Several seeds on 2 CPUs.
 */
class ExecThreadsTest {

    private static List<ResultRow> ops(Report r, int pid, String op) {
        return results(r, x -> x.pid() == pid && x.op().equals(op));
    }

    @Test
    void deThreadKillsTheOtherThreadsAndANonLeaderTakesTheLeadersPid() throws Exception {
        for (long seed = 1; seed <= 4; seed++) {
            Report r = Runs.run(ScenarioParser.parseFile(new File("conf/scenarios/exec-threads.conf"))
                    .withSeed(seed));
            assertEquals("completed", r.outcome(), "seed " + seed + ": " + r.violations());
            TaskRow main = task(r, "main");
            List<ResultRow> waits = ops(r, main.pid(), "wait4");
            int lead = waits.get(0).ret().intValue();
            int follow = waits.get(1).ret().intValue();
            // Both processes end with the new program's exit code, reaped under their original pids.
            assertEquals(4 << 8, waits.get(0).status().raw());
            assertEquals(4 << 8, waits.get(1).status().raw());
            for (int tgid : new int[] {lead, follow}) {
                // The new image runs as the only thread: getpid = gettid = the process's pid, same parent.
                assertEquals(tgid, ops(r, tgid, "getpid").get(0).ret());
                assertEquals(tgid, ops(r, tgid, "gettid").get(0).ret());
                assertEquals(main.pid(), ops(r, tgid, "getppid").get(0).ret());
                List<TaskRow> others = r.tasks().stream()
                        .filter(t -> t.tgid() == tgid && !t.comm().equals("img"))
                        .toList();
                assertFalse(others.isEmpty());
                for (TaskRow o : others) {
                    assertEquals("freed", o.state());
                    assertEquals(
                            9, o.exitSignal(), "seed " + seed + ": pid " + o.pid() + " killed by de_thread's SIGKILL");
                }
            }
            // In "follow" the exec'ing thread took the leader's pid.
            GroupRow took = r.threadGroups().stream()
                    .filter(g -> g.event().equals("exec-took-leadership"))
                    .findFirst()
                    .orElseThrow();
            assertEquals(follow, took.pid());
            assertNotEquals(follow, took.pids().get(0), "its old tid went to the old leader");
            assertEquals(
                    1,
                    r.tasks().stream()
                            .filter(t -> t.pid() == follow && t.comm().equals("img"))
                            .count());
            // The execve of the non-leader thread returned 0 into the new program.
            TaskRow img = r.tasks().stream()
                    .filter(t -> t.pid() == follow)
                    .findFirst()
                    .orElseThrow();
            ResultRow exec = results(
                            r,
                            x -> x.op().equals("exec") && x.pid() == took.pids().get(0))
                    .get(0);
            assertEquals(0L, exec.ret(), "execve returned 0 into the new program");
            assertEquals("img", img.comm());
        }
    }
}
