package dev.kmodel.kernel.sched;

import static dev.kmodel.ActorTests.NOTHING;
import static dev.kmodel.ActorTests.TIMEOUT;
import static org.junit.jupiter.api.Assertions.*;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import dev.kmodel.ActorTests;
import dev.kmodel.kernel.MsgId;
import dev.kmodel.kernel.RunContext;
import dev.kmodel.kernel.rcu.RcuManager;
import dev.kmodel.kernel.sched.Cpu.Yield;
import dev.kmodel.kernel.task.TaskCmd;
import dev.kmodel.kernel.time.TimeKeeper;
import dev.kmodel.mm.MmuCmd;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One CPU alone (kernel/sched/core.c): probes stand in for its tasks (they receive RunStep and the
 * test answers StepDone for them), for the RCU manager, the MMU and the machine clock (TimeKeeper),
 * so the test moves time itself: it sets jiffies and answers the CPU's WaitUntil with TimeReached,
 * as the TimeKeeper does when nothing else is in flight. Timeslice 4 ticks, a jiffy is 4 ticks.
 */
class CpuActorTest {
    private static final long TIMESLICE = 4;
    private static final long TICKS_PER_JIFFY = 4;
    private static ActorTestKit kit;

    @BeforeAll
    static void startKit() {
        kit = ActorTests.kit("CpuActorTest");
    }

    @AfterAll
    static void stopKit() {
        ActorTests.shutdown(kit);
    }

    private final ActorTests.Ids ids = new ActorTests.Ids("test");
    private TestProbe<RcuManager.Cmd> rcu;
    private TestProbe<MmuCmd> mmu;
    private TestProbe<TimeKeeper.Cmd> time;
    private AtomicLong jiffies;
    private ActorRef<Cpu.Cmd> cpu;
    private long mark;

    @BeforeEach
    void spawnCpu() {
        mark = ActorTests.mark(kit);
        rcu = kit.createTestProbe(RcuManager.Cmd.class);
        mmu = kit.createTestProbe(MmuCmd.class);
        time = kit.createTestProbe(TimeKeeper.Cmd.class);
        jiffies = RunContext.of(kit.system()).jiffies();
        jiffies.set(0);
        cpu = kit.spawn(Cpu.create(0, TIMESLICE, TICKS_PER_JIFFY, rcu.ref(), mmu.ref(), time.ref()));
    }

    @AfterEach
    void stopCpu() {
        kit.stop(cpu, TIMEOUT);
    }

    /** A task as the runqueue sees it; the probe receives what the CPU tells the task. */
    private record T(String key, int pid, String mm, TestProbe<TaskCmd> probe) {
        Cpu.Rq rq() {
            return new Cpu.Rq(key, pid, probe.ref(), mm);
        }
    }

    private T task(int pid, String mm) {
        return new T("task-" + pid, pid, mm, kit.createTestProbe(TaskCmd.class));
    }

    private void enqueue(T t) {
        cpu.tell(new Cpu.Enqueue(ids.next(), t.rq()));
    }

    /** The task's answer to RunStep (its mm, and the name its lazy active_mm reference is held in). */
    private void stepDone(T t, Yield how, long ticks) {
        cpu.tell(new Cpu.StepDone(ids.next(), t.key(), how, ticks, t.mm(), "lazy:" + t.key()));
    }

    private void stepDone(T t, Yield how) {
        stepDone(t, how, 0);
    }

    /** The CPU lets the task take a step. */
    private static TaskCmd.RunStep runs(T t) {
        TaskCmd.RunStep r = t.probe().expectMessageClass(TaskCmd.RunStep.class, TIMEOUT);
        assertEquals(0, r.cpu());
        return r;
    }

    /** Barrier: the CPU answers a Query after everything sent before was handled and its sends done. */
    private Cpu.CpuSummary query() {
        TestProbe<Cpu.CpuSummary> p = kit.createTestProbe(Cpu.CpuSummary.class);
        cpu.tell(new Cpu.Query(MsgId.NONE, p.ref()));
        return p.receiveMessage(TIMEOUT);
    }

