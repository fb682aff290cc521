package dev.kmodel.scenarios;

import static dev.kmodel.Runs.*;
import static org.junit.jupiter.api.Assertions.*;

import com.typesafe.config.ConfigValueFactory;
import dev.kmodel.report.Report;
import dev.kmodel.report.Report.BlockedRow;
import dev.kmodel.report.Report.TaskRow;
import dev.kmodel.run.Machine;
import dev.kmodel.scenario.Program;
import dev.kmodel.scenario.Scenario;
import dev.kmodel.scenario.ScenarioParser;
import dev.kmodel.scenario.Step;
import dev.kmodel.stress.RandomProgram;
import java.io.File;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Two hangs the random-program generator (stress --random) wrote around zap_pid_ns_processes, seeds 3523
 * and 4089. Both are Linux's own behaviour (a dying namespace's init waits until a zombie whose parent
 * is outside the namespace is reaped by that parent, and that parent waits for something else), so the
 * model is right and the generator was wrong: the regression scenarios show the hang under the controlled
 * random schedule with the seed that found it, next to the same tree that makes progress, and the
 * generator's programs for those seeds now end cleanly.
 */
class RandomFindingsZapTest {

    private static Report run(Scenario sc, long seed) {
        return Machine.run(
                        sc.withSeed(seed),
                        Machine.config().withValue("kmodel.schedule", ConfigValueFactory.fromAnyRef("random")),
                        true)
                .report();
    }

    private static Report regression(String name, long seed) throws Exception {
        return run(ScenarioParser.parseFile(new File("src/test/resources/regressions/" + name + ".conf")), seed);
    }

    private static BlockedRow blocked(Report r, String comm) {
        return r.blocked().stream()
                .filter(b -> b.comm().equals(comm))
                .findFirst()
                .orElseThrow(() -> new AssertionError(comm + " is not blocked: " + r.blocked()));
    }

    /** The only violations are the deadlock of {@code comms}, one each; nothing is leaked or freed twice. */
    private static void onlyTheDeadlockOf(Report r, String... comms) {
        assertEquals("deadlock", r.outcome(), r.violations().toString());
        Set<Integer> pids = new HashSet<>();
        for (String c : comms) pids.add(task(r, c).pid());
        assertTrue(
                r.violations().stream().allMatch(v -> v.kind().equals("deadlock")),
                r.violations().toString());
        Set<Integer> flagged = new HashSet<>();
        r.violations().forEach(v -> flagged.addAll(v.pids()));
        assertEquals(pids, flagged, r.violations().toString());
        assertEquals(pids.size(), r.blocked().size(), r.blocked().toString());
    }

    private static void allFreed(Report r, String... comms) {
        for (String c : comms) assertEquals("freed", task(r, c).state(), c);
    }

    /**
     * copy_process: clone(CLONE_PARENT) after unshare(CLONE_NEWPID) makes a task in the new namespace whose
     * parent is outside it; zap_pid_ns_processes waits until that parent reaps it. A parent waiting for
     * the unsharer alone never does: Linux hangs, main → mid → nsinit → sib (a zombie of main's).
     */
    @Test
    void aCloneParentSiblingKeepsTheDyingInitWaitingForAParentOutside() throws Exception {
        Report r = regression("ns-zap-clone-parent", 3523);
        onlyTheDeadlockOf(r, "main", "mid", "nsinit");
        TaskRow main = task(r, "main");
        TaskRow mid = task(r, "mid");
        TaskRow nsinit = task(r, "nsinit");
        TaskRow sib = task(r, "sib");
        assertEquals(1, nsinit.nsPid());
        assertEquals(nsinit.ns(), sib.ns(), "the sibling is in the new namespace");
        assertNotEquals(nsinit.ns(), main.ns(), "its parent is not");
        assertEquals(main.pid(), sib.ppid(), "CLONE_PARENT: the unsharer's parent is its parent");
        assertEquals("zombie", sib.state());
        assertEquals(9, sib.exitSignal(), "killed by zap_pid_ns_processes' SIGKILL");
        BlockedRow init = blocked(r, "nsinit");
        assertEquals("zap_pid_ns_processes", init.in());
        assertEquals(List.of(sib.pid()), init.waitsFor());
        assertEquals(List.of(nsinit.pid()), blocked(r, "mid").waitsFor());
        assertEquals(List.of(mid.pid()), blocked(r, "main").waitsFor());
        // wait4(-1) in the parent reaps the sibling, and the namespace's init is released after it.
        allFreed(r, "main2", "mid2", "nsinit2", "sib2");
        assertEquals(5 << 8, call(r, "mid2", "wait4", 0).status().raw(), "mid2 reaps nsinit2, exit 5");
    }

