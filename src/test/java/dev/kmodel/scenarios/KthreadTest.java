package dev.kmodel.scenarios;

import static dev.kmodel.Runs.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.kmodel.report.Report;
import dev.kmodel.report.Report.ResultRow;
import dev.kmodel.report.Report.TaskRow;
import org.junit.jupiter.api.Test;

/**
 * Kernel threads against kernel/kthread.c: kthreadd creates them on request, they have no mm of
 * their own, ignore signals, loop until kthread_stop (which returns their result), and are released
 * at exit because kthreadd ignores SIGCHLD.
 */
class KthreadTest {

    @Test
    void kthreaddCreatesThreadsThatRunUntilStopped() throws Exception {
        Report r = scenario("kthreads");
        assertEquals("completed", r.outcome(), r.violations().toString());
        TaskRow kworker = task(r, "kworker");
        TaskRow oneshot = task(r, "oneshot");
        TaskRow kthreadd = task(r, "kthreadd");
        // Children of kthreadd (pid 2), created by its create_kthread.
        assertEquals(kthreadd.pid(), kworker.ppid());
        assertEquals(2L, call(r, "kworker", "getppid", 0).ret());
        assertEquals((long) kworker.pid(), call(r, "main", "kthread_run", 0).ret());
        assertFalse(results(r, x -> x.pid() == kthreadd.pid() && x.op().equals("create_kthread"))
                .isEmpty());
        // Its function ran in a loop (getppid more than once) until kthread_stop, which returned 0.
        assertTrue(results(r, x -> x.comm().equals("kworker") && x.op().equals("getppid"))
                        .size()
                > 1);
        ResultRow stop = call(r, "main", "kthread_stop", 0);
        assertEquals(0L, stop.ret());
        assertEquals("freed", kworker.state());
        assertEquals(0, kworker.exitCode());
        // SIGKILL from user space is ignored by a kernel thread.
        assertTrue(r.signals().stream()
                .anyMatch(s -> s.to() == kworker.pid()
                        && s.sig().equals("SIGKILL")
                        && s.disposition().equals("ignored")));
        assertEquals("EINVAL", call(r, "main", "kthread_stop", 1).errno(), "not a kernel thread");
        // A kernel thread that returns by itself is released at once: no zombie, no SIGCHLD to kthreadd.
        assertEquals("freed", oneshot.state());
        assertEquals(4, oneshot.exitCode());
        assertTrue(r.signals().stream()
                .noneMatch(s -> s.to() == kthreadd.pid()
                        && s.sig().equals("SIGCHLD")
                        && !s.disposition().equals("ignored")));
        // No mm of their own: no mm_users reference ever held by a kernel thread.
        assertTrue(r.ledger().stream()
                .noneMatch(l -> l.type().equals("mm_struct")
                        && (l.holder().equals("users:" + kworker.key())
                                || l.holder().equals("users:" + oneshot.key()))));
        assertTrue(r.ledger().stream()
                .noneMatch(l -> l.type().equals("mm_struct")
                        && l.event().equals("alloc")
                        && (l.owner() == kworker.pid() || l.owner() == oneshot.pid())));
    }
}
