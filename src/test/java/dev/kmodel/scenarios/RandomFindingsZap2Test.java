package dev.kmodel.scenarios;

import static org.junit.jupiter.api.Assertions.*;

import com.typesafe.config.ConfigValueFactory;
import dev.kmodel.report.Report;
import dev.kmodel.run.Machine;
import dev.kmodel.scenario.Scenario;
import dev.kmodel.scenario.ScenarioParser;
import dev.kmodel.stress.RandomProgram;
import org.junit.jupiter.api.Test;

/**
 * A third zap_pid_ns_processes hang written by the random-program generator, seed 105340: a task inside
 * a namespace whose init is a generated program (p1) called unshare(CLONE_NEWPID), forked the new
 * namespace's init and more children, and exited without reaping them. forget_original_parent gave them
 * to find_new_reaper's reaper, the child_reaper of the caller's own namespace (p1), which was left
 * stopped; their zombies kept the new init asleep in zap_pid_ns_processes (pid_allocated never fell to
 * init_pids). Linux does the same, so the generator was wrong: it no longer unshares below a generated
 * subreaper or namespace init (RandomProgram's class comment), and the seed's program now ends cleanly.
 */
class RandomFindingsZap2Test {

    @Test
    void seed105340RunsClean() throws Exception {
        Scenario sc = ScenarioParser.parseString("random-105340", RandomProgram.generate(105340));
        Report r = Machine.run(
                        sc.withSeed(105340),
                        Machine.config().withValue("kmodel.schedule", ConfigValueFactory.fromAnyRef("random")),
                        true)
                .report();
        assertTrue(
                r.violations().isEmpty(), r.outcome() + " " + r.violations() + "\n" + RandomProgram.generate(105340));
    }
}
