package dev.kmodel.kernel.sched;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.persistence.typed.javadsl.CommandHandler;
import akka.persistence.typed.javadsl.Effect;
import dev.kmodel.kernel.Ctx;
import dev.kmodel.kernel.KEvent;
import dev.kmodel.kernel.KernelActor;
import dev.kmodel.kernel.MsgId;
import dev.kmodel.kernel.Probe;
import dev.kmodel.kernel.RunContext;
import dev.kmodel.kernel.rcu.RcuManager;
import dev.kmodel.kernel.task.TaskCmd;
import dev.kmodel.kernel.time.TimeKeeper;
import dev.kmodel.mm.MmuCmd;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One processor (kernel/sched/core.c): its runqueue, {@code current}, its virtual clock, its timers,
 * RCU read-side state and quiescent-state reports, and the lazy-TLB mm it may be holding. The task
 * it runs takes one program step at a time and answers {@link StepDone}; the CPU decides what runs
 * next (round robin with a timeslice) and performs context_switch / finish_task_switch.
 */
public final class Cpu extends KernelActor<Cpu.Cmd, Cpu.Event, CpuState> {

    /** How a task gave the CPU back after a step. */
    public enum Yield {
        /** returned to user mode; may run on */
        CONTINUE,
        /** sleeps interruptibly until woken (wait4) */
        BLOCK,
        /** sleeps for {@code ticks} (a timer wakes it) */
        SLEEP,
        /** runs {@code ticks} on the CPU (compute) */
        COMPUTE,
        /** runs {@code ticks} inside rcu_read_lock, walking the task list (non-preemptible) */
        RCU_WALK,
        /** do_task_dead: TASK_DEAD, never runs again */
        DEAD
    }

    public sealed interface Cmd {}

    /** wake_up_new_task / try_to_wake_up: put a task on this runqueue. */
    public record Enqueue(MsgId id, Rq task) implements Cmd {}

    /** The current task's answer to RunStep. {@code mm}: its mm (or, when DEAD, its active_mm). */
    public record StepDone(MsgId id, String task, Yield how, long ticks, String mm, String mmHolder) implements Cmd {}

    /** The machine's clock reached the time this CPU waited for (a timer, a computation's end). */
    record Tick(TimeKeeper.TimeReached reached) implements Cmd {}

    /**
     * signal_wake_up on the task this CPU is running: a user-mode computation is interrupted (the
     * rest is kept) so the task returns to user mode through get_signal.
     */
    public record SignalPending(MsgId id, String task) implements Cmd {}

    /** signal_wake_up on a task sleeping on one of this CPU's timers: cancel it and run the task. */
    public record WakeSleeper(MsgId id, String task) implements Cmd {}

    /** rcu_gp_init told this CPU a grace period began. */
    public record GpStart(RcuManager.GpStarted gp) implements Cmd {}

    public record Query(MsgId id, ActorRef<CpuSummary> replyTo) implements Cmd, Probe {}

    /** What the quiescence probe sees. */
    public record CpuSummary(int cpu, boolean idle, long clock, int runnable, int timers, String lazyMm) {}

    /** A runqueue entry. {@code mm} null for kernel threads. */
    public record Rq(String key, int pid, ActorRef<TaskCmd> ref, String mm) {}

    public sealed interface Event extends KEvent {}

    public record Enqueued(MsgId cause, Rq task) implements Event {}

    /** context_switch(prev, next); why: preempted, blocked, sleeping, dead, or idle (prev was idle). */
    public record Switched(MsgId cause, String prev, String why, String next, int nextPid, long clock)
            implements Event {}

    public record Ticked(MsgId cause, long ticks) implements Event {}

    /** The current task's mm changed (execve): lazy-TLB decisions use the new one. */
    public record CurrentMm(MsgId cause, String mm) implements Event {}

    public record ClockJumped(MsgId cause, long to) implements Event {}

    public record TimerArmed(MsgId cause, long at, Rq task) implements Event {}

    public record TimerFired(MsgId cause, long at) implements Event {}

    /** hrtimer_cancel for a sleeper woken early (a fatal signal); it is runnable again. */
    public record TimerCancelled(MsgId cause, long at, String task, long left) implements Event {}

    /** The interrupted sleep's remaining time was handed back to its task with RunStep. */
    public record SleepLeftGiven(MsgId cause, String task) implements Event {}