    private TimeKeeper.WaitUntil waitsUntil(long at) {
        TimeKeeper.WaitUntil w = time.expectMessageClass(TimeKeeper.WaitUntil.class, TIMEOUT);
        assertEquals(0, w.cpu());
        assertEquals(at, w.at(), "the instant the CPU waits for");
        return w;
    }

    /** The machine clock reached {@code now}: what the TimeKeeper does at quiescence. */
    private void clockReaches(TimeKeeper.WaitUntil w, long now) {
        jiffies.set(now);
        w.replyTo().tell(new TimeKeeper.TimeReached(new MsgId("time", now), now));
    }

    private <E> List<E> journal(Class<E> type) {
        return ActorTests.events(kit, "cpu0", mark, type);
    }

    private List<String> switches() {
        return journal(Cpu.Switched.class).stream()
                .map(s -> s.prev() + " -" + s.why() + "-> " + s.next())
                .toList();
    }

    private void gpStarts(long gp) {
        cpu.tell(new Cpu.GpStart(new RcuManager.GpStarted(new MsgId("rcu", gp), gp)));
    }

    // kernel/sched/core.c wake_up_new_task → __schedule: a task put on an idle CPU's runqueue runs at once.
    @Test
    void aTaskEnqueuedOnAnIdleCpuIsSentRunStep() {
        assertTrue(query().idle());
        T a = task(1, "mm_struct#a");
        enqueue(a);
        TaskCmd.RunStep r = runs(a);
        assertEquals(0, r.sleepLeft());
        assertEquals("cpu0", r.id().from());
        Cpu.CpuSummary s = query();
        assertFalse(s.idle());
        assertEquals(0, s.runnable(), "it is current, not queued");

        enqueue(a); // try_to_wake_up on a task already running here
        assertEquals(0, query().runnable());
        a.probe().expectNoMessage(NOTHING);
        assertEquals(List.of("null -idle-> task-1"), switches());
        assertEquals(1, journal(Cpu.Switched.class).get(0).nextPid());
    }

    // kernel/sched/core.c: a task that returns to user mode keeps the CPU while nothing else is runnable; each system
    // call is one tick.
    @Test
    void aTaskAloneOnTheCpuRunsOnAfterEachStep() {
        T a = task(1, "mm_struct#a");
        enqueue(a);
        runs(a);
        for (int i = 0; i < 6; i++) {
            stepDone(a, Yield.CONTINUE);
            runs(a);
        }
        Cpu.CpuSummary s = query();
        assertEquals(6, s.clock());
        assertFalse(s.idle());
        assertEquals(List.of("null -idle-> task-1"), switches(), "past its timeslice, but alone: no switch");
    }

    // kernel/sched/core.c scheduler_tick / __schedule: two runnable tasks take turns of one timeslice each (round
    // robin).
    @Test
    void twoTasksShareTheCpuRoundRobinByTimeslice() {
        T a = task(1, "mm_struct#a");
        T b = task(2, "mm_struct#b");
        enqueue(a);
        enqueue(b);
        runs(a);
        for (int i = 0; i < TIMESLICE - 1; i++) {
            stepDone(a, Yield.CONTINUE);
            runs(a);
        }
        assertEquals(1, query().runnable());
        b.probe().expectNoMessage(NOTHING);
        stepDone(a, Yield.CONTINUE); // the 4th tick ends a's timeslice
        runs(b);
        for (int i = 0; i < TIMESLICE - 1; i++) {
            stepDone(b, Yield.CONTINUE);
            runs(b);
        }
        stepDone(b, Yield.CONTINUE);
        runs(a);
        assertEquals(1, query().runnable());
        a.probe().expectNoMessage(NOTHING);
        b.probe().expectNoMessage(NOTHING);
        assertEquals(
                List.of("null -idle-> task-1", "task-1 -preempted-> task-2", "task-2 -preempted-> task-1"), switches());
    }

