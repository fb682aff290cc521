package dev.kmodel.kernel.task;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.persistence.typed.javadsl.CommandHandler;
import akka.persistence.typed.javadsl.Effect;
import dev.kmodel.fs.Exec;
import dev.kmodel.fs.FileSyscalls;
import dev.kmodel.fs.FileTable;
import dev.kmodel.ipc.Sem;
import dev.kmodel.ipc.SysvIpc;
import dev.kmodel.kernel.Ctx;
import dev.kmodel.kernel.Env;
import dev.kmodel.kernel.KEvent;
import dev.kmodel.kernel.KernelActor;
import dev.kmodel.kernel.KernelCmd;
import dev.kmodel.kernel.MsgId;
import dev.kmodel.kernel.exit.Exit;
import dev.kmodel.kernel.exit.Release;
import dev.kmodel.kernel.exit.Reparent;
import dev.kmodel.kernel.exit.Threads;
import dev.kmodel.kernel.exit.Wait;
import dev.kmodel.kernel.fork.Fork;
import dev.kmodel.kernel.fork.NewTask;
import dev.kmodel.kernel.fork.Shared;
import dev.kmodel.kernel.fork.Vfork;
import dev.kmodel.kernel.irq.Irq;
import dev.kmodel.kernel.irq.IrqKind;
import dev.kmodel.kernel.kthread.Kthread;
import dev.kmodel.kernel.locking.HeldLock;
import dev.kmodel.kernel.locking.LockActor;
import dev.kmodel.kernel.locking.Locking;
import dev.kmodel.kernel.pid.PidAllocator;
import dev.kmodel.kernel.rcu.RcuCallback;
import dev.kmodel.kernel.rcu.RcuManager;
import dev.kmodel.kernel.sched.Cpu;
import dev.kmodel.kernel.signal.Signals;
import dev.kmodel.kernel.sys.Sys;
import dev.kmodel.kernel.task.TaskCmd.*;
import dev.kmodel.kernel.task.TaskEvent.*;
import dev.kmodel.mm.MmSyscalls;
import dev.kmodel.mm.MmuCmd;
import dev.kmodel.scenario.Step;
import dev.kmodel.uapi.Errno;
import dev.kmodel.uapi.Sig;
import dev.kmodel.uapi.Siginfo;
import dev.kmodel.uapi.WaitStatus;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One task_struct and its kernel context. It runs its program one step at a time while it holds a
 * CPU; kernel paths that need another actor (the MMU, the pid allocator, tasklist_lock, its parent)
 * send a request and continue when the answer comes, still holding the CPU. The paths themselves are
 * in {@link Fork} (kernel/fork.c), {@link Exit}, {@link Wait} and {@link Release} (kernel/exit.c) and
 * {@link Signals} (kernel/signal.c).
 */
public final class Task extends KernelActor<TaskCmd, TaskEvent, TaskState> {
    public final Env env;
    public final ActorRef<TaskCmd> self;
    public final ActorRef<MmuCmd.MmReply> mmReplies;
    public final ActorRef<PidAllocator.PidReply> pidReplies;
    public final ActorRef<PidAllocator.Found> lookups;
    public final ActorRef<LockActor.Reply> grants;
    public final ActorRef<FileTable.Files> fileReplies;
    public final ActorRef<RcuCallback> rcuCallbacks;
    public final ActorRef<SysvIpc.Reply> ipcReplies;
    private final String key;
    private final SplittableRandom rng;
    private final double ioInterrupts; // the chance of a device interrupt between two steps of a path
    // The answer an interrupt came before, and any that came while the handler ran: the path goes on with
    // them, in order, when the handler returns. Held like stashed messages (the journal has each one's
    // receive order; IrqEntered names the first).
    private final List<Held> afterIrq = new ArrayList<>();
    // A CPU runs this task now: from its RunStep until it gives the CPU back (StepDone). Only then can
    // that CPU take an interrupt on this task's stack. (A function of the messages handled, like the
    // state; not folded because nothing after the run needs it.)
    private boolean onCpu;

    private record Held(MsgId id, Object answer) {}

    public static Behavior<TaskCmd> create(String key, Env env) {
        return Behaviors.setup(ctx -> new Task(ctx, key, env));
    }

