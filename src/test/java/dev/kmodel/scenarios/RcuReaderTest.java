package dev.kmodel.scenarios;

import static dev.kmodel.Runs.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.kmodel.Runs;
import dev.kmodel.report.Report;
import dev.kmodel.report.Report.RcuSectionRow;
import dev.kmodel.scenario.ScenarioParser;
import java.io.File;
import org.junit.jupiter.api.Test;

/** An rcu_read_lock section that began before call_rcu delays free_task until it ends. */
class RcuReaderTest {

    /**
     * Whether the walk spans the child's release depends on real timing (the walk is 40000 ticks on
     * its own CPU; the reap is a few hundred events on the other). When it does, free_task must wait
     * for rcu_read_unlock. The overlap is required in at least one of three runs.
     */
    @Test
    void aReaderDelaysFreeTask() throws Exception {
        boolean delayed = false;
        for (int run = 0; run < 3 && !delayed; run++) {
            Report r = Runs.scenario("rcu-reader");
            assertEquals("completed", r.outcome(), () -> r.violations().toString());
            var child = task(r, "child");
            long queued = r.rcuCallbacks().stream()
                    .filter(c -> c.function().equals("delayed_put_task_struct")
                            && c.object().equals("task_struct#" + child.key()))
                    .findFirst()
                    .orElseThrow()
                    .seq();
            long freed = freeOf(r, child.pid(), "task_struct").seq();
            RcuSectionRow walk = r.rcuSections().get(0);
            assertEquals(task(r, "walker").pid(), walk.pid());
            assertNotNull(walk.unlock());
            assertNotEquals(result(r, "walker", 0).cpu(), result(r, "main", 2).cpu(), "seed 5: the walker has a CPU");
            if (walk.lock() < queued && queued < walk.unlock()) {
                assertTrue(walk.unlock() < freed, "free_task waited for rcu_read_unlock");
                delayed = true;
            }
        }
        assertTrue(delayed, "in three runs the child was never released during the walk");
    }

    @Test
    void noTaskStructIsEverFreedUnderAnOlderReader() throws Exception {
        for (long seed = 1; seed <= 4; seed++) {
            Report r = Runs.run(ScenarioParser.parseFile(new File("conf/scenarios/rcu-reader.conf"))
                    .withSeed(seed));
            assertEquals("completed", r.outcome(), "seed " + seed + ": " + r.violations());
            for (var cb : r.rcuCallbacks()) {
                if (!cb.function().equals("delayed_put_task_struct")) continue;
                long freed = r.ledger().stream()
                        .filter(l -> l.object().equals(cb.object()) && l.event().equals("free"))
                        .findFirst()
                        .orElseThrow()
                        .seq();
                for (RcuSectionRow s : r.rcuSections()) {
                    if (s.lock() < cb.seq()) assertTrue(s.unlock() != null && s.unlock() < freed, "seed " + seed);
                }
            }
        }
    }
}
