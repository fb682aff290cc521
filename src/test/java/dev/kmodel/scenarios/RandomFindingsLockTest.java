package dev.kmodel.scenarios;

import static dev.kmodel.Runs.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.kmodel.Runs;
import dev.kmodel.report.Report;
import dev.kmodel.report.Report.TaskRow;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A lock never released, found by the random-program generator (stress --random), run under the controlled
 * random schedule with the seed that showed it (src/test/resources/regressions/*.conf says what Linux does).
 */
class RandomFindingsLockTest {

    private static Report run(String name, long seed) throws Exception {
        return Runs.regression(name, seed);
    }

    /**
     * find_new_reaper's walk through a father forked by a non-leader thread: the thread's leader answers
     * (a new message), the orphan goes to the subreaper, and exit_notify releases tasklist_lock.
     */
    @Test
    void aSubreaperWalkThroughAThreadEndsAndReleasesTasklistLock() throws Exception {
        for (long seed : List.of(5657L, 1L)) {
            Report r = run("subreaper-walk-through-thread", seed);
            assertEquals("completed", r.outcome(), "seed " + seed + ": " + r.violations());
            assertEquals(List.of(), r.violations(), "seed " + seed);
            assertEquals(List.of(), r.blocked(), "seed " + seed);
            TaskRow main = task(r, "main");
            TaskRow orphan = task(r, "orphan");
            assertEquals(main.pid(), orphan.ppid(), "seed " + seed + ": the child subreaper adopted it");
            assertTrue(
                    r.reparent().stream()
                            .anyMatch(x -> x.child() == orphan.pid()
                                    && x.to() == main.pid()
                                    && x.why().equals("subreaper")),
                    "seed " + seed + ": " + r.reparent());
            // The subreaper reaps it: wait4(-1) returns its pid and exit code 3.
            assertEquals((long) orphan.pid(), call(r, "main", "wait4", 0).ret(), "seed " + seed);
            assertEquals(3 << 8, call(r, "main", "wait4", 0).status().raw(), "seed " + seed);
            assertEquals("freed", orphan.state(), "seed " + seed);
            assertEquals("freed", task(r, "father").state(), "seed " + seed);
        }
    }
}