    private Task(ActorContext<TaskCmd> ctx, String key, Env env) {
        super(key, ctx);
        this.key = key;
        this.env = env.init() == null ? env.withInit(ctx.getSelf()) : env;
        this.self = ctx.getSelf();
        this.mmReplies = ctx.messageAdapter(MmuCmd.MmReply.class, FromMmu::new);
        this.pidReplies = ctx.messageAdapter(PidAllocator.PidReply.class, FromPid::new);
        this.lookups = ctx.messageAdapter(PidAllocator.Found.class, FromLookup::new);
        this.grants = ctx.messageAdapter(
                LockActor.Reply.class,
                r -> r instanceof LockActor.Granted g ? new FromLock(g) : new FromLockSleep((LockActor.MustSleep) r));
        this.fileReplies = ctx.messageAdapter(FileTable.Files.class, FromFiles::new);
        this.rcuCallbacks = ctx.messageAdapter(RcuCallback.class, FromRcu::new);
        this.ipcReplies = ctx.messageAdapter(SysvIpc.Reply.class, FromIpc::new);
        // One seeded generator per actor (design §2): derived from the scenario seed and the task's identity.
        this.rng = new SplittableRandom(env.scenario().seed() * 0x9E3779B97F4A7C15L ^ key.hashCode());
        this.ioInterrupts = env.scenario().ioInterrupts();
    }

    @Override
    public TaskState emptyState() {
        return new TaskState();
    }

    // ---- helpers the kernel paths use ----------------------------------------------------------

    /** Applies and queues an event of the current step. */
    public void event(TaskState s, TaskEvent e) {
        emit(s, e);
    }

    /** Runs after this step's events are journaled. */
    public void then(Runnable r) {
        later(r);
    }

    public MsgId nextId() {
        return send.next();
    }

    public String key() {
        return key;
    }

    /** The kernel context of this task on its CPU, along {@code path}. */
    public Ctx ctx(TaskState s, String path) {
        return new Ctx(key, s.pid, s.cpu, path);
    }

    public ActorRef<Cpu.Cmd> cpu(int n) {
        return env.cpus().get(n);
    }

    /** select_task_rq at fork: the model spreads new tasks over the CPUs with the task's seeded RNG. */
    public int selectTaskRq() {
        return rng.nextInt(env.cpus().size());
    }

    /** The kernel path's frame is now {@code f} (journaled): its locals and the step where it waits. */
    public void enter(TaskState s, MsgId cause, Frame f) {
        // Only where the path ends up waiting in this step is journaled (the frames it passed are not).
        emitLatest(s, new FrameChanged(cause, f));
    }

    /** Gives the CPU back after this step. */
    public void yieldCpu(TaskState s, Cpu.Yield how, long ticks) {
        onCpu = false;
        ActorRef<Cpu.Cmd> cpu = cpu(s.cpu);
        String mm = how == Cpu.Yield.DEAD ? s.activeMm : s.mm;
        String holder = "lazy:" + key;
        then(() -> cpu.tell(new Cpu.StepDone(send.next(), key, how, ticks, mm, holder)));
    }

    /** The system call returns {@code ret} (or an errno) to user space and the task runs on. */
    public void ret(TaskState s, MsgId cause, long ret, Errno errno, WaitStatus status) {
        returnOnly(s, cause, ret, errno, status);
        yieldCpu(s, Cpu.Yield.CONTINUE, 0);
    }

    /** Records the return without giving the CPU back (the caller decides what happens next). */
    public void returnOnly(TaskState s, MsgId cause, long ret, Errno errno, WaitStatus status) {
        Interpreter.returned(this, s, cause, ret, errno, status, null);
    }

    /** waitid returns 0 and fills a siginfo. */
    public void retWaitid(TaskState s, MsgId cause, Siginfo info, WaitStatus status) {
        Interpreter.returned(this, s, cause, 0, null, status, info);
        yieldCpu(s, Cpu.Yield.CONTINUE, 0);
    }

    /** A system call that returns to a given step of the (possibly new) program: execve. */
    public void returnTo(TaskState s, MsgId cause, long ret, int pc) {
        Interpreter.returnedTo(this, s, cause, ret, pc);
        yieldCpu(s, Cpu.Yield.CONTINUE, 0);
    }