    /**
     * wait_task_zombie reaps only with WEXITED: after unshare(CLONE_NEWPID), waitid(P_ALL, WSTOPPED) leaves
     * the namespace's second task a zombie, and the dying init, alive in do_exit, keeps the waiter asleep.
     */
    @Test
    void aWaitidWithoutWexitedKeepsTheDyingInitWaiting() throws Exception {
        Report r = regression("ns-zap-waitid-stopped", 4089);
        onlyTheDeadlockOf(r, "main", "nsinit");
        TaskRow main = task(r, "main");
        TaskRow nsinit = task(r, "nsinit");
        TaskRow kid = task(r, "kid");
        assertEquals(nsinit.ns(), kid.ns());
        assertNotEquals(nsinit.ns(), main.ns());
        assertEquals(main.pid(), kid.ppid());
        assertEquals("zombie", kid.state());
        BlockedRow init = blocked(r, "nsinit");
        assertEquals("zap_pid_ns_processes", init.in());
        assertEquals(List.of(kid.pid()), init.waitsFor());
        assertEquals("do_wait", blocked(r, "main").in());
        assertEquals(
                Set.of(nsinit.pid(), kid.pid()), Set.copyOf(blocked(r, "main").waitsFor()));
        // With WEXITED the waitid reaps kid2 (killed by SIGKILL) and the init finishes.
        allFreed(r, "main2", "nsinit2", "kid2");
        // main2 stays in the outer namespace (unshare changes only its children's), so it sees kid2's
        // outer pid, and kid2 was killed by the zap's SIGKILL.
        assertEquals(
                task(r, "kid2").pid(), call(r, "main2", "waitid", 0).siginfo().pid());
        assertEquals("CLD_KILLED", call(r, "main2", "waitid", 0).siginfo().code());
    }

    /** The generator's programs for the two seeds no longer hang, under the schedule that found them. */
    @Test
    void theGeneratorsProgramsForTheseSeedsEnd() throws Exception {
        for (long seed : List.of(3523L, 4089L)) {
            Report r = run(RandomProgram.scenario(seed), seed);
            assertEquals("completed", r.outcome(), "seed " + seed + ": " + r.violations());
            assertEquals(List.of(), r.violations(), "seed " + seed);
        }
    }

    /**
     * The generator's rule (RandomProgram's class comment): once a process has called
     * unshare(CLONE_NEWPID) — in its program, or in an image it execs after — it makes no CLONE_PARENT
     * sibling and no clone child that exits with a signal other than SIGCHLD, and its blocking waits are
     * wait4(-1) or waitid(P_ALL, WEXITED).
     */
    @Test
    void afterUnshareTheGeneratorWritesOnlyWaitsThatReapTheNamespace() throws Exception {
        for (long seed = 0; seed < 1500; seed++) {
            Scenario sc = RandomProgram.scenario(seed);
            Set<String> unsharedImages = new HashSet<>();
            boolean grew = true;
            while (grew) {
                grew = false;
                for (Program p : sc.programs().values()) {
                    boolean unshared = unsharedImages.contains(p.name());
                    for (Step s : p.steps()) {
                        if (s.op().equals("unshare")) unshared = true;
                        if (unshared && s.op().equals("exec")) grew |= unsharedImages.add(s.str("image", ""));
                    }
                }
            }
            for (Program p : sc.programs().values()) {
                boolean unshared = unsharedImages.contains(p.name());
                for (Step s : p.steps()) {
                    String where = "seed " + seed + " " + p.name() + " step " + s.index() + "\n"
                            + RandomProgram.generate(seed);
                    if (s.op().equals("unshare")) {
                        unshared = true;
                        continue;
                    }
                    if (!unshared) continue;
                    List<String> opts = s.has("options") ? s.list("options") : List.of();
                    switch (s.op()) {
                        case "clone" -> {
                            assertFalse(s.list("flags").contains("CLONE_PARENT"), where);
                            String es = s.str("exit-signal", "SIGCHLD");
                            assertEquals("SIGCHLD", es, where);
                        }
                        case "wait4" -> {
                            if (!opts.contains("WNOHANG")) assertEquals("-1", s.str("pid", ""), where);
                        }
                        case "waitid" -> {
                            if (!opts.contains("WNOHANG")) {
                                assertEquals("P_ALL", s.str("idtype", ""), where);
                                assertTrue(opts.contains("WEXITED"), where);
                            }
                        }
                        default -> {}
                    }
                }
            }
        }
    }
}
