package dev.kmodel.scenarios;

import static dev.kmodel.Runs.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.kmodel.Runs;
import dev.kmodel.report.Report;
import dev.kmodel.report.Report.ReparentRow;
import org.junit.jupiter.api.Test;

/** prctl(PR_SET_CHILD_SUBREAPER) and find_new_reaper. */
class SubreaperTest {

    @Test
    void anOrphanGoesToTheNearestSubreaperNotToInit() throws Exception {
        Report r = Runs.scenario("subreaper");
        assertEquals("completed", r.outcome(), () -> r.violations().toString());
        int keeper = task(r, "keeper").pid();
        int mid = task(r, "mid").pid();
        int leaf = task(r, "leaf").pid();
        ReparentRow rp =
                r.reparent().stream().filter(x -> x.child() == leaf).findFirst().orElseThrow();
        assertEquals(mid, rp.from());
        assertEquals(keeper, rp.to());
        assertEquals("subreaper", rp.why());
        assertEquals(keeper, result(r, "leaf", 1).ret(), "getppid() after the reparent");
        assertEquals(leaf, result(r, "keeper", 3).ret(), "the subreaper reaps its adopted grandchild");
        assertEquals(2 << 8, result(r, "keeper", 3).status().raw());
        assertTrue(
                results(r, x -> x.comm().equals("init") && x.ret() != null && x.ret() == leaf)
                        .isEmpty(),
                "init never saw the leaf");
    }

    @Test
    void theFlagIsNotInheritedByFork() throws Exception {
        Report r = Runs.scenario("subreaper");
        assertEquals(0L, result(r, "mid", 0).ret());
        assertEquals(1L, result(r, "keeper", 4).ret());
    }

    @Test
    void withoutASubreaperTheChildReaperAdopts() throws Exception {
        Report r = Runs.text("""
        cpus = 1
        programs {
          top  = [ { op = prctl, option = PR_SET_CHILD_SUBREAPER, value = 0 }, { op = fork, run = mid },
                   { op = wait4, pid = -1 }, { op = sleep, ticks = 100 } ]
          mid  = [ { op = fork, run = leaf }, { op = exit, code = 0 } ]
          leaf = [ { op = sleep, ticks = 20 }, { op = exit, code = 0 } ]
        }
        boot = [ top ]
        """);
        assertEquals("completed", r.outcome(), () -> r.violations().toString());
        int leaf = task(r, "leaf").pid();
        ReparentRow rp =
                r.reparent().stream().filter(x -> x.child() == leaf).findFirst().orElseThrow();
        assertEquals(1, rp.to());
        assertEquals("child-reaper", rp.why());
    }

    @Test
    void anUnknownPrctlOptionIsEinval() throws Exception {
        Report r = Runs.text("""
        programs { m = [ { op = prctl, option = 9999 } ] }
        boot = [ m ]
        """);
        assertEquals("EINVAL", result(r, "m", 0).errno());
    }
}