    /** A value of the program: a number, "$var" or "-$var" (see {@link Interpreter#resolve}). */
    public Long resolve(TaskState s, Object v) {
        return Interpreter.resolve(s, v);
    }

    public long resolveOr(TaskState s, Step st, String field, long dflt) {
        Long v = Interpreter.resolve(s, st.args().get(field));
        return v == null ? dflt : v;
    }

    // ---- the mailbox ----------------------------------------------------------------------------

    /**
     * Requests from other actors run the function that serves them; answers to a path of this task's
     * own go through {@link #resume}, which dispatches them by the frame's step.
     */
    @Override
    protected CommandHandler<TaskCmd, KEvent, TaskState> handlers() {
        return newCommandHandlerBuilder()
                .forAnyState()
                // from the CPU
                .onCommand(RunStep.class, this::runStep)
                .onCommand(PutTaskStack.class, (s, c) -> {
                    Release.putTaskStack(this, s, c);
                    return end(s);
                })
                .onCommand(PutTaskStructRcuUser.class, (s, c) -> {
                    Release.putTaskStructRcuUser(this, s, c);
                    return end(s);
                })
                .onCommand(FromRcu.class, (s, c) -> {
                    Release.rcuCallback(this, s, c.callback());
                    return end(s);
                })
                // copy_process, on the new task
                .onCommand(Start.class, (s, c) -> {
                    NewTask.start(this, s, c);
                    return commit();
                })
                .onCommand(Attach.class, (s, c) -> {
                    NewTask.attach(this, s, c);
                    return commit();
                })
                .onCommand(ForkFailed.class, (s, c) -> {
                    NewTask.undo(this, s, c);
                    return commitAndStop();
                })
                .onCommand(VforkAbandoned.class, (s, c) -> {
                    Vfork.vforkAbandoned(this, s, c);
                    return commit();
                })
                .onCommand(TaskCmd.PutTaskStruct.class, (s, c) -> {
                    Release.putTaskStructFromVforkParent(this, s, c);
                    return end(s);
                })
                // requests from other tasks
                .onCommand(ChildLinked.class, (s, c) -> {
                    event(s, new ChildAdded(c.id(), c.child()));
                    return commit();
                })
                .onCommand(NotifyParent.class, (s, c) -> {
                    Exit.doNotifyParentReceived(this, s, c);
                    return commit();
                })
                .onCommand(Adopt.class, (s, c) -> {
                    Reparent.adopt(this, s, c);
                    return commit();
                })
                .onCommand(TaskCmd.Reparented.class, (s, c) -> {
                    Reparent.reparented(this, s, c);
                    return commit();
                })
                .onCommand(GroupLeaderExitSignal.class, (s, c) -> {
                    // current->group_leader->exit_signal and SIGNAL_GROUP_EXIT, read by a thread's copy_process
                    // under tasklist_lock and siglock.
                    int sig = s.exitSignal;
                    // de_thread's zap_other_threads leaves SIGKILL pending on every thread but the exec'ing one.
                    boolean groupExit = s.groupExit || s.groupExecRef != null && !s.groupExecRef.equals(c.replyTo());
                    ActorRef<TaskCmd> reply = c.replyTo();
                    then(() -> reply.tell(new LeaderExitSignal(nextId(), sig, groupExit)));
                    return commit();
                })
                .onCommand(FindSubreaper.class, (s, c) -> {
                    Reparent.findSubreaper(this, s, c);
                    return commit();
                })
                .onCommand(PropagateHasChildSubreaper.class, (s, c) -> {
                    Sys.propagateHasChildSubreaper(this, s, c);
                    return commit();
                })
                .onCommand(WaitTaskZombie.class, (s, c) -> {
                    Wait.waitTaskZombieCmpxchg(this, s, c);
                    return commit();
                })
                .onCommand(WaitTaskStopCont.class, (s, c) -> {
                    Wait.waitTaskStopCont(this, s, c);
                    return commit();
                })
                .onCommand(ExitSignal.class, (s, c) -> {
                    Release.exitSignal(this, s, c);
                    return commit();
                })
                .onCommand(ChildUnlinked.class, (s, c) -> {
                    Release.childUnlinked(this, s, c);
                    return commit();
                })
                .onCommand(SetPgidBy.class, (s, c) -> {
                    Sys.setPgidBy(this, s, c);
                    return commit();
                })
                .onCommand(ChildPgid.class, (s, c) -> {
                    Sys.childPgid(this, s, c);
                    return commit();
                })
                .onCommand(Signal.class, (s, c) -> {
                    Signals.receive(this, s, c);
                    return commit();
                })
                .onCommand(NotifyParentStop.class, (s, c) -> {
                    Signals.parentNotifiedOfStop(this, s, c);
                    return commit();
                })
                .onCommand(ThreadLinked.class, (s, c) -> {
                    Threads.threadLinked(this, s, c);
                    return commit();
                })
                .onCommand(ThreadExiting.class, (s, c) -> {
                    Threads.threadExiting(this, s, c);
                    return commit();
                })
                .onCommand(GroupExit.class, (s, c) -> {
                    Threads.groupExitAsked(this, s, c);
                    return commit();
                })
                .onCommand(ThreadStopped.class, (s, c) -> {
                    Signals.threadStopped(this, s, c);
                    return commit();
                })
                .onCommand(Zap.class, (s, c) -> {
                    Threads.zapped(this, s, c);
                    return commit();
                })
                .onCommand(FindAliveThread.class, (s, c) -> {
                    Threads.findAliveThread(this, s, c);
                    return commit();
                })
                .onCommand(ThreadUnlinked.class, (s, c) -> {
                    Threads.threadUnlinked(this, s, c);
                    return commit();
                })
                .onCommand(LeaderNotified.class, (s, c) -> {
                    Threads.leaderNotified(this, s, c);
                    return commit();
                })
                .onCommand(GroupChildren.class, (s, c) -> {
                    Threads.groupChildren(this, s, c);
                    return commit();
                })
                .onCommand(ChildrenAsk.class, (s, c) -> {
                    Threads.childrenAsk(this, s, c);
                    return commit();
                })
                .onCommand(WakeChldexit.class, (s, c) -> {
                    Threads.wakeChldexit(this, s, c);
                    return commit();
                })
                .onCommand(SharedGet.class, (s, c) -> {
                    Shared.taken(this, s, c.id(), c.object(), c.holder(), c.holderRef(), c.ctx());
                    return commit();
                })
                .onCommand(SharedPut.class, (s, c) -> {
                    Shared.sharedPut(this, s, c);
                    return end(s);
                })
                .onCommand(InstallFds.class, (s, c) -> {
                    Shared.installFds(this, s, c);
                    return commit();
                })
                .onCommand(CloseFd.class, (s, c) -> {
                    Shared.closeFd(this, s, c);
                    return commit();
                })
                .onCommand(SetSigaction.class, (s, c) -> {
                    Shared.setSigaction(this, s, c);
                    return commit();
                })
                .onCommand(ApplyShared.class, (s, c) -> {
                    Shared.apply(this, s, c);
                    return commit();
                })
                .onCommand(DeThread.class, (s, c) -> {
                    Threads.deThread(this, s, c);
                    return commit();
                })
                .onCommand(Demote.class, (s, c) -> {
                    Threads.demote(this, s, c);
                    return commit();
                })
                .onCommand(ChildReplaced.class, (s, c) -> {
                    Exec.childReplaced(this, s, c);
                    return commit();
                })
                .onCommand(ChildExitSignal.class, (s, c) -> {
                    Exec.childExitSignal(this, s, c);
                    return commit();
                })
                .onCommand(KthreadCreate.class, (s, c) -> {
                    Kthread.requested(this, s, c);
                    return commit();
                })
                .onCommand(KthreadStop.class, (s, c) -> {
                    Kthread.stopRequested(this, s, c);
                    return commit();
                })
                // answers to this task's own kernel path
                .onCommand(Spawned.class, (s, c) -> resume(s, c.id(), c))
                .onCommand(Copied.class, (s, c) -> resume(s, c.id(), c))
                .onCommand(VforkDone.class, (s, c) -> resume(s, c.id(), c))
                .onCommand(Notified.class, (s, c) -> resume(s, c.id(), c))
                .onCommand(Adopted.class, (s, c) -> resume(s, c.id(), c))
                .onCommand(SubreaperFound.class, (s, c) -> resume(s, c.id(), c))
                .onCommand(AliveThread.class, (s, c) -> resume(s, c.id(), c))
                .onCommand(LeaderExitSignal.class, (s, c) -> resume(s, c.id(), c))
                .onCommand(GroupDead.class, (s, c) -> resume(s, c.id(), c))
                .onCommand(GroupExitCode.class, (s, c) -> resume(s, c.id(), c))
                .onCommand(ZombieResult.class, (s, c) -> resume(s, c.id(), c))
                .onCommand(StopContResult.class, (s, c) -> resume(s, c.id(), c))
                .onCommand(ChildrenOf.class, (s, c) -> resume(s, c.id(), c))
                .onCommand(ExitSignalDone.class, (s, c) -> resume(s, c.id(), c))
                .onCommand(SharedPutDone.class, (s, c) -> resume(s, c.id(), c))
                .onCommand(TableOpDone.class, (s, c) -> resume(s, c.id(), c))
                .onCommand(DeThreadDone.class, (s, c) -> resume(s, c.id(), c))
                .onCommand(TaskCmd.Demoted.class, (s, c) -> resume(s, c.id(), c))
                .onCommand(KthreadCreated.class, (s, c) -> resume(s, c.id(), c))
                .onCommand(KthreadStopped.class, (s, c) -> resume(s, c.id(), c))
                .onCommand(FromMmu.class, (s, c) -> resume(s, c.reply().id(), c.reply()))
                .onCommand(FromPid.class, (s, c) -> resume(s, c.reply().id(), c.reply()))
                .onCommand(FromLookup.class, (s, c) -> resume(s, c.reply().id(), c.reply()))
                .onCommand(FromLock.class, (s, c) -> lockAnswer(s, c.reply()))
                .onCommand(FromLockSleep.class, (s, c) -> lockAnswer(s, c.reply()))
                .onCommand(FromFiles.class, (s, c) -> resume(s, c.reply().id(), c.reply()))
                .onCommand(FromIpc.class, (s, c) -> resume(s, c.reply().id(), c.reply()))
                .onCommand(Query.class, (s, c) -> {
                    PathStep st = s.step();
                    c.replyTo()
                            .tell(new TaskSummary(
                                    key, s.pid, s.comm, s.state.toString(), st == null ? "NONE" : st.name()));
                    return Effect().none();
                })
                .build();
    }

