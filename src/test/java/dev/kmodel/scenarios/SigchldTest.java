package dev.kmodel.scenarios;

import static dev.kmodel.Runs.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.kmodel.Runs;
import dev.kmodel.report.Report;
import dev.kmodel.report.Report.ResultRow;
import dev.kmodel.report.Report.TaskRow;
import org.junit.jupiter.api.Test;

/** A parent that ignores SIGCHLD or sets SA_NOCLDWAIT keeps no zombies; wait4 ends in ECHILD. */
class SigchldTest {

    @Test
    void sigIgnAutoreapsSendsNothingAndWaitBlocksUntilAllChildrenAreGone() throws Exception {
        Report r = Runs.scenario("sigchld-ignored");
        assertEquals("completed", r.outcome(), () -> r.violations().toString());
        int parent = task(r, "parent").pid();
        ResultRow w = result(r, "parent", 3);
        assertEquals("ECHILD", w.errno());
        assertEquals(-10, w.ret());
        for (TaskRow c : tasks(r, "child")) {
            assertEquals("freed", c.state());
            assertTrue(
                    r.signals().stream().noneMatch(s -> s.from() == c.pid() && s.to() == parent),
                    "SIG_IGN: do_notify_parent sends no SIGCHLD");
            // Released by the child itself in exit_notify, never by a waiter.
            assertTrue(freeOf(r, c.pid(), "sighand_struct").path().startsWith("do_exit/exit_notify/release_task"));
            // wait4 gives ECHILD once no child is left that is not EXIT_DEAD: after each child's do_exit
            // (its fd table is freed before exit_notify), though possibly before it finishes release_task.
            assertTrue(freeOf(r, c.pid(), "files_struct").seq() < w.seq(), "wait4 waited for the child's exit");
        }
        assertEquals(2, tasks(r, "child").size());
    }

    @Test
    void saNocldwaitAutoreapsButStillSendsSigchld() throws Exception {
        Report r = Runs.scenario("sa-nocldwait");
        assertEquals("completed", r.outcome(), () -> r.violations().toString());
        int parent = task(r, "parent").pid();
        int child = task(r, "child").pid();
        assertEquals("ECHILD", result(r, "parent", 2).errno());
        assertTrue(r.signals().stream()
                .anyMatch(s -> s.from() == child && s.to() == parent && s.sig().equals("SIGCHLD")));
        assertTrue(freeOf(r, child, "sighand_struct").path().startsWith("do_exit/exit_notify/release_task"));
        assertEquals("freed", task(r, "child").state());
    }
}
