package dev.kmodel.scenarios;

import static dev.kmodel.Runs.call;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kmodel.report.Report;
import dev.kmodel.run.Machine;
import dev.kmodel.scenario.Scenario;
import dev.kmodel.scenario.ScenarioParser;
import org.junit.jupiter.api.Test;

/**
 * find_child_reaper (kernel/exit.c): when a pid namespace's init leader has exited but a thread of its
 * group lives, that thread is the namespace's child reaper (pid_ns->child_reaper = find_alive_thread):
 * an orphan reparented to "the init" becomes the live thread's child — its real_parent and the list it
 * is on agree — and the thread's wait4 reaps it by its number in the namespace.
 */
class ReaperThreadTest {
    private static final String SCENARIO = """
            name = "reaper-thread"
            cpus = 2
            programs {
              main = [
                { op = clone, flags = CLONE_NEWPID, run = nsinit, save = n }
                { op = wait4, pid = "$n", save = st }
                { op = exit, code = 0 }
              ]
              nsinit = [
                { op = thread, run = keeper }
                { op = fork, run = mid }
                { op = exit, code = 0 }
              ]
              keeper = [
                { op = sleep, ticks = 5 }
                { op = wait4, pid = -1, options = [ __WALL ], save = a }
                { op = wait4, pid = -1, options = [ __WALL ], save = b }
                { op = exit, code = 0 }
              ]
              mid = [
                { op = fork, run = leaf }
                { op = sleep, ticks = 2 }
                { op = exit, code = 3 }
              ]
              leaf = [ { op = sleep, ticks = 3 }, { op = exit, code = 5 } ]
            }
            boot = [ main ]
            """;

    @Test
    void anOrphanOfTheNamespaceGoesToTheLiveThreadOfItsExitedInit() throws Exception {
        Scenario sc = ScenarioParser.parseString("reaper-thread.conf", SCENARIO);
        for (long seed = 1; seed <= 3; seed++) {
            Report r = Machine.run(sc.withSeed(seed)).report();
            assertEquals("completed", r.outcome(), "seed " + seed + ": " + r.violations());
            // The keeper (nsinit's thread, comm "nsinit" since it runs in that group) reaps mid (3), then leaf.
            Report.ResultRow second = call(r, "nsinit", "wait4", 1);
            assertEquals(4L, second.ret(), "leaf is pid 4 in the namespace (wait4 returns pid_vnr)");
            assertEquals(5 << 8, second.status().raw());
        }
    }
}