    /**
     * An answer to this task's kernel path: the frame's step says which function goes on with it. An
     * answer no step waits for is either a race the kernel tolerates (journaled, with the kernel's
     * reasoning) or a protocol violation in the report — never dropped silently.
     */
    private Effect<KEvent, TaskState> resume(TaskState s, MsgId id, Object answer) {
        dispatch(s, id, answer, true);
        return commit();
    }

    /**
     * Dispatches {@code answer} by the frame's step. {@code mayInterrupt}: false for an answer an
     * interrupt came before (one interrupt per step boundary). An answer that comes while an interrupt
     * handler runs waits for its end, in arrival order, as the interrupted code would see it.
     */
    private void dispatch(TaskState s, MsgId id, Object answer, boolean mayInterrupt) {
        PathStep st = s.step();
        if (s.irq != null) {
            afterIrq.add(new Held(id, answer)); // (the journal has its receive order: a re-run queues it alike)
            return;
        }
        if (mayInterrupt && st != null && interruptNow(s, st, answer)) {
            afterIrq.add(new Held(id, answer));
            Irq.enter(this, s, id, IrqKind.IO, answer.getClass().getSimpleName() + " at " + st.name());
            return;
        }
        if (st != null && st.resume(this, s, answer)) return;
        String late = LateAnswers.tolerated(s, answer);
        if (late != null) {
            event(s, new LateAnswerIgnored(id, answer.getClass().getSimpleName(), late));
        } else {
            warn(
                    s,
                    id,
                    "protocol",
                    "Task.resume",
                    answer.getClass().getSimpleName() + " arrived "
                            + (st == null ? "in user mode" : "at " + st.name()) + ", where no kernel path of "
                            + key + " waits for it");
        }
    }

