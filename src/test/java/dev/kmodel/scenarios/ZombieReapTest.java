package dev.kmodel.scenarios;

import static dev.kmodel.Runs.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.kmodel.Runs;
import dev.kmodel.report.Report;
import dev.kmodel.report.Report.LedgerRow;
import dev.kmodel.report.Report.ResultRow;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** conf/scenarios/zombie-reap.conf: exit → zombie → wait4 → release_task → RCU → free_task. */
class ZombieReapTest {
    static Report r;
    static int child;
    static int parent;

    @BeforeAll
    static void run() throws Exception {
        r = Runs.scenario("zombie-reap");
        child = task(r, "child").pid();
        parent = task(r, "main").pid();
    }

    @Test
    void completesWithoutViolations() {
        assertEquals("completed", r.outcome(), () -> r.violations().toString());
        assertTrue(r.violations().isEmpty());
    }

    @Test
    void wait4ReturnsTheChildAndItsExitStatus() {
        ResultRow w = result(r, "main", 1);
        assertEquals("wait4", w.op());
        assertEquals(child, w.ret());
        assertNull(w.errno());
        assertEquals(7 << 8, w.status().raw()); // (code & 0xff) << 8
        assertTrue(w.status().exited());
        assertEquals(7, w.status().code());
        assertEquals("st", w.var());
        assertEquals(7, task(r, "child").exitCode());
    }

    @Test
    void exitNeverReturns() {
        assertNull(result(r, "child", 1).seq());
        assertEquals("exit", result(r, "child", 1).op());
    }

    @Test
    void addressSpaceIsTornDownInDoExitBeforeTheZombieExists() {
        long sigchld = r.signals().stream()
                .filter(s -> s.from() == child && s.sig().equals("SIGCHLD"))
                .findFirst()
                .orElseThrow()
                .seq();
        var pages = ledger(r, child, "page", "free");
        assertEquals(4, pages.size(), "the 4 touched pages are the child's own");
        for (LedgerRow p : pages) {
            assertTrue(p.path().startsWith("do_exit/exit_mm/mmput/__mmput/exit_mmap/unmap_vmas"), p.path());
            assertTrue(p.seq() < sigchld, "user pages freed before exit_notify");
        }
        assertEquals(3, ledger(r, child, "vma", "free").size());
        assertTrue(
                ledger(r, child, "page_table", "free").stream()
                                .filter(l -> l.path().contains("free_pgtables"))
                                .count()
                        >= 3,
                "PTE, PMD and PUD pages in exit_mmap");
        assertTrue(freeOf(r, child, "files_struct").seq() < sigchld);
        assertTrue(freeOf(r, child, "fs_struct").seq() < sigchld);
    }

    @Test
    void theZombieKeepsItsTaskStructUntilReapedAndAGracePeriodHasPassed() {
        ResultRow w = result(r, "main", 1);
        LedgerRow sighand = freeOf(r, child, "sighand_struct");
        assertTrue(sighand.path().contains("wait_task_zombie/release_task/__exit_signal"), sighand.path());
        assertTrue(sighand.seq() > w.start() && sighand.seq() < w.seq());
        LedgerRow ts = freeOf(r, child, "task_struct");
        assertTrue(ts.path().startsWith("rcu_core/rcu_do_batch/delayed_put_task_struct"), ts.path());
        assertTrue(ts.seq() > sighand.seq(), "task_struct outlives release_task");
        long queued = r.rcuCallbacks().stream()
                .filter(c -> c.function().equals("delayed_put_task_struct")
                        && c.object().equals("task_struct#" + task(r, "child").key()))
                .findFirst()
                .orElseThrow()
                .seq();
        assertTrue(
                r.graces().stream().anyMatch(g -> g.start() > queued && g.end() != null && g.end() < ts.seq()),
                "a whole grace period lies between call_rcu and free_task");
        assertEquals(ts.seq(), freeOf(r, child, "thread_info").seq());
        assertEquals(ts.seq(), freeOf(r, child, "signal_struct").seq());
        assertTrue(freeOf(r, child, "cred").seq() > ts.seq(), "cred goes one more grace period later (put_cred_rcu)");
        assertTrue(freeOf(r, child, "pid").path().contains("delayed_put_pid"));
    }

    @Test
    void theKernelStackGoesWhenTheCpuSwitchesAway() {
        LedgerRow stack = freeOf(r, child, "kernel_stack");
        assertTrue(stack.path().contains("finish_task_switch/put_task_stack"), stack.path());
        assertTrue(stack.seq() < freeOf(r, child, "task_struct").seq());
    }

    @Test
    void theMmStructOutlivesExitMmThroughTheLazyTlbReference() {
        var mmEvents = r.ledger().stream()
                .filter(l -> l.owner() == child && l.type().equals("mm_struct"))
                .toList();
        assertTrue(mmEvents.stream().anyMatch(l -> l.function().equals("mmgrab_lazy_tlb")));
        LedgerRow lastPut = mmEvents.stream()
                .filter(l -> l.path().contains("__mmput/mmdrop"))
                .findFirst()
                .orElseThrow();
        assertEquals(1, lastPut.refcount(), "after __mmput the lazy reference still pins mm_struct");
        boolean freed = mmEvents.stream().anyMatch(l -> l.event().equals("free"));
        String mm = lastPut.object();
        boolean heldByCpu = r.cpuStats().stream().anyMatch(c -> mm.equals(c.lazyMm()));
        assertTrue(freed ^ heldByCpu, "freed by finish_task_switch, or still an idle CPU's active_mm");
    }
}