    /** A computation of {@code ticks} began at machine time {@code at}. */
    public record ComputeBegan(MsgId cause, String task, long ticks, boolean rcu, long at) implements Event {}

    /** The current computation ran {@code ticks} more, up to machine time {@code at}. */
    public record ComputeProgressed(MsgId cause, long ticks, long at) implements Event {}

    /** This CPU asked the clock to wake it at {@code at} (-1: nothing to wait for). */
    public record WaitSet(MsgId cause, long at) implements Event {}

    public record ComputeEnded(MsgId cause, String task, boolean rcu) implements Event {}

    /** A signal needs the task in user mode: its computation is set aside when it next runs. */
    public record SignalNoted(MsgId cause, String task) implements Event {}

    public record SignalActed(MsgId cause, String task) implements Event {}

    /** A preempted task's unfinished compute, resumed when it runs again. */
    public record ComputeSaved(MsgId cause, String task, long left) implements Event {}

    /** rcu_read_lock / rcu_read_unlock around an rcu_walk. */
    public record RcuReadLocked(MsgId cause, String task, int pid) implements Event {}

    public record RcuReadUnlocked(MsgId cause, String task, int pid) implements Event {}

    public record QsNeeded(MsgId cause, long gp) implements Event {}

    public record QsReported(MsgId cause, long gp, String where) implements Event {}

    /** The mm this CPU holds lazily (active_mm of idle, or of a dead prev), with the holder name. */
    public record LazyMm(MsgId cause, String mm, String holder) implements Event {}

    private final int id;
    private final long timeslice;
    private final long ticksPerJiffy;
    private final ActorRef<TimeKeeper.Cmd> time;
    private final ActorRef<TimeKeeper.TimeReached> timeReplies;
    private final AtomicLong jiffies;
    private final ActorRef<RcuManager.Cmd> rcu;
    private final ActorRef<MmuCmd> mmu;
    private final ActorRef<Cmd> self;

    public static Behavior<Cmd> create(
            int id,
            long timeslice,
            long ticksPerJiffy,
            ActorRef<RcuManager.Cmd> rcu,
            ActorRef<MmuCmd> mmu,
            ActorRef<TimeKeeper.Cmd> time) {
        return Behaviors.setup(ctx -> new Cpu(ctx, id, timeslice, ticksPerJiffy, rcu, mmu, time));
    }

    private Cpu(
            ActorContext<Cmd> ctx,
            int id,
            long timeslice,
            long ticksPerJiffy,
            ActorRef<RcuManager.Cmd> rcu,
            ActorRef<MmuCmd> mmu,
            ActorRef<TimeKeeper.Cmd> time) {
        super("cpu" + id, ctx);
        this.id = id;
        this.timeslice = timeslice;
        this.ticksPerJiffy = Math.max(1, ticksPerJiffy);
        this.time = time;
        this.timeReplies = ctx.messageAdapter(TimeKeeper.TimeReached.class, Tick::new);
        this.jiffies = RunContext.of(ctx.getSystem()).jiffies();
        this.rcu = rcu;
        this.mmu = mmu;
        this.self = ctx.getSelf();
    }

    @Override
    public CpuState emptyState() {
        return new CpuState();
    }

    @Override
    protected CommandHandler<Cmd, KEvent, CpuState> handlers() {
        return newCommandHandlerBuilder()
                .forAnyState()
                .onCommand(Enqueue.class, this::enqueue)
                .onCommand(StepDone.class, this::stepDone)
                .onCommand(Tick.class, this::tick)
                .onCommand(WakeSleeper.class, this::wakeSleeper)
                .onCommand(SignalPending.class, this::signalPending)
                .onCommand(GpStart.class, this::gpStart)
                .onCommand(Query.class, (s, q) -> {
                    q.replyTo()
                            .tell(new CpuSummary(
                                    id,
                                    s.current == null && s.rq.isEmpty(),
                                    s.clock,
                                    s.rq.size(),
                                    s.timers.values().stream()
                                            .mapToInt(List::size)
                                            .sum(),
                                    s.lazyMm));
                    return Effect().none();
                })
                .build();
    }

