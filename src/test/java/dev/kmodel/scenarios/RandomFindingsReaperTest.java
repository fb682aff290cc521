package dev.kmodel.scenarios;

import static dev.kmodel.Runs.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.kmodel.Runs;
import dev.kmodel.report.Report;
import dev.kmodel.report.Report.TaskRow;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Reparenting and exit-signal findings of the random-program generator (stress --random), each run under
 * the controlled random schedule with the seed that showed it (src/test/resources/regressions/*.conf; each
 * file says what Linux does).
 */
class RandomFindingsReaperTest {

    private static Report run(String name, long seed) throws Exception {
        return Runs.regression(name, seed);
    }

    /** find_new_reaper's walk stays at the father's pid level: the orphan goes to the namespace's init. */
    @Test
    void anOrphanInAPidNamespaceGoesToItsInitNotToASubreaperOutside() throws Exception {
        for (long seed : List.of(1889L, 1150L)) {
            Report r = run("subreaper-pidns-level", seed);
            assertEquals("completed", r.outcome(), "seed " + seed + ": " + r.violations());
            assertEquals(List.of(), r.violations(), "seed " + seed);
            TaskRow nsinit = task(r, "nsinit");
            TaskRow orphan = task(r, "orphan");
            assertEquals(1, nsinit.nsPid(), "seed " + seed);
            assertEquals(nsinit.pid(), orphan.ppid(), "seed " + seed + ": the namespace's child reaper adopted it");
            assertEquals("freed", orphan.state(), "seed " + seed);
            // The namespace's init reaps it: wait4 returns its pid as the namespace sees it, and exit code 3.
            assertEquals((long) orphan.nsPid(), call(r, "nsinit", "wait4", 0).ret(), "seed " + seed);
            assertEquals(3 << 8, call(r, "nsinit", "wait4", 0).status().raw(), "seed " + seed);
            // The subreaper outside the namespace never had it: its last wait4(-1, WNOHANG) finds no child.
            assertEquals("ECHILD", call(r, "main", "wait4", 1).errno(), "seed " + seed);
        }
    }

    /** copy_process: CLONE_PARENT takes current->group_leader->exit_signal, not a thread's own -1. */
    @Test
    void cloneParentAfterAThreadsExecTakesTheNewLeadersExitSignal() throws Exception {
        Report r = run("clone-parent-after-exec-takeover", 4896);
        assertEquals("completed", r.outcome(), r.violations().toString());
        assertTrue(r.violations().isEmpty(), r.violations().toString());
    }

    @Test
    void cloneParentFromAThreadTakesTheLeadersExitSignal() throws Exception {
        Report r = run("clone-parent-from-thread", 1027);
        assertEquals("completed", r.outcome(), r.violations().toString());
        assertEquals(List.of(), r.violations());
        TaskRow main = task(r, "main");
        TaskRow sib = task(r, "sib");
        assertEquals(main.pid(), sib.ppid(), "CLONE_PARENT: a child of the process's parent");
        assertEquals("freed", sib.state());
        // An ordinary (SIGCHLD) child: a plain wait4(-1), without __WCLONE or __WALL, reaps it.
        List<Long> reaped = List.of(
                call(r, "main", "wait4", 0).ret(), call(r, "main", "wait4", 1).ret());
        assertTrue(reaped.contains((long) sib.pid()), "main's wait4 calls returned " + reaped);
        assertTrue(
                r.signals().stream()
                        .anyMatch(x -> x.from() == sib.pid()
                                && x.to() == main.pid()
                                && x.sig().equals("SIGCHLD")),
                "its exit signals its parent with SIGCHLD: " + r.signals());
    }
}