    // kernel/sched/core.c __schedule / try_to_wake_up: a task that blocks gives the CPU to the next; woken, it queues
    // and runs later.
    @Test
    void aBlockedTaskGivesTheCpuToTheNextAndRunsAgainWhenWoken() {
        T a = task(1, "mm_struct#a");
        T b = task(2, "mm_struct#b");
        enqueue(a);
        enqueue(b);
        runs(a);
        stepDone(a, Yield.BLOCK); // do_wait: sleeps
        runs(b);
        enqueue(a); // woken by a child's exit
        assertEquals(1, query().runnable());
        a.probe().expectNoMessage(NOTHING); // b's timeslice is not over
        stepDone(b, Yield.BLOCK);
        runs(a);
        query();
        mmu.expectNoMessage(NOTHING); // user task to user task: no lazy mm involved
        stepDone(a, Yield.BLOCK);
        Cpu.CpuSummary s = query();
        assertTrue(s.idle());
        assertEquals(0, s.runnable());
        assertEquals(
                List.of(
                        "null -idle-> task-1",
                        "task-1 -blocked-> task-2",
                        "task-2 -blocked-> task-1",
                        "task-1 -blocked-> null"),
                switches());
        // To idle: idle has no mm and borrows the one a ran on (mmgrab_lazy_tlb).
        MmuCmd.Mmgrab grab = mmu.expectMessageClass(MmuCmd.Mmgrab.class, TIMEOUT);
        assertEquals("mm_struct#a", grab.mm());
        assertEquals("lazy:cpu0", grab.holder());
        assertEquals("mm_struct#a", s.lazyMm());
    }

    // kernel/sched/core.c finish_task_switch: for a TASK_DEAD prev, put_task_stack and put_task_struct_rcu_user; its
    // active_mm is mmdrop'ed.
    @Test
    void aDeadTaskIsSwitchedOutAndFinishTaskSwitchPutsItsStackAndTaskStruct() {
        T a = task(1, "mm_struct#a");
        T b = task(2, "mm_struct#b");
        enqueue(a);
        enqueue(b);
        runs(a);
        stepDone(a, Yield.DEAD); // do_task_dead
        runs(b);
        TaskCmd.PutTaskStack stack = a.probe().expectMessageClass(TaskCmd.PutTaskStack.class, TIMEOUT);
        assertEquals("__schedule/finish_task_switch/put_task_stack", stack.ctx().path());
        assertEquals(0, stack.ctx().cpu());
        TaskCmd.PutTaskStructRcuUser put = a.probe().expectMessageClass(TaskCmd.PutTaskStructRcuUser.class, TIMEOUT);
        assertEquals(
                "__schedule/finish_task_switch/put_task_struct_rcu_user",
                put.ctx().path());
        MmuCmd.Mmdrop drop = mmu.expectMessageClass(MmuCmd.Mmdrop.class, TIMEOUT);
        assertEquals("mm_struct#a", drop.mm(), "the dead task's active_mm");
        assertEquals("lazy:task-1", drop.holder());
        assertEquals("__schedule/finish_task_switch/mmdrop_lazy_tlb", drop.ctx().path());

        stepDone(a, Yield.CONTINUE); // a late answer from the dead task changes nothing
        query();
        a.probe().expectNoMessage(NOTHING); // never runs again
        b.probe().expectNoMessage(NOTHING);
        mmu.expectNoMessage(NOTHING); // a's mm was dropped once
        stepDone(b, Yield.BLOCK);
        assertTrue(query().idle());
        a.probe().expectNoMessage(NOTHING);
        assertEquals(
                "mm_struct#b",
                mmu.expectMessageClass(MmuCmd.Mmgrab.class, TIMEOUT).mm(),
                "idle borrows b's mm");
        assertEquals(List.of("null -idle-> task-1", "task-1 -dead-> task-2", "task-2 -blocked-> null"), switches());
    }