    /**
     * Does the CPU take a device interrupt before the path goes on with {@code answer}? Only while
     * interrupts are on and the task runs; drawn from the task's seeded generator, so a re-run in the
     * recorded receive order takes the same interrupts.
     */
    private boolean interruptNow(TaskState s, PathStep st, Object answer) {
        return ioInterrupts > 0
                && onCpu
                && !s.irqsOff()
                && st.awaits(answer.getClass())
                && rng.nextDouble() < ioInterrupts;
    }

    /**
     * An answer of a lock actor. A sleeping lock that is contended puts the task to sleep (its CPU runs
     * others); a grant goes on the held-lock stack, then to the interrupt handler that asked for it or
     * to the path (after a sleep: when the task runs again).
     */
    private Effect<KEvent, TaskState> lockAnswer(TaskState s, LockActor.Reply r) {
        if (r instanceof LockActor.MustSleep m) {
            if (Locking.killableWait(s) && Signals.fatalPending(s)) {
                // __mutex_lock / rwsem: signal_pending_state() before sleeping: -EINTR, the call unwinds
                // and the task goes to take its signal.
                event(s, new LockWaitCancelled(m.id(), m.cls(), m.instance()));
                Locking.leaveQueue(this, s, m.cls(), m.instance());
                yieldCpu(s, Cpu.Yield.CONTINUE, 0);
                return commit();
            }
            // rwsem_down_read_slowpath / __mutex_lock: schedule() until the lock is handed over.
            event(s, new LockSlept(m.id(), m.cls(), m.instance()));
            yieldCpu(s, Cpu.Yield.BLOCK, 0);
            return commit();
        }
        LockActor.Granted g = (LockActor.Granted) r;
        if (g.lock().inIrq()) {
            if (s.irq == null) {
                warn(s, g.id(), "protocol", "Task.lockAnswer", "an interrupt's lock came to " + key + " outside one");
                return commit();
            }
            if (!Irq.granted(this, s, g)) return commit();
            List<Held> held = List.copyOf(afterIrq);
            afterIrq.clear();
            for (Held h : held) dispatch(s, h.id(), h.answer(), false); // the interrupted path goes on
            return commit();
        }
        if (s.lockCancelled != null && g.lock().sameLock(s.lockCancelled.cls(), s.lockCancelled.instance())) {
            // The cancelled wait was handed the lock after all: the error path drops it.
            Locking.acquired(this, s, g);
            Locking.unlock(this, s, g.id(), g.lock().cls(), ctx(s, g.lock().path()));
            return commit();
        }
        boolean slept = s.lockSleep != null;
        Locking.acquired(this, s, g);
        if (slept) {
            // The lock was handed to a sleeper: wake_up_q puts it on a runqueue; it goes on when it runs.
            event(s, new Woken(g.id(), "rwsem_mark_wake"));
            enqueueSelf(s);
            return commit();
        }
        return resume(s, g.id(), g);
    }

