package dev.kmodel.scenarios;

import static dev.kmodel.Runs.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.kmodel.Runs;
import dev.kmodel.report.Report;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** setsid(2) → ksys_setsid (kernel/sys.c): pid_task(sid, PIDTYPE_PGID), in conf/scenarios/setsid.conf. */
class SetsidTest {
    static Report r;
    static long mover;
    static long kid;

    @BeforeAll
    static void run() throws Exception {
        r = Runs.scenario("setsid");
        mover = task(r, "mover").pid();
        kid = task(r, "kid").pid();
    }

    @Test
    void completes() {
        assertEquals("completed", r.outcome(), () -> r.violations().toString());
    }

    @Test
    void aGroupLeaderCannotStartASession() {
        assertEquals(1L, result(r, "mover", 0).ret(), "boot programs start in init's group");
        assertEquals(0L, result(r, "mover", 1).ret());
        assertEquals("EPERM", result(r, "mover", 2).errno());
    }

    @Test
    void aGroupNumberedAfterTheCallerBlocksSetsidAfterTheCallerLeftIt() {
        assertEquals(0L, result(r, "mover", 4).ret(), "back in the parent's group");
        assertEquals(1L, result(r, "mover", 5).ret(), "getpgrp: mover no longer leads a group");
        assertEquals(mover, result(r, "mover", 6).ret(), "the kid is still in group <mover>");
        assertEquals("EPERM", result(r, "mover", 7).errno(), "pid_task(sid, PIDTYPE_PGID) finds the kid");
        assertEquals("EPERM", result(r, "mover", 10).errno(), "a zombie stays in its group until it is reaped");
        assertEquals(kid, result(r, "mover", 11).ret());
        assertEquals(9, result(r, "mover", 11).status().signal());
    }

    @Test
    void onceTheGroupIsGoneSetsidMakesANewSessionAndGroup() {
        assertEquals(mover, result(r, "mover", 12).ret(), "setsid returns the new session's id");
        assertNull(result(r, "mover", 12).errno());
        assertEquals(mover, result(r, "mover", 13).ret(), "getsid(0)");
        assertEquals(mover, result(r, "mover", 14).ret(), "getpgrp");
        assertEquals("EPERM", result(r, "mover", 15).errno(), "a session leader");
    }
}