    // kernel/sched/core.c context_switch: idle borrows a dead prev's active_mm; the next user task's finish_task_switch
    // drops it.
    @Test
    void aDeadTasksMmIsHeldLazilyByIdleUntilAUserTaskRuns() {
        T a = task(1, "mm_struct#a");
        enqueue(a);
        runs(a);
        stepDone(a, Yield.DEAD);
        a.probe().expectMessageClass(TaskCmd.PutTaskStack.class, TIMEOUT);
        a.probe().expectMessageClass(TaskCmd.PutTaskStructRcuUser.class, TIMEOUT);
        Cpu.CpuSummary s = query();
        assertTrue(s.idle());
        assertEquals("mm_struct#a", s.lazyMm(), "idle's active_mm");
        mmu.expectNoMessage(NOTHING); // the dead task's reference became the CPU's

        T b = task(2, "mm_struct#b");
        enqueue(b);
        runs(b);
        MmuCmd.Mmdrop drop = mmu.expectMessageClass(MmuCmd.Mmdrop.class, TIMEOUT);
        assertEquals("mm_struct#a", drop.mm());
        assertEquals("lazy:task-1", drop.holder(), "dropped in the name it was taken in");
        assertNull(query().lazyMm());
    }

    // kernel/sched/core.c context_switch: a kernel thread has no mm and borrows prev's (mmgrab_lazy_tlb) until a user
    // task runs (mmdrop_lazy_tlb).
    @Test
    void aKernelThreadBorrowsThePreviousMmAsActiveMm() {
        T a = task(1, "mm_struct#a");
        T k = task(2, null); // a kthread
        enqueue(a);
        enqueue(k);
        runs(a);
        stepDone(a, Yield.BLOCK);
        runs(k);
        MmuCmd.Mmgrab grab = mmu.expectMessageClass(MmuCmd.Mmgrab.class, TIMEOUT);
        assertEquals("mm_struct#a", grab.mm());
        assertEquals("lazy:cpu0", grab.holder());
        assertTrue(grab.ctx().path().endsWith("mmgrab_lazy_tlb"), grab.ctx().path());
        assertEquals("mm_struct#a", query().lazyMm());

        stepDone(k, Yield.BLOCK); // kthread → idle: idle keeps the borrowed mm
        Cpu.CpuSummary idle = query();
        assertTrue(idle.idle());
        assertEquals("mm_struct#a", idle.lazyMm());
        mmu.expectNoMessage(NOTHING);

        enqueue(a);
        runs(a);
        MmuCmd.Mmdrop drop = mmu.expectMessageClass(MmuCmd.Mmdrop.class, TIMEOUT);
        assertEquals("mm_struct#a", drop.mm());
        assertEquals("lazy:cpu0", drop.holder());
        assertTrue(
                drop.ctx().path().endsWith("finish_task_switch/mmdrop_lazy_tlb"),
                drop.ctx().path());
        assertNull(query().lazyMm());
        mmu.expectNoMessage(NOTHING);
    }

    // kernel/sched/core.c context_switch / finish_task_switch: a dying kernel thread ran on a borrowed
    // active_mm; when a user task follows it, the borrowed mm is dropped (mmdrop_lazy_tlb) at once.
    @Test
    void aDyingKernelThreadsBorrowedMmIsDroppedWhenAUserTaskRunsNext() {
        T a = task(1, "mm_struct#a");
        T k = task(2, null); // a kthread
        T b = task(3, "mm_struct#b");
        enqueue(a);
        enqueue(k);
        runs(a);
        stepDone(a, Yield.BLOCK);
        runs(k);
        assertEquals(
                "mm_struct#a",
                mmu.expectMessageClass(MmuCmd.Mmgrab.class, TIMEOUT).mm());
        enqueue(b);
        stepDone(k, Yield.DEAD); // kthread_exit: do_task_dead with no mm of its own
        runs(b);
        MmuCmd.Mmdrop drop = mmu.expectMessageClass(MmuCmd.Mmdrop.class, TIMEOUT);
        assertEquals("mm_struct#a", drop.mm());
        assertEquals("lazy:cpu0", drop.holder());
        assertNull(query().lazyMm(), "b runs on its own mm; nothing is held lazily");
        k.probe().expectMessageClass(TaskCmd.PutTaskStack.class, TIMEOUT);
    }

