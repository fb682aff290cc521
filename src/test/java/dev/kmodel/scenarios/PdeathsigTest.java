package dev.kmodel.scenarios;

import static dev.kmodel.Runs.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.kmodel.Runs;
import dev.kmodel.report.Report;
import dev.kmodel.report.Report.SignalRow;
import dev.kmodel.report.Report.TaskRow;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * prctl(PR_SET_PDEATHSIG / PR_GET_PDEATHSIG) in conf/scenarios/pdeathsig.conf, against prctl(2) and
 * kernel/exit.c forget_original_parent: the signal goes out when the creating thread exits.
 */
class PdeathsigTest {
    static Report r;

    @BeforeAll
    static void run() throws Exception {
        r = Runs.scenario("pdeathsig");
    }

    @Test
    void completes() {
        assertEquals("completed", r.outcome(), () -> r.violations().toString());
    }

    @Test
    void getSetClearAndEinval() {
        assertEquals(0L, call(r, "main", "prctl", 0).ret(), "0 before any PR_SET_PDEATHSIG");
        assertEquals("EINVAL", call(r, "main", "prctl", 1).errno(), "65 is above _NSIG");
        assertNull(call(r, "main", "prctl", 2).errno());
        assertEquals(10L, call(r, "main", "prctl", 3).ret(), "PR_GET_PDEATHSIG gives SIGUSR1 back");
        assertEquals(0L, call(r, "main", "prctl", 5).ret(), "PR_SET_PDEATHSIG 0 cleared it");
    }

    @Test
    void theParentsExitSendsTheSignalToTheChild() {
        TaskRow parent = task(r, "parent");
        TaskRow child = task(r, "child");
        assertEquals(15L, call(r, "child", "prctl", 1).ret());
        assertEquals(15, child.exitSignal(), "killed by its SIGTERM");
        SignalRow s = r.signals().stream()
                .filter(x -> x.to() == child.pid() && x.sig().equals("SIGTERM"))
                .findFirst()
                .orElseThrow();
        assertEquals(parent.pid(), s.from(), "sent by the exiting parent");
        var rp = r.reparent().stream()
                .filter(x -> x.child() == child.pid())
                .findFirst()
                .orElseThrow();
        assertTrue(rp.seq() <= s.seq(), "sent while forget_original_parent reparents it");
        assertNull(call(r, "child", "sleep", 0).seq(), "its sleep never returned");
        // init reaps it: WTERMSIG 15.
        assertFalse(results(
                        r,
                        x -> x.comm().equals("init")
                                && x.ret() != null
                                && x.ret() == child.pid()
                                && x.status().raw() == 15)
                .isEmpty());
    }

    @Test
    void forkClearsItSoTheGrandchildSurvives() {
        TaskRow grandchild = task(r, "grandchild");
        assertEquals(0L, call(r, "grandchild", "prctl", 0).ret(), "copy_process: p->pdeath_signal = 0");
        assertEquals(4, grandchild.exitCode(), "it ran to its own exit");
        assertTrue(r.signals().stream()
                .noneMatch(x -> x.to() == grandchild.pid() && !x.sig().equals("SIGCHLD")));
    }

    @Test
    void theParentIsTheThreadThatCreatedTheChild() {
        List<TaskRow> group = tasks(r, "threaded");
        assertEquals(2, group.size());
        TaskRow leader =
                group.stream().filter(t -> t.pid() == t.tgid()).findFirst().orElseThrow();
        TaskRow watched = task(r, "watched");
        // The spawner thread exits; its child goes to the leader (a threaded reparent) and still gets SIGKILL.
        var rp = r.reparent().stream()
                .filter(x -> x.child() == watched.pid())
                .findFirst()
                .orElseThrow();
        assertEquals("thread-group", rp.why());
        assertEquals(9, watched.exitSignal());
        assertTrue(r.signals().stream()
                .anyMatch(x -> x.to() == watched.pid() && x.sig().equals("SIGKILL")));
        var w = call(r, leader.pid(), "wait4", 0);
        assertEquals(watched.pid(), w.ret(), "the process, still alive, reaps it");
        assertEquals(9, w.status().raw());
        assertEquals(0, leader.exitCode());
    }
}
