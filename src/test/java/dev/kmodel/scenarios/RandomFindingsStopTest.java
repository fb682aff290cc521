package dev.kmodel.scenarios;

import static dev.kmodel.Runs.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.kmodel.Runs;
import dev.kmodel.report.Report;
import org.junit.jupiter.api.Test;

/**
 * A finding of the random-program stress (stress --random, controlled schedules) about stopping and
 * continuing a pid namespace's init; the scenario under src/test/resources/regressions/ says what Linux does.
 */
class RandomFindingsStopTest {

    private static Report run(String name, long seed) throws Exception {
        return Runs.regression(name, seed);
    }

    /**
     * Seed 1052: prepare_signal's SIGCONT branch (kernel/signal.c) runs before sig_ignored, so the SIGCONT a
     * namespace init ignores still ends its stop, and the next SIGSTOP is a new stop that wait4(WUNTRACED)
     * reports.
     */
    @Test
    void anIgnoredSigcontStillContinuesAPidNamespaceInit() throws Exception {
        Report r = run("ns-init-stop-again", 1052);
        assertEquals("completed", r.outcome(), r.violations().toString());
        assertTrue(r.violations().isEmpty(), r.violations().toString());
        for (int nth : new int[] {0, 1}) {
            var w = call(r, "parent", "wait4", nth);
            assertEquals(task(r, "nsinit").pid(), w.ret(), "wait4 #" + nth);
            assertTrue(w.status().stopped(), "wait4 #" + nth + " reports a stop: " + w);
            assertEquals(19, w.status().stopSignal(), "wait4 #" + nth);
        }
        var exit = call(r, "parent", "wait4", 2);
        assertFalse(exit.status().stopped());
        assertEquals(7 << 8, exit.status().raw(), "continued again, the init sleeps on and exits 7");
        assertEquals("freed", task(r, "nsinit").state());
    }
}