    /**
     * WARN_ON / BUG_ON: an invariant Linux checks at {@code function} did not hold. The path goes on
     * (as after a WARN); the report lists it as a violation of kind {@code check}.
     */
    public void warn(TaskState s, MsgId cause, String check, String function, String detail) {
        event(s, new Warned(cause, check, function, detail));
    }

    /** Commits; a task whose own objects are all freed has nothing left to own and stops. */
    private Effect<KEvent, TaskState> end(TaskState s) {
        if (s.state == RunState.FREED && !s.ownsLiveObjects()) return commitAndStop();
        return commit();
    }

    /** wake_up_state(TASK_STOPPED): SIGCONT (or SIGKILL) puts a stopped task back on its runqueue. */
    public void wakeStopped(TaskState s, MsgId cause) {
        if (s.state != RunState.STOPPED) return; // already woken (a second SIGKILL, SIGCONT)
        event(s, new Woken(cause, "wake_up_state(TASK_STOPPED)"));
        enqueueSelf(s);
    }

    /** ttwu_queue: back on the runqueue of the CPU the task last ran on. */
    public void enqueueSelf(TaskState s) {
        Cpu.Rq rq = new Cpu.Rq(key, s.pid, self, s.mm);
        ActorRef<Cpu.Cmd> cpu = cpu(s.cpu);
        then(() -> cpu.tell(new Cpu.Enqueue(send.next(), rq)));
    }