    private Effect<KEvent, CpuState> enqueue(CpuState s, Enqueue c) {
        String k = c.task().key();
        if ((s.current != null && s.current.key().equals(k))
                || s.rq.stream().anyMatch(r -> r.key().equals(k))) {
            return Effect().none(); // try_to_wake_up: already runnable here
        }
        emit(s, new Enqueued(c.id(), c.task()));
        if (s.current == null) schedule(s, c.id(), "idle", null);
        return done(s);
    }

    private Effect<KEvent, CpuState> stepDone(CpuState s, StepDone c) {
        if (s.current == null || !s.current.key().equals(c.task()))
            return Effect().none();
        MsgId cause = c.id();
        if (c.how() != Yield.DEAD && !Objects.equals(c.mm(), s.current.mm())) {
            if (c.mm() == null) exitMmLazy(s, cause, s.current.mm(), c.mmHolder());
            emit(s, new CurrentMm(cause, c.mm()));
        } else if (c.how() == Yield.DEAD && s.current.mm() != null) {
            // The dead task went from exit_mm to do_task_dead without leaving the CPU: its active_mm is
            // still the mm it lost, held by the reference exit_mm took (c.mm(), c.mmHolder()).
            exitMmLazy(s, cause, c.mm(), c.mmHolder());
            emit(s, new CurrentMm(cause, null));
        }
        long before = s.clock;
        if (c.how() != Yield.COMPUTE && c.how() != Yield.RCU_WALK) advance(s, cause, 1); // a system call: one tick
        // rcu_sched_clock_irq: a scheduling-clock tick that finds the CPU in user mode is a quiescent state.
        if (crossedJiffy(before, s.clock)) noteQs(s, cause, "tick-in-user");
        switch (c.how()) {
            case CONTINUE -> continueOrPreempt(s, cause);
            case COMPUTE -> {
                if (s.signalled.contains(c.task())) {
                    // A signal is already pending: the computation waits until the task has taken it.
                    emit(s, new ComputeSaved(cause, c.task(), c.ticks()));
                    runCurrent(s);
                } else {
                    emit(s, new ComputeBegan(cause, c.task(), Math.max(1, c.ticks()), false, jiffies.get()));
                }
            }
            case RCU_WALK -> {
                emit(s, new RcuReadLocked(cause, c.task(), s.current.pid()));
                emit(s, new ComputeBegan(cause, c.task(), Math.max(1, c.ticks()), true, jiffies.get()));
            }
            case BLOCK -> schedule(s, cause, "blocked", null);
            case SLEEP -> {
                // hrtimer_nanosleep: the timer expires at machine time now + ticks.
                emit(s, new TimerArmed(cause, jiffies.get() + Math.max(1, c.ticks()), s.current));
                schedule(s, cause, "sleeping", null);
            }
            case DEAD -> schedule(s, cause, "dead", c);
        }
        return done(s);
    }

    /** Ends a step: the clock is told what this CPU waits for now, then the events are journaled. */
    private Effect<KEvent, CpuState> done(CpuState s) {
        long want = -1;
        if (s.current != null && s.computeLeft > 0) {
            want = s.segStart + s.computeLeft;
            // scheduler_tick will preempt at the end of the timeslice if another task is runnable.
            if (!s.computeRcu && !s.rq.isEmpty()) want = Math.min(want, s.segStart + Math.max(1, timeslice - s.slice));
        }
        if (!s.timers.isEmpty()) want = want < 0 ? s.timers.firstKey() : Math.min(want, s.timers.firstKey());
        if (want != s.waitingFor) {
            long at = want;
            emit(s, new WaitSet(MsgId.NONE, at));
            later(() -> time.tell(new TimeKeeper.WaitUntil(send.next(), id, at, timeReplies)));
        }
        return commit();
    }

    /** The current computation has run until machine time {@code now}. */
    private void progress(CpuState s, MsgId cause, long now) {
        if (s.current == null || s.computeLeft <= 0) return;
        long ran = Math.min(now - s.segStart, s.computeLeft);
        if (ran <= 0) return;
        long before = s.clock;
        emit(s, new ComputeProgressed(cause, ran, now));
        // A tick in user-mode computation is a quiescent state; inside rcu_read_lock it is not (noteQs checks).
        if (crossedJiffy(before, s.clock)) noteQs(s, cause, "tick-in-user");
    }

