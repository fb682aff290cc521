package dev.kmodel.scenarios;

import static dev.kmodel.Runs.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.kmodel.Runs;
import dev.kmodel.report.Report;
import dev.kmodel.report.Report.GroupRow;
import dev.kmodel.report.Report.LedgerRow;
import dev.kmodel.report.Report.ResultRow;
import dev.kmodel.report.Report.TaskRow;
import dev.kmodel.scenario.ScenarioParser;
import java.io.File;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Thread groups against Linux (kernel/exit.c, kernel/signal.c, clone(2), exit_group(2), wait4(2)):
 * tgid and tid, autoreaped threads, the delayed zombie leader, exit_group's first code, do_wait from
 * any thread, two waiters racing for one zombie, reparenting to a live thread, group-wide SIGTERM.
 */
class ThreadsTest {

    private static List<TaskRow> threadsOf(Report r, int tgid) {
        return r.tasks().stream()
                .filter(t -> t.tgid() == tgid && t.pid() != tgid)
                .toList();
    }

    private static List<GroupRow> groupRows(Report r, int tgid, String event) {
        return r.threadGroups().stream()
                .filter(g -> g.tgid() == tgid && g.event().equals(event))
                .toList();
    }

    @Test
    void threadsShareTheProcessAndTheFdTableAndTheLeaderWaitsAsAZombie() throws Exception {
        Report r = Runs.scenario("threads");
        assertEquals("completed", r.outcome(), r.violations().toString());
        TaskRow main = task(r, "main");
        TaskRow leader = r.tasks().stream()
                .filter(t -> t.comm().equals("proc") && t.pid() == t.tgid())
                .findFirst()
                .orElseThrow();
        List<TaskRow> threads = threadsOf(r, leader.pid());
        assertEquals(2, threads.size());
        Set<Long> fds = new TreeSet<>();
        for (TaskRow th : threads) {
            assertEquals(leader.pid(), call(r, th.pid(), "getpid", 0).ret(), "getpid is the tgid");
            assertEquals(th.pid(), call(r, th.pid(), "gettid", 0).ret(), "gettid is the thread's own pid");
            assertEquals(main.pid(), call(r, th.pid(), "getppid", 0).ret(), "a thread's real_parent is the leader's");
            fds.add(call(r, th.pid(), "open", 0).ret());
            assertEquals("freed", th.state());
            assertEquals(9, th.exitCode());
            // exit_signal -1: the parent never hears of a thread.
            assertTrue(r.signals().stream().noneMatch(s -> s.from() == th.pid() && s.to() == main.pid()));
        }
        // The leader opened fds 0 and 1; the threads' opens took the next numbers of the same table.
        assertEquals(Set.of(2L, 3L), fds);
        // The leader exited first: a zombie its parent is not told of until the last thread is released.
        GroupRow delayed = groupRows(r, leader.pid(), "leader-delayed").get(0);
        assertEquals(threads.stream().map(TaskRow::pid).collect(Collectors.toSet()), Set.copyOf(delayed.pids()));
        GroupRow notified = groupRows(r, leader.pid(), "leader-notified").get(0);
        ResultRow wait = call(r, main.pid(), "wait4", 0);
        assertEquals(leader.pid(), wait.ret());
        assertEquals(3 << 8, wait.status().raw(), "the leader's own exit code: no group exit");
        assertTrue(delayed.seq() < notified.seq() && notified.seq() < wait.seq());
        // files_struct: one object, a reference per thread, freed once by the last of them.
        List<LedgerRow> gets = ledger(r, leader.pid(), "files_struct", "get");
        assertEquals(2, gets.size());
        LedgerRow free = freeOf(r, leader.pid(), "files_struct");
        assertTrue(free.seq() > gets.get(1).seq());
        freeOf(r, leader.pid(), "signal_struct");
        freeOf(r, leader.pid(), "sighand_struct");
    }