    // kernel/time (jiffies): a computation holds the CPU until the machine clock has advanced by its length.
    @Test
    void aComputationHoldsTheCpuUntilTheClockReachesItsEnd() {
        T a = task(1, "mm_struct#a");
        enqueue(a);
        runs(a);
        stepDone(a, Yield.COMPUTE, 10);
        TimeKeeper.WaitUntil w = waitsUntil(10);
        assertFalse(query().idle());
        a.probe().expectNoMessage(NOTHING); // still computing
        clockReaches(w, 10);
        runs(a);
        assertEquals(10, query().clock());
        time.expectNoMessage(NOTHING); // nothing more to wait for
    }

    // kernel/sched/core.c scheduler_tick → resched_curr: a computation is preempted at the end of the timeslice and
    // resumed later.
    @Test
    void theTimesliceEndPreemptsAComputationWhichResumesWhereItStopped() {
        T a = task(1, "mm_struct#a");
        T b = task(2, "mm_struct#b");
        enqueue(a);
        enqueue(b);
        runs(a);
        stepDone(a, Yield.COMPUTE, 10);
        TimeKeeper.WaitUntil slice = waitsUntil(TIMESLICE); // b is runnable: the timeslice ends first
        clockReaches(slice, TIMESLICE);
        runs(b);
        a.probe().expectNoMessage(NOTHING);
        Cpu.ComputeSaved saved = journal(Cpu.ComputeSaved.class).get(0);
        assertEquals("task-1", saved.task());
        assertEquals(6, saved.left());

        stepDone(b, Yield.BLOCK);
        TimeKeeper.WaitUntil rest = waitsUntil(TIMESLICE + 6); // a's computation goes on, without a RunStep
        a.probe().expectNoMessage(NOTHING);
        clockReaches(rest, TIMESLICE + 6);
        runs(a);
        assertEquals(10 + 1, query().clock(), "a's 10 ticks and b's system call");
        assertEquals(
                List.of("null -idle-> task-1", "task-1 -preempted-> task-2", "task-2 -blocked-> task-1"), switches());
    }

    // kernel/time/hrtimer.c hrtimer_nanosleep: the sleeper leaves the CPU and is runnable again when its timer expires.
    @Test
    void aSleepArmsATimerAndTheSleeperRunsWhenItExpires() {
        T a = task(1, "mm_struct#a");
        enqueue(a);
        runs(a);
        stepDone(a, Yield.SLEEP, 5);
        TimeKeeper.WaitUntil w = waitsUntil(5);
        Cpu.CpuSummary s = query();
        assertTrue(s.idle());
        assertEquals(1, s.timers());
        a.probe().expectNoMessage(NOTHING);
        clockReaches(w, 5);
        runs(a);
        assertEquals(0, query().timers());
        assertEquals(5, journal(Cpu.TimerFired.class).get(0).at());
    }

    // kernel/signal.c signal_wake_up → hrtimer cancel: a sleeper woken early runs now and is told the time it still had
    // to sleep.
    @Test
    void aSignalWakesASleeperEarlyWithTheRestOfItsSleep() {
        T a = task(1, "mm_struct#a");
        enqueue(a);
        runs(a);
        stepDone(a, Yield.SLEEP, 10);
        waitsUntil(10);
        jiffies.set(3); // the clock moved for another CPU
        cpu.tell(new Cpu.WakeSleeper(ids.next(), "task-1"));
        TaskCmd.RunStep r = runs(a);
        assertEquals(7, r.sleepLeft());
        waitsUntil(-1); // the CPU no longer waits for the cancelled timer
        assertEquals(0, query().timers());
    }

    // kernel/rcu/tree.c rcu_gp_init / rcu_dynticks: an idle CPU is in an extended quiescent state and reports at once.
    @Test
    void anIdleCpuReportsAQuiescentStateAtOnce() {
        gpStarts(1);
        RcuManager.ReportQs qs = rcu.expectMessageClass(RcuManager.ReportQs.class, TIMEOUT);
        assertEquals(0, qs.cpu());
        assertEquals(1, qs.gp());
        assertEquals("idle", journal(Cpu.QsReported.class).get(0).where());
    }

