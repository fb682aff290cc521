package dev.kmodel.scenarios;

import static dev.kmodel.Runs.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.kmodel.Runs;
import dev.kmodel.report.Report;
import dev.kmodel.report.Report.LedgerRow;
import dev.kmodel.report.Report.ReparentRow;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Model bugs the random-program stress found (docs/stress.md, "Random programs"), each replayed from its
 * regression scenario (src/test/resources/regressions/*.conf, whose header says what Linux does) under the
 * controlled schedule and seed that showed it.
 */
class RandomFindingsExecTest {

    private static Report run(String name, long seed) throws Exception {
        return Runs.regression(name, seed);
    }

    /** Seed 1466: both execs' copies were named TYPE#task.exec, so the first was freed twice. */
    @Test
    void eachExecUnshareAllocatesATableOfItsOwnAndEachIsFreedOnce() throws Exception {
        Report r = run("exec-unshare-twice", 1466);
        assertEquals("completed", r.outcome(), r.violations().toString());
        int execer = task(r, "c").pid();
        int second = task(r, "second").pid();
        for (String type : List.of("sighand_struct", "files_struct")) {
            List<String> allocs = ledger(r, execer, type, "alloc").stream()
                    .map(LedgerRow::object)
                    .filter(o -> o.contains(".exec"))
                    .toList();
            assertEquals(2, allocs.size(), type + ": one copy per exec: " + allocs);
            assertEquals(2, allocs.stream().distinct().count(), type + ": two tables, two ids: " + allocs);
            for (String o : allocs) {
                List<LedgerRow> frees = r.ledger().stream()
                        .filter(l -> l.object().equals(o) && l.event().equals("free"))
                        .toList();
                assertEquals(1, frees.size(), o + " is freed exactly once: " + frees);
            }
            // The first copy lives on in `second`, which shares it, and is freed by its exit.
            LedgerRow firstFree = r.ledger().stream()
                    .filter(l -> l.object().equals(allocs.get(0)) && l.event().equals("free"))
                    .findFirst()
                    .orElseThrow();
            assertEquals("task-" + second, firstFree.holder(), type + ": the sharer puts the last reference");
        }
        assertEquals(3 << 8, call(r, "main", "wait4", 0).status().raw());
    }

    /** Seed 1730: reparent_leader's autoreap released the zombie without setting EXIT_DEAD on it. */
    @Test
    void aZombieReparentedToAParentIgnoringSigchldIsSetDeadAndReleasedByTheFather() throws Exception {
        Report r = run("reparent-autoreap-zombie", 1730);
        assertEquals("completed", r.outcome(), r.violations().toString());
        int kid = task(r, "kid").pid();
        int nsinit = task(r, "nsinit").pid();
        ReparentRow rp = r.reparent().stream()
                .filter(x -> x.child() == kid)
                .findFirst()
                .orElseThrow(() -> new AssertionError("kid was not reparented: " + r.reparent()));
        assertEquals(nsinit, rp.to());
        assertEquals("zombie", rp.childState(), "a zombie when its father exited");
        assertEquals("freed", task(r, "kid").state());
        // exit_notify of the father release_task()s it (the dead list of forget_original_parent).
        LedgerRow sighand = freeOf(r, kid, "sighand_struct");
        assertTrue(sighand.path().startsWith("do_exit/exit_notify/release_task"), sighand.path());
        assertEquals(7, task(r, "kid").exitCode());
    }
}
