package dev.kmodel.scenarios;

import static dev.kmodel.Runs.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.kmodel.Runs;
import dev.kmodel.report.Report;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * setpgid(2) into a group of another session, and ksys_setpgid's order of errors (kernel/sys.c), in
 * conf/scenarios/setpgid-session.conf.
 */
class SetpgidSessionTest {
    static Report r;

    @BeforeAll
    static void run() throws Exception {
        r = Runs.scenario("setpgid-session");
    }

    @Test
    void completes() {
        assertEquals("completed", r.outcome(), () -> r.violations().toString());
    }

    @Test
    void aGroupOfAnotherSessionIsEperm() {
        long s = result(r, "main", 0).ret();
        assertEquals(s, result(r, "leader", 0).ret(), "the leader's setsid");
        assertEquals(s, result(r, "main", 4).ret(), "getsid: the leader's own session");
        assertEquals("EPERM", result(r, "main", 5).errno(), "a child into group <s>");
        assertEquals("EPERM", result(r, "main", 6).errno(), "the caller into group <s>");
        assertEquals(1L, result(r, "main", 9).ret(), "the child did not move");
    }

    @Test
    void theTargetsOwnChecksComeFirst() {
        assertEquals("EACCES", result(r, "main", 7).errno(), "exec'd: EACCES before the group is judged");
        assertEquals("EPERM", result(r, "main", 8).errno(), "a child in another session");
    }

    @Test
    void aGroupOfTheCallersSessionCanBeJoined() {
        long c = result(r, "main", 1).ret();
        long d = result(r, "main", 11).ret();
        assertEquals(0L, result(r, "main", 10).ret());
        assertEquals(0L, result(r, "main", 12).ret());
        assertEquals(c, result(r, "main", 13).ret(), "getpgid(d)");
        // kill(-c) reached both members of group c.
        assertTrue(r.signals().stream().anyMatch(x -> x.to() == d && x.sig().equals("SIGKILL")));
        assertTrue(r.signals().stream().anyMatch(x -> x.to() == c && x.sig().equals("SIGKILL")));
    }

    @Test
    void negativeArguments() {
        assertEquals("EINVAL", result(r, "main", 14).errno(), "pgid < 0");
        assertEquals("EINVAL", result(r, "main", 15).errno(), "pgid 0 takes the pid, -5");
        assertEquals("ESRCH", result(r, "main", 16).errno(), "pid -5 names nobody");
    }
}
