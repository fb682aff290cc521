package dev.kmodel.scenarios;

import static dev.kmodel.Runs.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.kmodel.Runs;
import dev.kmodel.report.Report;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** getpgid(2), getpgrp(2), getsid(2) (kernel/sys.c), in conf/scenarios/getpgid.conf. */
class GetpgidTest {
    static Report r;
    static long c;
    static long n;

    @BeforeAll
    static void run() throws Exception {
        r = Runs.scenario("getpgid");
        c = task(r, "child").pid();
        n = task(r, "nsinit").pid();
    }

    @Test
    void completes() {
        assertEquals("completed", r.outcome(), () -> r.violations().toString());
    }

    @Test
    void theCallersOwnGroupAndSession() {
        for (int step = 0; step <= 2; step++)
            assertEquals(1L, result(r, "main", step).ret(), "step " + step);
    }

    @Test
    void anotherProcessByPid() {
        assertEquals(1L, result(r, "main", 4).ret(), "inherited from the parent");
        assertEquals(c, result(r, "main", 6).ret(), "after the child's setsid");
        assertEquals(c, result(r, "main", 7).ret());
        assertEquals("ESRCH", result(r, "main", 8).errno());
        assertEquals("ESRCH", result(r, "main", 9).errno(), "a negative pid names nobody");
    }

    @Test
    void aZombieIsFoundUntilItIsReaped() {
        assertTrue(result(r, "child", 3).start() < result(r, "main", 11).start(), "the child exited before getsid");
        assertEquals(c, result(r, "main", 11).ret());
        assertEquals(c, result(r, "main", 12).ret(), "wait4 reaped it afterwards");
        assertEquals("ESRCH", result(r, "main", 13).errno());
    }

    @Test
    void aThreadsTidGivesItsProcesssGroup() {
        long tid = result(r, "main", 14).ret();
        assertEquals(1L, result(r, "main", 15).ret());
        assertEquals(1L, call(r, (int) tid, "getpgrp", 0).ret());
        assertEquals(1L, call(r, (int) tid, "getsid", 0).ret());
    }

    @Test
    void numbersAreTheCallersNamespaces() {
        assertEquals(0L, result(r, "nsinit", 0).ret(), "main's group has no number in the new namespace");
        assertEquals(0L, result(r, "nsinit", 1).ret());
        assertEquals(0L, result(r, "nsinit", 2).ret(), "pid 1 there is nsinit itself");
        assertEquals(1L, result(r, "nsinit", 4).ret(), "setsid returns pid_vnr(sid): 1");
        assertEquals(1L, result(r, "nsinit", 5).ret());
        assertEquals(1L, result(r, "nsinit", 6).ret());
        assertEquals(0L, result(r, "nsinit", 7).ret(), "the kid stayed in main's group");
        assertEquals("ESRCH", result(r, "nsinit", 8).errno());
        assertEquals(n, result(r, "main", 18).ret(), "outside, the global number");
        assertEquals(n, result(r, "main", 19).ret());
    }
}
