package dev.kmodel.scenarios;

import static dev.kmodel.Runs.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.kmodel.Runs;
import dev.kmodel.report.Report;
import dev.kmodel.report.Report.ReparentRow;
import dev.kmodel.report.Report.ResultRow;
import dev.kmodel.report.Report.TaskRow;
import dev.kmodel.scenario.ScenarioParser;
import java.io.File;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The exit-vs-reparent race on two CPUs, over several seeds: whatever the interleaving (the child
 * still alive, in do_exit, or already a zombie when its parent's exit_notify reparents it), the
 * report says which it was, nothing is violated, and init reaps every child exactly once.
 */
class ExitVsReparentRaceTest {

    @Test
    void everyInterleavingEndsWithInitReapingEachChildOnce() throws Exception {
        Set<String> seen = new TreeSet<>();
        for (long seed = 1; seed <= 8; seed++) {
            Report r = Runs.run(ScenarioParser.parseFile(new File("conf/scenarios/exit-vs-reparent.conf"))
                    .withSeed(seed));
            assertEquals("completed", r.outcome(), "seed " + seed + ": " + r.violations());
            List<TaskRow> kids = tasks(r, "child");
            assertEquals(6, kids.size());
            for (TaskRow k : kids) {
                assertEquals("freed", k.state());
                List<ResultRow> reaps =
                        results(r, x -> x.comm().equals("init") && x.ret() != null && x.ret() == k.pid());
                assertEquals(1, reaps.size(), "seed " + seed + ": pid " + k.pid() + " reaped once, by init");
                assertEquals(1 << 8, reaps.get(0).status().raw());
                ReparentRow rp = r.reparent().stream()
                        .filter(x -> x.child() == k.pid())
                        .findFirst()
                        .orElseThrow();
                assertEquals("child-reaper", rp.why());
                seen.add(rp.childState());
            }
        }
        assertTrue(seen.size() >= 2, "the race showed more than one interleaving: " + seen);
        assertTrue(Set.of("alive", "exiting", "zombie").containsAll(seen), seen.toString());
    }
}
