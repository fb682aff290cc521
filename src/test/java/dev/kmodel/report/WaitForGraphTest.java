package dev.kmodel.report;

import static org.junit.jupiter.api.Assertions.*;

import dev.kmodel.Runs;
import dev.kmodel.report.Report.BlockedRow;
import dev.kmodel.report.Report.ViolationRow;
import dev.kmodel.scenario.ScenarioParser;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A quiescent run with tasks blocked for ever is a deadlock, named task by task with what each waits for. */
class WaitForGraphTest {
    private static List<ViolationRow> deadlocks(Report r) {
        return r.violations().stream().filter(v -> v.kind().equals("deadlock")).toList();
    }

    private static BlockedRow blocked(Report r, String comm) {
        return r.blocked().stream()
                .filter(b -> b.comm().equals(comm))
                .findFirst()
                .orElseThrow(() -> new AssertionError(comm + " not blocked: " + r.blocked()));
    }

    @Test
    void aVforkParentWhoseChildStoppedItselfIsADeadlock() throws Exception {
        Report r = Runs.text("""
                cpus = 1
                programs {
                  main = [ { op = vfork, run = child }, { op = exit, code = 0 } ]
                  child = [ { op = getpid, save = me }, { op = kill, pid = "$me", sig = SIGSTOP }, { op = exit, code = 1 } ]
                }
                boot = [ main ]
                """);
        assertEquals("deadlock", r.outcome());
        BlockedRow main = blocked(r, "main"), child = blocked(r, "child");
        assertEquals("wait_for_vfork_done", main.in());
        assertEquals(List.of(child.pid()), main.waitsFor());
        assertEquals("stopped", child.state());
        assertEquals(2, deadlocks(r).size(), r.violations().toString());
        assertTrue(deadlocks(r).stream()
                .anyMatch(v ->
                        v.detail().contains("wait_for_vfork_done") && v.detail().contains("pid " + child.pid())));
        assertTrue(
                r.blocked().stream()
                        .noneMatch(b -> b.comm().equals("init") || b.comm().equals("kthreadd")),
                "idle loops are not blocked: " + r.blocked());
    }

    /** A kernel thread asleep in kthread_stop of another (as the fold of its journal leaves it). */
    private static ReportBuilder.T kthreadInStop(ReportBuilder b, int pid, String comm, int target) {
        ReportBuilder.T t = new ReportBuilder.T("task-" + pid);
        t.pid = pid;
        t.tgid = pid;
        t.comm = comm;
        t.taskStruct = "task_struct#" + pid;
        t.parentKey = "task-2";
        t.state = "sleeping";
        t.sleptIn = "wait_for_completion";
        b.open.put(t.key, new Report.ResultRow(pid, comm, 1, "kthread_stop", 0, null, null, null, null, null, 0, null));
        t.stopRequestedBy = "task-" + target; // the other one asked this one to stop
        b.tasks.put(t.key, t);
        return t;
    }

    @Test
    void twoKernelThreadsStoppingEachOtherAreACycle() {
        ReportBuilder b = new ReportBuilder();
        kthreadInStop(b, 4, "ka", 5);
        kthreadInStop(b, 5, "kb", 4);
        List<ViolationRow> v = new ArrayList<>();
        List<BlockedRow> rows = WaitForGraph.build(b, true, Set.of(), Set.of(), v);
        assertEquals(List.of(5), rows.get(0).waitsFor());
        assertEquals(List.of(4), rows.get(1).waitsFor());
        assertEquals(2, v.size(), v.toString());
        assertTrue(v.get(0).detail().contains("kthread_stop"), v.get(0).detail());
        assertTrue(v.get(0).detail().endsWith("cycle: 4 → 5 → 4"), v.get(0).detail());
        assertTrue(v.get(1).detail().endsWith("cycle: 5 → 4 → 5"), v.get(1).detail());

        List<ViolationRow> none = new ArrayList<>();
        WaitForGraph.build(b, false, Set.of(), Set.of(), none);
        assertEquals(List.of(), none, "a run a bound stopped is not judged: they might still have woken");
    }

    @Test
    void twoKernelThreadsCallingKthreadStopOnEachOtherDeadlockWhicheverGoesFirst() throws Exception {
        for (long seed = 1; seed <= 3; seed++) {
            Report r = Runs.run(ScenarioParser.parseString("test.conf", """
                            cpus = 2
                            programs {
                              main = [ { op = kthread_run, run = ka }, { op = kthread_run, run = kb }, { op = exit, code = 0 } ]
                              ka = [ { op = sleep, ticks = 5 }, { op = kthread_stop, pid = 5 }, { op = sleep, ticks = 1 } ]
                              kb = [ { op = sleep, ticks = 5 }, { op = kthread_stop, pid = 4 }, { op = sleep, ticks = 1 } ]
                            }
                            boot = [ main ]
                            """).withSeed(seed));
            // Each finishes the iteration it was woken in (kthread_should_stop() is tested at the top of the
            // loop), so each calls kthread_stop on the other and neither ever exits.
            assertEquals("deadlock", r.outcome(), "seed " + seed + ": " + r.blocked());
            assertEquals(List.of(5), blocked(r, "ka").waitsFor());
            assertEquals(List.of(4), blocked(r, "kb").waitsFor());
            assertTrue(
                    deadlocks(r).stream().allMatch(v -> v.detail().contains("cycle:")),
                    r.violations().toString());
        }
    }

    @Test
    void aWaitingParentOfAStoppedChildIsADeadlockUnlessTheScenarioLeavesItStopped() throws Exception {
        String text = """
                cpus = 1
                %s
                programs {
                  main = [ { op = fork, run = child, save = c }, { op = wait4, pid = "$c" }, { op = exit, code = 0 } ]
                  child = [ { op = getpid, save = me }, { op = kill, pid = "$me", sig = SIGSTOP }, { op = exit, code = 1 } ]
                }
                boot = [ main ]
                """;
        Report plain = Runs.text(text.formatted(""));
        assertEquals("deadlock", plain.outcome());
        assertEquals("do_wait", blocked(plain, "main").in());
        assertEquals(2, deadlocks(plain).size(), plain.violations().toString());

        Report allowed = Runs.text(text.formatted("left-stopped = [ child ]"));
        assertEquals(1, deadlocks(allowed).size(), "the parent still waits for ever: " + allowed.violations());
        assertTrue(deadlocks(allowed)
                .get(0)
                .detail()
                .startsWith("pid " + blocked(allowed, "main").pid()));
    }
}
