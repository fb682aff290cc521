package dev.kmodel.scenarios;

import static dev.kmodel.Runs.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.kmodel.Runs;
import dev.kmodel.report.Report;
import dev.kmodel.report.Report.ResultRow;
import java.util.List;
import org.junit.jupiter.api.Test;

/** kernel/pid.c: cyclic allocation, RESERVED_PIDS after the first lap, EAGAIN when full. */
class PidTest {

    @Test
    void pidsWrapToReservedPids() throws Exception {
        Report r = Runs.scenario("pid-wrap");
        assertEquals("completed", r.outcome(), () -> r.violations().toString());
        List<Long> pids = results(r, x -> x.comm().equals("main") && x.op().equals("fork")).stream()
                .map(ResultRow::ret)
                .toList();
        assertEquals(300, pids.size());
        for (int i = 0; i < 297; i++) assertEquals(4 + i, pids.get(i), "first lap: 4, 5, ... 300");
        for (int i = 297; i < 300; i++) {
            assertEquals(300L, pids.get(i), "after the wrap the search restarts at RESERVED_PIDS, not 1");
        }
    }

    @Test
    void forkFailsWithEagainWhenEveryPidIsTaken() throws Exception {
        Report r = Runs.scenario("pid-exhaustion");
        assertEquals("completed", r.outcome(), () -> r.violations().toString());
        List<ResultRow> forks = results(r, x -> x.comm().equals("main") && x.op().equals("fork"));
        assertEquals(298, forks.size());
        for (int i = 0; i < 297; i++) assertNull(forks.get(i).errno());
        assertEquals("EAGAIN", forks.get(297).errno());
        assertEquals(-11L, forks.get(297).ret());
        // copy_process unwound: the would-be child's task_struct was allocated and freed, never linked.
        long failedStructs = r.ledger().stream()
                .filter(l -> l.type().equals("task_struct")
                        && l.event().equals("free")
                        && l.path().contains("bad_fork_cleanup"))
                .count();
        assertEquals(1, failedStructs);
    }
}