    @Test
    void leaderZombieDelayRaceAlwaysReportsTheLeadersCodeAfterBothAreGone() throws Exception {
        Set<String> ties = new TreeSet<>();
        for (long seed = 1; seed <= 6; seed++) {
            Report r = Runs.run(ScenarioParser.parseFile(new File("conf/scenarios/leader-zombie-race.conf"))
                    .withSeed(seed));
            assertEquals("completed", r.outcome(), "seed " + seed + ": " + r.violations());
            TaskRow main = task(r, "main");
            List<ResultRow> waits = results(r, x -> x.pid() == main.pid() && x.op().equals("wait4"));
            assertEquals(6, waits.size());
            for (ResultRow w : waits) {
                int leader = w.ret().intValue();
                assertEquals(3 << 8, w.status().raw(), "seed " + seed + ": the leader's code");
                for (TaskRow th : threadsOf(r, leader)) {
                    // The thread was released (__exit_signal dropped its sighand reference) before the reap.
                    LedgerRow released = r.ledger().stream()
                            .filter(l -> l.owner() == leader
                                    && l.type().equals("sighand_struct")
                                    && l.event().equals("put")
                                    && l.holder().equals(th.key()))
                            .findFirst()
                            .orElseThrow();
                    assertTrue(released.seq() < w.seq(), "seed " + seed + ": thread " + th.pid() + " released first");
                }
                boolean delayed = !groupRows(r, leader, "leader-delayed").isEmpty();
                assertEquals(
                        delayed,
                        !groupRows(r, leader, "leader-notified").isEmpty(),
                        "a delayed leader is notified later");
                String comm = r.tasks().stream()
                        .filter(t -> t.pid() == leader)
                        .findFirst()
                        .orElseThrow()
                        .comm();
                switch (comm) {
                    case "early" ->
                        assertFalse(delayed, "the thread ended first: the leader notifies its parent itself");
                    case "late" -> assertTrue(delayed, "the leader ended first: a zombie until its thread is released");
                    default -> ties.add(delayed ? "leader-delayed" : "leader-last");
                }
            }
        }
        assertFalse(ties.isEmpty());
    }

    @Test
    void exitGroupsFirstCodeWinsForEveryThread() throws Exception {
        Report r = Runs.scenario("thread-exit-group");
        assertEquals("completed", r.outcome(), r.violations().toString());
        TaskRow main = task(r, "main");
        ResultRow first = call(r, main.pid(), "wait4", 0);
        assertEquals(5 << 8, first.status().raw());
        int proc = first.ret().intValue();
        for (TaskRow th : threadsOf(r, proc))
            assertEquals(5, th.exitCode(), "zapped threads exit with the group's code");
        assertEquals(1, groupRows(r, proc, "group-exit").size());
        ResultRow second = call(r, main.pid(), "wait4", 1);
        int racer = second.ret().intValue();
        int code = second.status().code();
        assertTrue(code == 6 || code == 7, "one of the two racing codes: " + code);
        r.tasks().stream().filter(t -> t.tgid() == racer).forEach(t -> assertEquals(code, t.exitCode()));
        GroupRow g = groupRows(r, racer, "group-exit").get(0);
        assertTrue(g.detail().endsWith("exited " + code), g.detail());
    }