    // kernel/rcu/tree.c rcu_sched_clock_irq: a scheduling-clock tick that finds the CPU in user mode is a quiescent
    // state.
    @Test
    void aTickInUserModeIsAQuiescentState() {
        T a = task(1, "mm_struct#a");
        enqueue(a);
        runs(a);
        gpStarts(1);
        for (int i = 0; i < TICKS_PER_JIFFY - 1; i++) {
            stepDone(a, Yield.CONTINUE);
            runs(a);
        }
        query();
        rcu.expectNoMessage(NOTHING); // running, and no jiffy has passed
        stepDone(a, Yield.CONTINUE); // the 4th tick crosses a jiffy
        runs(a);
        RcuManager.ReportQs qs = rcu.expectMessageClass(RcuManager.ReportQs.class, TIMEOUT);
        assertEquals(1, qs.gp());
        assertEquals("tick-in-user", journal(Cpu.QsReported.class).get(0).where());
    }

    /**
     * b sleeps until 4 on this CPU; a runs, a grace period begins, and a starts {@code how} for 8 ticks.
     * Then the machine clock reaches 4 (b's timer) in the middle of it: a jiffy passes while a runs.
     */
    private void computeAcrossAJiffy(T a, T b, Yield how) {
        enqueue(b);
        runs(b);
        stepDone(b, Yield.SLEEP, 4);
        TimeKeeper.WaitUntil timer = waitsUntil(4);
        enqueue(a);
        runs(a);
        gpStarts(1);
        stepDone(a, how, 8);
        query();
        rcu.expectNoMessage(NOTHING); // busy: no quiescent state yet
        clockReaches(timer, 4);
    }

    // kernel/rcu/tree.c rcu_sched_clock_irq: a tick during a user-mode computation is a quiescent state (contrast with
    // the next test).
    @Test
    void aTickDuringAUserModeComputationIsAQuiescentState() {
        T a = task(1, "mm_struct#a");
        T b = task(2, "mm_struct#b");
        computeAcrossAJiffy(a, b, Yield.COMPUTE);
        RcuManager.ReportQs qs = rcu.expectMessageClass(RcuManager.ReportQs.class, TIMEOUT);
        assertEquals(1, qs.gp());
        assertEquals("tick-in-user", journal(Cpu.QsReported.class).get(0).where());
        runs(b); // b's timer fired and a's timeslice is over
    }

    // include/linux/rcupdate.h rcu_read_lock, kernel/rcu/tree.c: inside a read-side section neither the tick nor
    // preemption is a quiescent state.
    @Test
    void anRcuReadSideSectionHoldsBackTheQuiescentStateUntilItEnds() {
        T a = task(1, "mm_struct#a");
        T b = task(2, "mm_struct#b");
        computeAcrossAJiffy(a, b, Yield.RCU_WALK);
        TimeKeeper.WaitUntil end = waitsUntil(8); // the walk's end: no timeslice limit inside rcu_read_lock
        assertEquals(1, query().runnable());
        rcu.expectNoMessage(NOTHING); // the tick found a reader: not a quiescent state
        b.probe().expectNoMessage(NOTHING); // and the walk is not preempted though b is runnable

        clockReaches(end, 8); // rcu_read_unlock; the timeslice is long over
        RcuManager.ReportQs qs = rcu.expectMessageClass(RcuManager.ReportQs.class, TIMEOUT);
        assertEquals(1, qs.gp());
        runs(b);
        List<Object> j = ActorTests.events(kit, "cpu0", mark);
        int unlocked = indexOf(j, Cpu.RcuReadUnlocked.class);
        int reported = indexOf(j, Cpu.QsReported.class);
        assertTrue(unlocked < reported, "reported only after rcu_read_unlock: " + j);
        assertEquals("context-switch", ((Cpu.QsReported) j.get(reported)).where());
    }

    private static int indexOf(List<Object> j, Class<?> type) {
        for (int i = 0; i < j.size(); i++) if (type.isInstance(j.get(i))) return i;
        throw new AssertionError("no " + type.getSimpleName() + " in " + j);
    }
}
