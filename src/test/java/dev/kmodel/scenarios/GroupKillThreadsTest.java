package dev.kmodel.scenarios;

import static dev.kmodel.Runs.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.kmodel.Runs;
import dev.kmodel.report.Report;
import dev.kmodel.report.Report.TaskRow;
import org.junit.jupiter.api.Test;

/**
 * A group SIGKILL and its threads' forks. In Linux complete_signal (kernel/signal.c) sets SIGNAL_GROUP_EXIT
 * and adds SIGKILL to every thread's pending set under siglock, and copy_process (kernel/fork.c) tests
 * fatal_signal_pending(current) under the same siglock: a thread whose fork takes siglock after the kill's
 * fails with EINTR. The model's kill reaches the threads through the leader, later; a thread's
 * copy_process now asks the leader (which keeps SIGNAL_GROUP_EXIT) under siglock. Before, with seed 18 a
 * thread's clone(CLONE_PARENT) linked a child after the kill (survived-fatal-signal).
 */
class GroupKillThreadsTest {

    private static Report run(long seed) throws Exception {
        return run("group-kill-threads", seed);
    }

    private static Report run(String name, long seed) throws Exception {
        return Runs.regression(name, seed);
    }

    @Test
    void aThreadsCloneDuringAnotherThreadsExecIsKilledNotLinked() throws Exception {
        Report r = run("exec-zaps-forking-thread", 210824);
        assertFalse(r.hasViolations(), r.violations().toString());
        assertEquals("completed", r.outcome());
    }

    @Test
    void aThreadsForkAfterTheGroupKillFailsWithEintr() throws Exception {
        Report r = run(18);
        assertFalse(r.hasViolations(), r.violations().toString());
        assertEquals("completed", r.outcome());
        // Every task of the victim's group died of the SIGKILL.
        for (TaskRow t : tasks(r, "victim")) assertEquals(9, t.exitSignal(), t.toString());
        // The thread whose clone(CLONE_PARENT) came after the kill's siglock section: EINTR, no child.
        int thread = tasks(r, "victim").stream()
                .filter(t -> t.pid() != t.tgid())
                .filter(t -> r.failedForks().stream().anyMatch(f -> f.pid() == t.pid()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no thread's fork failed: " + r.failedForks()))
                .pid();
        assertTrue(
                r.failedForks().stream()
                        .filter(f -> f.pid() == thread)
                        .allMatch(f -> f.errno().equals("EINTR")),
                r.failedForks().toString());
        assertTrue(
                r.results().stream()
                        .filter(x -> x.pid() == thread && x.op().equals("clone"))
                        .anyMatch(x -> "EINTR".equals(x.errno())),
                r.results().toString());
    }
}
