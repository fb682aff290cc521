package dev.kmodel.kernel.task;

import static org.junit.jupiter.api.Assertions.*;

import dev.kmodel.journal.JournalEntry;
import dev.kmodel.kernel.KEvent;
import dev.kmodel.report.Report;
import dev.kmodel.run.Machine;
import dev.kmodel.scenario.ScenarioParser;
import dev.kmodel.uapi.WaitStatus;
import java.io.File;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Event sourcing holds: folding each task's journaled events into an empty TaskState, with the same
 * apply the live actor used, gives the state the run ended in.
 */
class FoldTest {

    @Test
    void foldingTheJournalRebuildsEveryTask() throws Exception {
        Machine.Result res = Machine.run(ScenarioParser.parseFile(new File("conf/scenarios/stop-continue.conf")));
        Map<String, TaskState> folded = new LinkedHashMap<>();
        for (JournalEntry e : res.journal()) {
            if (e.event() instanceof TaskEvent te) {
                folded.computeIfAbsent(e.persistenceId(), k -> new TaskState()).apply(te);
            } else {
                assertTrue(e.event() instanceof KEvent, "every journaled event records its cause");
            }
        }
        Report r = res.report();
        assertEquals(r.tasks().size(), folded.size());
        for (Report.TaskRow t : r.tasks()) {
            TaskState s = folded.get(t.key());
            assertNotNull(s, t.key());
            assertEquals(t.pid(), s.pid, t.key());
            assertEquals(t.ppid(), s.ppid, t.key());
            assertEquals(t.comm(), s.comm, t.key());
            assertEquals(t.state(), s.state.toString(), t.key() + " state");
        }
        TaskState child = folded.get(r.tasks().stream()
                .filter(t -> t.comm().equals("child"))
                .findFirst()
                .orElseThrow()
                .key());
        assertEquals(9, WaitStatus.of(child.exitCode).signal(), "killed by SIGKILL, as the fold remembers");
        assertFalse(child.ownsLiveObjects());
    }
}