    /**
     * The clock reached what this CPU waited for: the computation has run that long (and may be done
     * or preempted: scheduler_tick), expired timers wake their sleepers (hrtimer_interrupt).
     */
    private Effect<KEvent, CpuState> tick(CpuState s, Tick t) {
        MsgId cause = t.reached().id();
        long now = t.reached().now();
        emit(s, new WaitSet(cause, -1)); // the clock dropped this wait
        boolean computing = s.current != null && s.computeLeft > 0;
        if (computing) {
            progress(s, cause, now);
        } else if (now > s.clock && s.current == null) {
            emit(s, new ClockJumped(cause, now)); // tickless idle: nothing happened here until now
        }
        while (!s.timers.isEmpty() && s.timers.firstKey() <= now) {
            emit(s, new TimerFired(cause, s.timers.firstKey()));
        }
        if (computing) {
            if (s.computeLeft == 0) {
                boolean walk = s.computeRcu;
                emit(s, new ComputeEnded(cause, s.current.key(), walk));
                if (walk) emit(s, new RcuReadUnlocked(cause, s.current.key(), s.current.pid()));
                continueOrPreempt(s, cause);
            } else if (!s.computeRcu && s.slice >= timeslice && !s.rq.isEmpty()) {
                // scheduler_tick → resched_curr: preempted mid-computation; the rest waits for its next turn.
                emit(s, new ComputeSaved(cause, s.current.key(), s.computeLeft));
                noteQs(s, cause, "preempt");
                schedule(s, cause, "preempted", null);
            }
        } else if (s.current == null && !s.rq.isEmpty()) {
            schedule(s, cause, "idle", null);
        }
        return done(s);
    }

    private boolean crossedJiffy(long before, long after) {
        return after / ticksPerJiffy != before / ticksPerJiffy;
    }

    private void continueOrPreempt(CpuState s, MsgId cause) {
        if (s.slice >= timeslice && !s.rq.isEmpty()) {
            schedule(s, cause, "preempted", null);
        } else {
            runCurrent(s);
        }
    }

    /** A system call's cost on this CPU's own counter (it takes no machine time: see TimeKeeper). */
    private void advance(CpuState s, MsgId cause, long ticks) {
        emit(s, new Ticked(cause, ticks));
    }

    private Effect<KEvent, CpuState> signalPending(CpuState s, SignalPending c) {
        if (s.current != null && s.current.key().equals(c.task()) && s.computeLeft > 0) {
            if (s.computeRcu) {
                emit(s, new SignalNoted(c.id(), c.task())); // inside rcu_read_lock: taken after the walk
                return commit();
            }
            // The timer interrupt finds TIF_SIGPENDING: back to user mode through get_signal.
            progress(s, c.id(), jiffies.get());
            emit(s, new ComputeSaved(c.id(), s.current.key(), s.computeLeft));
            Rq cur = s.current;
            later(() -> cur.ref().tell(new TaskCmd.RunStep(send.next(), id)));
            return done(s);
        }
        // Queued, preempted or about to compute: the signal is taken the next time it runs.
        emit(s, new SignalNoted(c.id(), c.task()));
        return done(s);
    }

    private Effect<KEvent, CpuState> wakeSleeper(CpuState s, WakeSleeper c) {
        for (Map.Entry<Long, List<Rq>> e : s.timers.entrySet()) {
            if (e.getValue().stream().anyMatch(r -> r.key().equals(c.task()))) {
                emit(s, new TimerCancelled(c.id(), e.getKey(), c.task(), Math.max(0, e.getKey() - jiffies.get())));
                if (s.current == null) schedule(s, c.id(), "idle", null);
                break;
            }
        }
        return done(s);
    }

    /** An RCU grace period began: idle CPUs are in an extended quiescent state and report at once. */
    private Effect<KEvent, CpuState> gpStart(CpuState s, GpStart g) {
        MsgId cause = g.gp().id();
        emit(s, new QsNeeded(cause, g.gp().gp()));
        if (s.current == null) noteQs(s, cause, "idle");
        return commit();
    }

    private void noteQs(CpuState s, MsgId cause, String where) {
        if (s.qsGp < 0 || s.rcuReader) return;
        long gp = s.qsGp;
        emit(s, new QsReported(cause, gp, where));
        later(() -> rcu.tell(new RcuManager.ReportQs(send.next(), id, gp)));
    }