    /**
     * try_to_wake_up for a task sleeping at one of {@code sleepingIn} (null: sleeping outside any
     * path, as kthreadd before its first request): __wake_up_parent wakes do_wait's wait_chldexit
     * sleepers; complete(vfork_done) the vfork parent; a fatal signal either. A task that is not
     * sleeping there is not woken (try_to_wake_up's state check), except that a do_wait still
     * scanning notes the wake-up and scans again.
     */
    public void wake(TaskState s, MsgId cause, String by, PathStep... sleepingIn) {
        List<PathStep> in = Arrays.asList(sleepingIn);
        if (in.contains(Wait.At.SLEEP)
                && s.state != RunState.SLEEPING
                && s.frame instanceof Frame.Waiting w
                && w.step() != Wait.At.SLEEP
                && w.step() != Wait.At.PGRP_LOOKUP) {
            // do_wait put us on wait_chldexit before it scanned: a wake-up during the scan is not lost.
            enter(s, cause, w.rescan(true));
            return;
        }
        if (s.state != RunState.SLEEPING || !in.contains(s.step())) return;
        event(s, new Woken(cause, by));
        enqueueSelf(s);
    }

    // ---- running the program ------------------------------------------------------------------

    private Effect<KEvent, TaskState> runStep(TaskState s, RunStep c) {
        MsgId cause = c.id();
        if (s.irq != null) {
            // The CPU is in the interrupt handler on this task's stack: it cannot run the task meanwhile.
            warn(s, cause, "protocol", "Task.runStep", "RunStep arrived while an interrupt handler ran on " + key);
            return commit();
        }
        event(s, new RanOn(cause, c.cpu()));
        onCpu = true;
        if (s.lockWoken != null) {
            // Back on a CPU holding the sleeping lock it was handed: the path goes on from its step.
            HeldLock h = s.lockWoken;
            event(s, new LockWoken(cause));
            PathStep st = s.step();
            if (st == null || !st.resume(this, s, new LockActor.Granted(cause, h, true))) {
                warn(
                        s,
                        cause,
                        "protocol",
                        "Task.runStep",
                        key + " woke holding " + h.label() + " with no path waiting");
            }
            return commit();
        }
        if (s.pfExiting && s.frame instanceof Frame.Waiting w && w.zapOf() != null && w.step() == Wait.At.SLEEP) {
            Wait.resume(this, s, cause); // a dying namespace init, woken while it reaps its children
            return commit();
        }
        if (s.pfExiting || s.exitState != ExitState.NONE) return commit(); // a dead task is never run again
        if (s.kthread && s.program.isEmpty()) {
            Kthread.kthreadd(this, s, cause); // kthreadd's loop over kthread_create_list
            return commit();
        }
        if (s.stopped && !s.pending.contains(Sig.SIGKILL)) {
            yieldCpu(s, Cpu.Yield.BLOCK, 0); // still TASK_STOPPED
            return commit();
        }
        // An interrupted nanosleep: remember what is left (restart_block) in case a stop comes first.
        if (c.sleepLeft() > 0) event(s, new SleepInterrupted(cause, c.sleepLeft()));
        Signals.reportContinued(this, s, cause);
        if (s.frame instanceof Frame.Vforking v && Signals.fatalPending(s)) Vfork.vforkKilled(this, s, v);
        // get_signal first: a fatal signal ends the task inside the call; a stop signal stops it there
        // (an interrupted wait4 goes on after SIGCONT).
        if (Signals.deliver(this, s, cause)) return commit();
        PathStep st = s.step();
        if (st == null) {
            runNext(s, cause);
        } else if (!st.resume(this, s, c)) {
            // The CPU ran a task whose kernel path waits for an answer, not for the CPU: it gives it back.
            warn(
                    s,
                    cause,
                    "protocol",
                    "Task.runStep",
                    "RunStep arrived at " + st.name() + ", where " + key + " waits for an answer, not for a CPU");
            yieldCpu(s, Cpu.Yield.BLOCK, 0);
        }
        return commit();
    }

