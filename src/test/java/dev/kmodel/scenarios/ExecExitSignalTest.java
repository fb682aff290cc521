package dev.kmodel.scenarios;

import static dev.kmodel.Runs.*;
import static org.junit.jupiter.api.Assertions.*;

import com.typesafe.config.ConfigValueFactory;
import dev.kmodel.report.Report;
import dev.kmodel.report.Report.TaskRow;
import dev.kmodel.run.Machine;
import dev.kmodel.scenario.ScenarioParser;
import java.io.File;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * execve resets the exit signal (fs/exec.c de_thread, no_thread_group: tsk->exit_signal = SIGCHLD): a clone
 * child made with SIGUSR1 that execs, by itself or through a thread that takes the leader's place, is an
 * ordinary child that a plain wait4(-1) reaps and whose exit sends SIGCHLD
 * (src/test/resources/regressions/exec-exit-signal.conf), under the controlled random schedule.
 */
class ExecExitSignalTest {

    private static Report run(long seed) throws Exception {
        return Machine.run(
                        ScenarioParser.parseFile(new File("src/test/resources/regressions/exec-exit-signal.conf"))
                                .withSeed(seed),
                        Machine.config().withValue("kmodel.schedule", ConfigValueFactory.fromAnyRef("random")),
                        true)
                .report();
    }

    @Test
    void anExecdCloneChildIsReapedByAPlainWait4AndSignalsSigchld() throws Exception {
        for (long seed : List.of(1L, 2L, 3L)) {
            Report r = run(seed);
            assertEquals("completed", r.outcome(), "seed " + seed + ": " + r.violations());
            assertEquals(List.of(), r.violations(), "seed " + seed);
            int main = task(r, "main").pid();
            List<TaskRow> imgs = tasks(r, "img");
            assertEquals(2, imgs.size(), "seed " + seed + ": both exec'd");
            Set<Long> pids = imgs.stream().map(t -> (long) t.pid()).collect(Collectors.toSet());
            for (TaskRow img : imgs) {
                assertEquals(main, img.ppid(), "seed " + seed + ": still main's child");
                assertEquals("freed", img.state(), "seed " + seed);
            }
            // The plain wait4(-1) calls (no __WCLONE, no __WALL) reap both, each with exit code 5.
            for (int n = 0; n < 2; n++) {
                var w = call(r, "main", "wait4", n);
                assertNull(w.errno(), "seed " + seed + ": wait4 #" + n + " " + w);
                assertTrue(pids.contains(w.ret()), "seed " + seed + ": wait4 #" + n + " returned " + w.ret());
                assertEquals(5 << 8, w.status().raw(), "seed " + seed);
            }
            assertEquals(
                    Set.copyOf(pids),
                    Set.of(
                            call(r, "main", "wait4", 0).ret(),
                            call(r, "main", "wait4", 1).ret()),
                    "seed " + seed + ": one each");
            assertEquals("ECHILD", call(r, "main", "wait4", 2).errno(), "seed " + seed);
            // Their exits sent main SIGCHLD, not the SIGUSR1 they were cloned with.
            for (TaskRow img : imgs) {
                assertTrue(
                        r.signals().stream()
                                .anyMatch(x -> x.from() == img.pid()
                                        && x.to() == main
                                        && x.sig().equals("SIGCHLD")),
                        "seed " + seed + ": pid " + img.pid() + " sends SIGCHLD: " + r.signals());
                assertTrue(
                        r.signals().stream()
                                .noneMatch(x -> x.from() == img.pid()
                                        && x.to() == main
                                        && x.sig().equals("SIGUSR1")),
                        "seed " + seed + ": no SIGUSR1 from pid " + img.pid());
            }
        }
    }
}
