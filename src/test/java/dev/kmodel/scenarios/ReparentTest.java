package dev.kmodel.scenarios;

import static dev.kmodel.Runs.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.kmodel.Runs;
import dev.kmodel.report.Report;
import dev.kmodel.report.Report.ReparentRow;
import dev.kmodel.report.Report.ResultRow;
import org.junit.jupiter.api.Test;

/** forget_original_parent: orphans, live or zombie, go to init, which reaps them. */
class ReparentTest {

    @Test
    void aLiveOrphanIsAdoptedByInitAndGetppidChanges() throws Exception {
        Report r = Runs.scenario("orphan-reparented");
        assertEquals("completed", r.outcome(), () -> r.violations().toString());
        int parent = task(r, "parent").pid();
        int child = task(r, "child").pid();
        assertEquals(parent, result(r, "child", 0).ret(), "getppid before the parent exits");
        assertEquals(1, result(r, "child", 2).ret(), "getppid after: init");
        ReparentRow rp = r.reparent().stream()
                .filter(x -> x.child() == child)
                .findFirst()
                .orElseThrow();
        assertEquals(parent, rp.from());
        assertEquals(1, rp.to());
        assertEquals("child-reaper", rp.why());
        assertEquals(1, task(r, "child").ppid());
        ResultRow reap = results(r, x -> x.comm().equals("init") && x.ret() != null && x.ret() == child)
                .get(0);
        assertEquals(3 << 8, reap.status().raw());
        assertEquals("freed", task(r, "child").state());
    }

    @Test
    void aZombieOrphanIsAnnouncedToInitAndReaped() throws Exception {
        Report r = Runs.scenario("zombie-orphan");
        assertEquals("completed", r.outcome(), () -> r.violations().toString());
        int parent = task(r, "parent").pid();
        int child = task(r, "child").pid();
        long toParent = r.signals().stream()
                .filter(s -> s.from() == child && s.to() == parent)
                .findFirst()
                .orElseThrow()
                .seq();
        ReparentRow rp = r.reparent().stream()
                .filter(x -> x.child() == child)
                .findFirst()
                .orElseThrow();
        assertTrue(toParent < rp.seq(), "the child was already a zombie when its parent exited");
        // reparent_leader: a zombie is notified to its new parent as if it had just died. (The child's own
        // Reparented event and init's SIGCHLD are journaled by two actors concurrently: compare causally,
        // with the parent's exit, which both follow.)
        long parentExit = result(r, "parent", 2).start();
        assertTrue(r.signals().stream().anyMatch(s -> s.from() == child && s.to() == 1 && s.seq() > parentExit));
        ResultRow reap = results(r, x -> x.comm().equals("init") && x.ret() != null && x.ret() == child)
                .get(0);
        assertEquals(9 << 8, reap.status().raw());
        assertTrue(reap.seq() > rp.seq());
        assertEquals("freed", task(r, "child").state());
    }
}