    @Test
    void twoWaitersRaceForOneZombieAndExactlyOneWins() throws Exception {
        Set<String> winners = new TreeSet<>();
        for (long seed = 1; seed <= 8; seed++) {
            Report r = Runs.run(ScenarioParser.parseFile(new File("conf/scenarios/two-waiters.conf"))
                    .withSeed(seed));
            assertEquals("completed", r.outcome(), "seed " + seed + ": " + r.violations());
            TaskRow child = task(r, "child");
            TaskRow parent = task(r, "parent");
            TaskRow waiter = threadsOf(r, parent.pid()).get(0);
            ResultRow a = call(r, parent.pid(), "wait4", 0);
            ResultRow b = call(r, waiter.pid(), "wait4", 0);
            assertNotNull(a.seq(), "seed " + seed + ": the leader's wait4 returned: " + a + " " + b);
            assertNotNull(b.seq(), "seed " + seed + ": the thread's wait4 returned: " + a + " " + b);
            List<ResultRow> won = Set.of(a, b).stream()
                    .filter(x -> x.ret() == (long) child.pid())
                    .toList();
            List<ResultRow> lost = Set.of(a, b).stream()
                    .filter(x -> "ECHILD".equals(x.errno()))
                    .toList();
            assertEquals(1, won.size(), "seed " + seed + ": exactly one waiter reaps: " + a + " " + b);
            assertEquals(1, lost.size(), "seed " + seed + ": the other finds no child: " + a + " " + b);
            assertEquals(4 << 8, won.get(0).status().raw());
            assertEquals("freed", child.state());
            winners.add(won.get(0).pid() == parent.pid() ? "leader" : "thread");
        }
        assertFalse(winners.isEmpty());
    }

    @Test
    void leadersChildrenGoToALiveThreadAndAGroupSignalEndsEveryThread() throws Exception {
        Report r = Runs.scenario("thread-reparent");
        assertEquals("completed", r.outcome(), r.violations().toString());
        TaskRow main = task(r, "main");
        TaskRow kid = task(r, "kid");
        TaskRow leader = r.tasks().stream()
                .filter(t -> t.comm().equals("proc") && t.pid() == t.tgid())
                .findFirst()
                .orElseThrow();
        TaskRow keeper = threadsOf(r, leader.pid()).get(0);
        assertEquals(
                "ECHILD", call(r, keeper.pid(), "wait4", 0).errno(), "__WNOTHREAD: only the thread's own children");
        var rp = r.reparent().stream()
                .filter(x -> x.child() == kid.pid())
                .findFirst()
                .orElseThrow();
        assertEquals("thread-group", rp.why());
        assertEquals(leader.pid(), rp.to(), "the process (tgid) stays the parent");
        assertEquals(leader.pid(), call(r, kid.pid(), "getppid", 0).ret());
        assertEquals(leader.pid(), call(r, kid.pid(), "getppid", 1).ret());
        ResultRow reap = call(r, keeper.pid(), "wait4", 1);
        assertEquals(kid.pid(), reap.ret());
        assertEquals(8 << 8, reap.status().raw());
        ResultRow w = call(r, main.pid(), "wait4", 0);
        assertEquals(15, w.status().raw(), "killed by SIGTERM: the group's exit code");
        assertEquals(15, keeper.exitSignal(), "the thread died of the group kill");
        assertFalse(groupRows(r, leader.pid(), "group-exit").isEmpty());
    }

    @Test
    void cloneSharingFlagsShareAndTheirAbsenceCopies() throws Exception {
        Report r = Runs.scenario("clone-share");
        assertEquals("completed", r.outcome(), r.violations().toString());
        TaskRow main = task(r, "main");
        // CLONE_FILES: the child's two opens took fds 1 and 2 of the shared table.
        assertEquals(3L, result(r, "main", 3).ret());
        // fork: the copy's opens did not touch the parent's numbering.
        assertEquals(4L, result(r, "main", 6).ret());
        // CLONE_SIGHAND: the child set SIGCHLD to SIG_IGN for both; it and the next child are autoreaped.
        assertEquals("ECHILD", result(r, "main", 8).errno());
        assertEquals("ECHILD", result(r, "main", 11).errno());
        assertEquals(1, ledger(r, main.pid(), "files_struct", "get").size());
        assertEquals(1, ledger(r, main.pid(), "sighand_struct", "get").size());
        freeOf(r, main.pid(), "files_struct");
        freeOf(r, main.pid(), "sighand_struct");
    }
}
