package dev.kmodel.scenarios;

import static dev.kmodel.Runs.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.kmodel.Runs;
import dev.kmodel.report.Report;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** waitid(2) in conf/scenarios/waitid.conf. */
class WaitidTest {
    static Report r;
    static int child;

    @BeforeAll
    static void run() throws Exception {
        r = Runs.scenario("waitid");
        child = task(r, "child").pid();
    }

    @Test
    void completes() {
        assertEquals("completed", r.outcome(), () -> r.violations().toString());
    }

    @Test
    void einvalWithoutAStateToWaitForOrForPidZero() {
        assertEquals("EINVAL", result(r, "parent", 1).errno());
        assertEquals("EINVAL", result(r, "parent", 2).errno());
    }

    @Test
    void wnohangWithNothingReadyReturnsZeroAndSiPidZero() {
        var w = result(r, "parent", 3);
        assertEquals(0L, w.ret());
        assertNull(w.errno());
        assertEquals(0, w.siginfo().pid());
    }

    @Test
    void wnowaitLeavesTheZombieForASecondWait() {
        var peek = result(r, "parent", 5);
        var got = result(r, "parent", 6);
        assertEquals(0L, peek.ret());
        assertEquals(child, peek.siginfo().pid());
        assertEquals("CLD_EXITED", peek.siginfo().code());
        assertEquals(6, peek.siginfo().status());
        assertEquals(child, got.siginfo().pid(), "still there after WNOWAIT");
        assertEquals(1, ledger(r, child, "sighand_struct", "free").size(), "released once, by the second waitid");
        assertTrue(freeOf(r, child, "sighand_struct").seq() > got.start());
        assertEquals("ECHILD", result(r, "parent", 7).errno());
    }

    @Test
    void aChildKilledBySigkillIsCldKilled() {
        var k = result(r, "parent", 10);
        int victim = task(r, "victim").pid();
        assertEquals(victim, k.siginfo().pid());
        assertEquals("CLD_KILLED", k.siginfo().code());
        assertEquals(9, k.siginfo().status());
        assertTrue(k.status().signaled());
        assertEquals(9, task(r, "victim").exitSignal());
        assertNull(result(r, "victim", 0).seq(), "the nanosleep never returned: SIGKILL ended it");
    }
}
