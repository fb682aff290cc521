package dev.kmodel.scenarios;

import static dev.kmodel.Runs.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.kmodel.Runs;
import dev.kmodel.report.Report;
import dev.kmodel.report.Report.TaskRow;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** kill(2)'s pid forms, in conf/scenarios/kill-groups.conf. */
class KillTest {
    static Report r;

    @BeforeAll
    static void run() throws Exception {
        r = Runs.scenario("kill-groups");
    }

    @Test
    void completes() {
        assertEquals("completed", r.outcome(), () -> r.violations().toString());
    }

    @Test
    void aProcessGroupIsKilledWhole() {
        int leader = task(r, "leader").pid();
        assertEquals(leader, result(r, "main", 4).ret());
        assertTrue(result(r, "main", 4).status().signaled());
        assertEquals(9, result(r, "main", 4).status().signal());
        for (TaskRow m : tasks(r, "member")) {
            assertEquals(9, m.exitSignal(), "member " + m.pid());
            assertEquals(1, m.ppid(), "orphaned by the leader's death, reaped by init");
            assertEquals("freed", m.state());
        }
        assertEquals(15, task(r, "loner").exitSignal(), "the loner was not in the group");
    }

    @Test
    void minusOneReachesEveryoneButInitAndTheCaller() {
        int main = task(r, "main").pid();
        assertEquals(15, result(r, "main", 6).status().signal());
        assertTrue(r.signals().stream().noneMatch(s -> s.sig().equals("SIGTERM") && (s.to() == 1 || s.to() == main)));
        assertTrue(
                r.signals().stream()
                        .anyMatch(s -> s.sig().equals("SIGTERM")
                                && s.to() == 2
                                && s.disposition().equals("ignored")),
                "kthreadd gets it and ignores it, as kernel threads do");
    }

    @Test
    void nobodyToSignalIsEsrch() {
        assertEquals("ESRCH", result(r, "main", 7).errno());
        assertEquals("ESRCH", result(r, "main", 8).errno());
        assertEquals("ESRCH", result(r, "main", 9).errno(), "a reaped pid names nobody, even for signal 0");
    }
}
