package dev.kmodel.scenarios;

import static dev.kmodel.Runs.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.kmodel.Runs;
import dev.kmodel.report.Report;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** SIGSTOP / SIGCONT / SIGKILL and WUNTRACED / WCONTINUED, in conf/scenarios/stop-continue.conf. */
class StopContinueTest {
    static Report r;
    static int child;

    @BeforeAll
    static void run() throws Exception {
        r = Runs.scenario("stop-continue");
        child = task(r, "child").pid();
    }

    @Test
    void completes() {
        assertEquals("completed", r.outcome(), () -> r.violations().toString());
    }

    @Test
    void aStopIsReportedOnceToWuntraced() {
        var w = result(r, "parent", 3);
        assertEquals(child, w.ret());
        assertEquals(0x137f, w.status().raw());
        assertTrue(w.status().stopped());
        assertEquals(19, w.status().stopSignal());
        assertFalse(w.status().exited());
        assertFalse(w.status().signaled());
        assertEquals(0L, result(r, "parent", 4).ret(), "the same stop is not reported twice");
    }

    @Test
    void aContinueIsCldContinued() {
        var w = result(r, "parent", 6);
        assertEquals(0L, w.ret());
        assertEquals(child, w.siginfo().pid());
        assertEquals("CLD_CONTINUED", w.siginfo().code());
        assertTrue(w.status().continued());
        assertTrue(r.signals().stream()
                .anyMatch(s -> s.to() == child
                        && s.sig().equals("SIGCONT")
                        && s.disposition().equals("continue")));
    }

    @Test
    void theParentHearsSigchldForStopAndContinue() {
        int parent = task(r, "parent").pid();
        long stop = r.signals().stream()
                .filter(s -> s.to() == child && s.sig().equals("SIGSTOP"))
                .findFirst()
                .orElseThrow()
                .seq();
        long sigchlds = r.signals().stream()
                .filter(s -> s.from() == child && s.to() == parent && s.sig().equals("SIGCHLD") && s.seq() > stop)
                .count();
        assertEquals(3, sigchlds, "CLD_STOPPED, CLD_CONTINUED, CLD_KILLED");
    }

    @Test
    void sigkillEndsTheTaskInsideItsWait() {
        var w = result(r, "parent", 8);
        assertEquals(9, w.status().signal());
        assertNull(result(r, "child", 1).seq(), "the child's wait4 never returned");
        assertEquals("freed", task(r, "grandchild").state());
        assertEquals(1, task(r, "grandchild").ppid(), "orphaned, reaped by init");
    }

    @Test
    void sigkillInterruptsAComputation() {
        assertEquals(9, task(r, "grandchild").exitSignal(), "killed in the middle of 10^9 ticks of compute");
        assertNull(result(r, "grandchild", 0).seq());
    }
}