    /** User space runs on: the program's next step (a system call, or user-mode work handed to the CPU). */
    void runNext(TaskState s, MsgId cause) {
        Step st = Interpreter.nextStep(this, s, cause);
        if (s.kthread && s.shouldStop && st == null) {
            // while (!kthread_should_stop()) { ... }: the test is at the top of the loop, so a stopped thread
            // finishes its iteration first; then threadfn returns 0, kthread_exit(0).
            event(s, new SyscallEntered(cause, -1, "kthread_exit"));
            Exit.doExit(this, s, cause, WaitStatus.exited(0));
            return;
        }
        if (st == null) {
            // Running off the end of the program is exit(0) (contract §2).
            event(s, new SyscallEntered(cause, -1, "exit"));
            Exit.doExit(this, s, cause, WaitStatus.exited(0));
            return;
        }
        event(s, new SyscallEntered(cause, st.index(), st.op()));
        syscall(s, cause, st);
    }

    /** The system call table (arch/x86/entry/syscalls/syscall_64.tbl, as far as the model goes). */
    private void syscall(TaskState s, MsgId cause, Step st) {
        switch (st.op()) {
            case "fork", "vfork", "clone", "clone3", "thread" -> Fork.kernelClone(this, s, cause, st);
            case "exec" -> Exec.execve(this, s, cause, st);
            case "exit" -> Exit.doExit(this, s, cause, WaitStatus.exited(resolveOr(s, st, "code", 0)));
            case "exit_group" ->
                Threads.doGroupExit(
                        this,
                        s,
                        cause,
                        WaitStatus.exited(resolveOr(s, st, "code", 0)),
                        ctx(s, "__x64_sys_exit_group/do_group_exit"));
            case "wait4" -> Wait.wait4(this, s, cause, st);
            case "waitid" -> Wait.waitid(this, s, cause, st);
            case "kill" -> Signals.kill(this, s, cause, st);
            case "sigaction" -> Signals.sigaction(this, s, cause, st);
            case "setpgid" -> Sys.setpgid(this, s, cause, st);
            case "setsid" -> Sys.setsid(this, s, cause);
            case "prctl" -> Sys.prctl(this, s, cause, st);
            case "setrlimit" -> Sys.setrlimit(this, s, cause, st);
            case "kthread_run" -> Kthread.kthreadRun(this, s, cause, st);
            case "kthread_stop" -> Kthread.kthreadStop(this, s, cause, st);
            case "unshare" -> Sys.unshare(this, s, cause, st);
            case "sysctl" -> Sys.sysctl(this, s, cause, st);
            case "mmap", "touch" -> MmSyscalls.mmCall(this, s, cause, st);
            case "open" -> FileSyscalls.open(this, s, cause, st);
            case "close" -> FileSyscalls.close(this, s, cause, st);
            case "semundo" -> Sem.semop(this, s, cause, st, true);
            case "semop" ->
                Sem.semop(
                        this,
                        s,
                        cause,
                        st,
                        st.args().containsKey("undo") && Boolean.parseBoolean(st.str("undo", "false")));
            case "semval" -> Sem.semval(this, s, cause, st);
            case "shmget" -> Sem.shmget(this, s, cause, st);
            case "sleep" -> Interpreter.userWork(this, s, cause, Cpu.Yield.SLEEP, resolveOr(s, st, "ticks", 1));
            case "compute" -> Interpreter.userWork(this, s, cause, Cpu.Yield.COMPUTE, resolveOr(s, st, "ticks", 1));
            case "rcu_walk" -> Interpreter.userWork(this, s, cause, Cpu.Yield.RCU_WALK, resolveOr(s, st, "ticks", 1));
            case "getpid" -> ret(s, cause, s.vtgid, null, null); // task_tgid_vnr
            case "gettid" -> ret(s, cause, s.vpid, null, null); // task_pid_vnr
            case "getppid" -> ret(s, cause, s.vppid, null, null); // the real parent's tgid in our namespace
            case "getpgid", "getpgrp", "getsid" -> Sys.getpgid(this, s, cause, st);
            default -> ret(s, cause, 0, Errno.ENOSYS, null);
        }
    }

    public void callRcu(String function, String object, Ctx ctx) {
        then(() -> env.rcu().tell(new RcuManager.CallRcu(send.next(), function, object, rcuCallbacks, ctx)));
    }

    public void nsproxy(boolean get, Ctx ctx) {
        then(() -> env.kernel().tell(new KernelCmd.NsproxyRef(send.next(), get, key, ctx)));
    }
}
