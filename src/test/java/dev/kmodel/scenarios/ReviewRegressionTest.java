package dev.kmodel.scenarios;

import static dev.kmodel.Runs.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.kmodel.Runs;
import dev.kmodel.report.Report;
import dev.kmodel.report.Report.ResultRow;
import dev.kmodel.report.Report.TaskRow;
import dev.kmodel.scenario.ScenarioParser;
import java.io.File;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Scenarios a review of the thread, namespace and IPC code found disagreeing with Linux
 * (src/test/resources/regressions/*.conf; each file says what Linux does). Each now does what Linux does.
 */
class ReviewRegressionTest {

    private static Report run(String name) throws Exception {
        return Runs.run(ScenarioParser.parseFile(new File("src/test/resources/regressions/" + name + ".conf")));
    }

    @Test
    void initIgnoresTheHangupOfItsOrphanedProcessGroup() throws Exception {
        Report r = run("init-sighup");
        assertEquals("completed", r.outcome(), r.violations().toString());
        TaskRow init = r.tasks().stream().filter(t -> t.pid() == 1).findFirst().orElseThrow();
        assertNotEquals("freed", init.state(), "init is SIGNAL_UNKILLABLE: SIGHUP from kill_orphaned_pgrp is ignored");
        assertNull(init.exitSignal());
        assertTrue(
                r.signals().stream().anyMatch(x -> x.to() == 1 && x.sig().equals("SIGHUP")),
                "kill_orphaned_pgrp still sends it to the whole group, init included");
    }

    @Test
    void aPidNamespaceInitWithAThreadIsZappedByItsLastThread() throws Exception {
        Report r = run("ns-init-thread");
        assertEquals("completed", r.outcome(), r.violations().toString());
        assertEquals(9, task(r, "worker").exitSignal(), "SIGKILL from zap_pid_ns_processes");
        assertEquals(5 << 8, call(r, "main", "wait4", 0).status().raw());
    }

    @Test
    void aThreadsExecTakesOverTheLeadersCurrentParent() throws Exception {
        Report r = run("exec-stale-parent");
        assertEquals("completed", r.outcome(), r.violations().toString());
        TaskRow img = task(r, "img");
        assertEquals("freed", img.state(), "init reaps it: its parent at the exec was init, not the dead main");
        assertEquals(1, img.ppid());
    }

    @Test
    void execUnsharesTheFdTableAndTheSignalActions() throws Exception {
        for (String name : List.of("exec-owner-files", "exec-owner-files2")) {
            Report r = run(name);
            assertEquals("completed", r.outcome(), name + ": " + r.violations());
            assertEquals(1L, call(r, "img", "open", 0).ret(), name + ": the copy holds fd 0 only");
            assertEquals(
                    1L, call(r, "child", "open", 0).ret(), name + ": the old shared table goes on without the exec'er");
        }
        Report r = run("exec-sighand");
        assertEquals("completed", r.outcome());
        assertEquals(
                15,
                call(r, "main", "wait4", 0).status().raw(),
                "the parent's SIG_IGN no longer reaches the exec'd child");
    }

    @Test
    void aGroupStopIsReportedWhileTheLeaderIsAZombie() throws Exception {
        Report r = run("zombie-leader-stop");
        assertEquals("completed", r.outcome(), r.violations().toString());
        assertTrue(call(r, "main", "wait4", 0).status().stopped());
        assertEquals(19, call(r, "main", "wait4", 0).status().stopSignal());
    }

    @Test
    void threadsActForTheirProcess() throws Exception {
        Report r = run("thread-kill-all");
        TaskRow proc = r.tasks().stream()
                .filter(t -> t.comm().equals("proc") && t.pid() == t.tgid())
                .findFirst()
                .orElseThrow();
        assertEquals(0, proc.exitCode(), "kill(-1) from a thread spares its own process (it exits with exit_group(0))");
        assertEquals(15, task(r, "victim").exitSignal());
        Report u = run("unshare-thread");
        assertEquals("EINVAL", call(u, "p", "thread", 0).errno());
        assertEquals(1L, call(u, "kid", "getpid", 0).ret());
        Report g = run("setpgid-self");
        assertEquals("EPERM", results(g, x -> x.op().equals("setpgid")).get(0).errno(), "no such group");
        assertEquals(
                List.of(0L, 0L),
                results(g, x -> x.op().equals("setpgid")).subList(1, 3).stream()
                        .map(ResultRow::ret)
                        .toList());
        Report p = run("thread-pgid");
        assertEquals(
                15,
                call(p, "main", "wait4", 0).status().raw(),
                "kill(0) from the thread reaches its process's new group");
    }

    @Test
    void exitSemRunsBeforeTheLastUserCanBeReaped() throws Exception {
        Report r = run("sem-owner-first");
        assertEquals("completed", r.outcome());
        List<ResultRow> reads = results(r, x -> x.op().equals("semval"));
        assertEquals(30, reads.size());
        assertTrue(reads.stream().allMatch(x -> x.ret() == 0L), "every read after both exits is 0");
    }

    @Test
    void processGroupNumbersAreReadInTheCallersPidNamespace() throws Exception {
        Report r = run("ns-wait-pgrp");
        assertEquals("completed", r.outcome(), r.violations().toString());
        ResultRow w = call(r, "nsinit", "wait4", 0);
        assertEquals(2L, w.ret(), "wait4(-2) inside the namespace reaps the group led by its pid 2");
        assertEquals(6 << 8, w.status().raw());
        assertEquals("ESRCH", call(r, "nsinit", "kill", 0).errno(), "the group is gone after the reap");
    }
}