    /**
     * __schedule → context_switch → finish_task_switch. {@code dead} is the dying task's last StepDone.
     * With nothing runnable the CPU goes idle (its timers wait on the machine's clock).
     */
    private void schedule(CpuState s, MsgId cause, String why, StepDone dead) {
        Rq next = s.rq.peekFirst();
        if (next == null && why.equals("preempted")) { // nothing else to run: keep going
            runCurrent(s);
            return;
        }
        switchTo(s, cause, s.current, why, next, dead);
    }

    private void switchTo(CpuState s, MsgId cause, Rq prev, String why, Rq next, StepDone dead) {
        if (prev == null && next == null) return;
        emit(
                s,
                new Switched(
                        cause,
                        prev == null ? null : prev.key(),
                        why,
                        next == null ? null : next.key(),
                        next == null ? 0 : next.pid(),
                        s.clock));
        noteQs(s, cause, "context-switch");
        Ctx fts = Ctx.cpu(id, "__schedule/context_switch");
        boolean prevDead = dead != null && prev != null;
        // A prev without an mm (idle, a kernel thread, a task past exit_mm — a dead one too) runs on the
        // active_mm this CPU holds lazily (s.lazyMm); a user prev on its own mm.
        if (next == null || next.mm() == null) {
            // To idle or a kernel thread (no mm of its own): next->active_mm = prev->active_mm, with
            // mmgrab_lazy_tlb if prev is a user task, else the lazy reference passes from prev to next.
            if (prev != null && prev.mm() != null && s.lazyMm == null) {
                String holder = "lazy:cpu" + id;
                emit(s, new LazyMm(cause, prev.mm(), holder));
                String mm = prev.mm();
                later(() -> mmu.tell(new MmuCmd.Mmgrab(send.next(), mm, holder, fts.in("mmgrab_lazy_tlb"))));
            }
        } else if (next.mm() != null) {
            // To a user task from one without an mm: rq->prev_mm = prev->active_mm, dropped in
            // finish_task_switch (mmdrop_lazy_tlb).
            String drop = s.lazyMm;
            String holder = s.lazyHolder;
            if (s.lazyMm != null) emit(s, new LazyMm(cause, null, null));
            if (drop != null) {
                later(() -> mmu.tell(new MmuCmd.Mmdrop(
                        send.next(), drop, holder, Ctx.cpu(id, "__schedule/finish_task_switch/mmdrop_lazy_tlb"))));
            }
        }
        if (prevDead) {
            // finish_task_switch for TASK_DEAD prev: the stack goes now, the scheduler's rcu_users reference too.
            ActorRef<TaskCmd> ref = prev.ref();
            Ctx ctx = Ctx.cpu(id, "__schedule/finish_task_switch");
            later(() -> {
                ref.tell(new TaskCmd.PutTaskStack(send.next(), ctx.in("put_task_stack")));
                ref.tell(new TaskCmd.PutTaskStructRcuUser(send.next(), ctx.in("put_task_struct_rcu_user")));
            });
        }
        if (next != null) runCurrent(s);
    }

    /**
     * exit_mm (kernel/exit.c) left the current task without an mm: its active_mm is the old mm, held by
     * the lazy reference exit_mm took (mmgrab_lazy_tlb). From now on it is this CPU's lazy active_mm,
     * which context_switch hands on (to idle or a kernel thread) or drops (finish_task_switch).
     */
    private void exitMmLazy(CpuState s, MsgId cause, String mm, String holder) {
        if (mm != null) emit(s, new LazyMm(cause, mm, holder));
    }

    /** Lets the current task take its next step, or resumes its preempted computation. */
    private void runCurrent(CpuState s) {
        Rq cur = s.current;
        Long sleepLeft = s.sleepLeft.get(cur.key());
        if (sleepLeft != null) {
            emit(s, new SleepLeftGiven(MsgId.NONE, cur.key()));
            later(() -> cur.ref().tell(new TaskCmd.RunStep(send.next(), id, sleepLeft)));
            return;
        }
        if (s.signalled.contains(cur.key())) {
            emit(s, new SignalActed(MsgId.NONE, cur.key()));
            later(() -> cur.ref().tell(new TaskCmd.RunStep(send.next(), id)));
            return;
        }
        Long saved = s.savedCompute.get(cur.key());
        if (saved != null) {
            emit(s, new ComputeBegan(MsgId.NONE, cur.key(), saved, false, jiffies.get()));
            return;
        }
        later(() -> cur.ref().tell(new TaskCmd.RunStep(send.next(), id)));
    }
}
