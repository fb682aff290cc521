package dev.kmodel.scenarios;

import static dev.kmodel.Runs.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.kmodel.Runs;
import dev.kmodel.report.Report;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The corners of wait4(2) in conf/scenarios/wait-nohang-echild.conf. */
class WaitTest {
    static Report r;

    @BeforeAll
    static void run() throws Exception {
        r = Runs.scenario("wait-nohang-echild");
    }

    @Test
    void completes() {
        assertEquals("completed", r.outcome(), () -> r.violations().toString());
    }

    @Test
    void noChildrenIsEchild() {
        assertEquals("ECHILD", result(r, "parent", 0).errno());
    }

    @Test
    void aPidThatIsNotOurChildIsEchild() {
        assertEquals("ECHILD", result(r, "parent", 2).errno());
    }

    @Test
    void wnohangOnALiveChildReturnsZero() {
        assertEquals(0L, result(r, "parent", 3).ret());
        assertNull(result(r, "parent", 3).errno());
    }

    @Test
    void wnowaitIsNotAWait4Option() {
        assertEquals("EINVAL", result(r, "parent", 4).errno());
    }

    @Test
    void wnohangReapsAZombie() {
        int napper = r.tasks().stream()
                .filter(t -> t.comm().equals("napper"))
                .findFirst()
                .orElseThrow()
                .pid();
        assertEquals(napper, result(r, "parent", 6).ret());
        assertEquals(2 << 8, result(r, "parent", 6).status().raw());
        assertEquals("ECHILD", result(r, "parent", 7).errno(), "nothing left after the reap");
    }

    @Test
    void waitZeroSelectsTheCallersProcessGroup() {
        assertEquals(0L, result(r, "parent", 8).ret(), "setpgid(0, 0)");
        long forked = result(r, "parent", 9).ret();
        assertEquals(forked, result(r, "parent", 10).ret());
    }

    @Test
    void optionsWrittenAsOneStringWorkAtRunTimeToo() throws Exception {
        Report q = Runs.text("""
        cpus = 1
        programs {
          main = [ { op = fork, run = c, save = k }, { op = wait4, pid = "$k", options = "WNOHANG|__WALL" }
                   { op = wait4, pid = "$k" } ]
          c = [ { op = exit, code = 0 } ]
        }
        boot = [ main ]
        """);
        assertEquals(0L, result(q, "main", 1).ret(), "WNOHANG taken from \"WNOHANG|__WALL\"");
        assertEquals(task(q, "c").pid(), result(q, "main", 2).ret());
    }
}
