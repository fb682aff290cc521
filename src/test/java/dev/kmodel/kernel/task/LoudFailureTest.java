package dev.kmodel.kernel.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.ActorRef;
import akka.actor.typed.javadsl.Adapter;
import dev.kmodel.kernel.Ctx;
import dev.kmodel.kernel.Kernel;
import dev.kmodel.kernel.MsgId;
import dev.kmodel.kernel.exit.Exit;
import dev.kmodel.kernel.exit.Wait;
import dev.kmodel.report.Report;
import dev.kmodel.run.Machine;
import dev.kmodel.scenario.Scenario;
import dev.kmodel.scenario.ScenarioParser;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Nothing is dropped silently: an answer that arrives where no kernel path waits for it is a
 * "protocol" violation in the report, and a task released twice is release_task's BUG_ON.
 */
class LoudFailureTest {
    private static final String INIT = Kernel.INIT_KEY;

    private static final String SCENARIO = """
      name = "loud"
      cpus = 1
      programs { main = [ { op = sleep, ticks = 1 } ] }
      boot = [ main ]
      """;

    private static Report runWith(Function<Machine.Running, TaskCmd> stray) throws Exception {
        Scenario sc = ScenarioParser.parseString("loud.conf", SCENARIO);
        try (Machine.Running r = Machine.start(sc, Machine.config(), true)) {
            r.awaitQuiescence();
            // init sleeps in its wait4 loop (do_wait); nothing it does waits for this message.
            // init is the actor of task-1 under the kernel (the guardian).
            r.activity().sent(); // a model message in flight, as every send is
            Adapter.toClassic(r.system()).actorSelection("/user/" + INIT).tell(stray.apply(r), ActorRef.noSender());
            return r.result(r.awaitQuiescence()).report();
        }
    }

    @Test
    void anAnswerNoPathWaitsForIsAProtocolViolation() throws Exception {
        Report rep = runWith(r -> new TaskCmd.Notified(new MsgId("test", 1), true));
        List<Report.ViolationRow> v = rep.violations().stream()
                .filter(x -> x.kind().equals("protocol"))
                .toList();
        assertEquals(1, v.size(), rep.violations().toString());
        assertTrue(
                v.get(0).detail().contains("Notified") && v.get(0).detail().contains("SLEEP"),
                v.get(0).detail());
        assertEquals(List.of(1), v.get(0).pids());
        assertEquals("violation", rep.outcome());
    }

    @Test
    void releasingALiveTaskIsReleaseTasksBugOn() throws Exception {
        // __exit_signal asked of a task that is not EXIT_DEAD (init is alive): release_task's check.
        Report rep = runWith(r -> new TaskCmd.ExitSignal(
                new MsgId("test", 1),
                new Ctx("test", 0, 0, "release_task"),
                r.system().deadLetters()));
        assertTrue(
                rep.violations().stream()
                        .anyMatch(x -> x.kind().equals("bug-on")
                                && x.detail().startsWith("release_task:")
                                && x.detail().contains("exit_state is 0")),
                rep.violations().toString());
    }

    @Test
    void aStepDispatchesOnlyTheAnswersItWaitsFor() {
        assertTrue(Exit.At.DO_NOTIFY_PARENT.awaits(TaskCmd.Notified.class));
        assertFalse(Exit.At.DO_NOTIFY_PARENT.awaits(TaskCmd.ZombieResult.class));
        assertFalse(Exit.At.TASK_DEAD.awaits(TaskCmd.RunStep.class));
        assertTrue(Wait.At.SLEEP.awaits(TaskCmd.RunStep.class));
    }
}
