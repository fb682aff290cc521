package dev.kmodel.scenarios;

import static dev.kmodel.Runs.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.kmodel.Runs;
import dev.kmodel.report.Report;
import dev.kmodel.report.Report.ResultRow;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** 60 children on 4 CPUs, all reaped; and the run shows real parallelism and lock contention. */
class SixtyChildrenTest {
    static Report r;

    @BeforeAll
    static void run() throws Exception {
        r = Runs.scenario("sixty-children");
    }

    @Test
    void allSixtyAreReapedWithTheirStatus() {
        assertEquals("completed", r.outcome(), () -> r.violations().toString());
        List<ResultRow> waits = results(r, x -> x.comm().equals("main") && x.op().equals("wait4"));
        assertEquals(61, waits.size());
        Set<Long> reaped = new HashSet<>();
        for (ResultRow w : waits.subList(0, 60)) {
            assertNull(w.errno());
            assertEquals(3 << 8, w.status().raw());
            reaped.add(w.ret());
        }
        assertEquals(60, reaped.size(), "each child reaped exactly once");
        assertEquals("ECHILD", waits.get(60).errno());
        assertEquals(
                60,
                tasks(r, "child").stream()
                        .filter(t -> t.state().equals("freed"))
                        .count());
    }

    @Test
    void kernelStepsRunOnDifferentCpusInOverlappingIntervals() {
        List<ResultRow> done = r.results().stream().filter(x -> x.seq() != null).toList();
        Set<Integer> cpus = new HashSet<>();
        done.forEach(x -> cpus.add(x.cpu()));
        assertTrue(cpus.size() >= 2, "steps ran on " + cpus);
        boolean overlap = false;
        for (int i = 0; i < done.size() && !overlap; i++) {
            for (int j = i + 1; j < done.size() && !overlap; j++) {
                ResultRow a = done.get(i), b = done.get(j);
                overlap = a.cpu() != b.cpu() && a.start() < b.seq() && b.start() < a.seq();
            }
        }
        assertTrue(overlap, "two system calls on different CPUs overlap in the run's order");
    }

    @Test
    void tasklistLockContentionIsRecorded() {
        var contended = r.locks().stream().filter(Report.LockRow::contended).toList();
        assertFalse(contended.isEmpty(), "some write_lock(tasklist_lock) had to wait");
        for (var l : contended) {
            assertTrue(l.requested() < l.seq());
            assertFalse(l.heldBy().isEmpty(), "who held it is recorded");
        }
    }
}
