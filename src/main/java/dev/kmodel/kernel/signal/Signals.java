package dev.kmodel.kernel.signal;

import static dev.kmodel.kernel.task.PathStep.Continue.on;

import akka.actor.typed.ActorRef;
import dev.kmodel.kernel.Ctx;
import dev.kmodel.kernel.MsgId;
import dev.kmodel.kernel.exit.Exit;
import dev.kmodel.kernel.exit.Threads;
import dev.kmodel.kernel.exit.Wait;
import dev.kmodel.kernel.fork.Shared;
import dev.kmodel.kernel.fork.Vfork;
import dev.kmodel.kernel.locking.LockActor;
import dev.kmodel.kernel.locking.LockCall;
import dev.kmodel.kernel.locking.LockClass;
import dev.kmodel.kernel.locking.Locking;
import dev.kmodel.kernel.pid.PidAllocator;
import dev.kmodel.kernel.sched.Cpu;
import dev.kmodel.kernel.task.ExitState;
import dev.kmodel.kernel.task.Frame;
import dev.kmodel.kernel.task.PathStep;
import dev.kmodel.kernel.task.RunState;
import dev.kmodel.kernel.task.SigAction;
import dev.kmodel.kernel.task.Task;
import dev.kmodel.kernel.task.TaskCmd;
import dev.kmodel.kernel.task.TaskEvent.*;
import dev.kmodel.kernel.task.TaskState;
import dev.kmodel.kernel.task.ThreadInfo;
import dev.kmodel.scenario.Fault;
import dev.kmodel.scenario.Step;
import dev.kmodel.uapi.Errno;
import dev.kmodel.uapi.Sig;
import java.util.ArrayList;
import java.util.List;

/**
 * kernel/signal.c, as much as the lifecycle needs: kill, sigaction, send_signal's ignore check,
 * signal_wake_up, and get_signal's default action (a fatal signal makes the task do_exit).
 */
public final class Signals {
    private Signals() {}

    /** Where kill and sigaction wait, for which answer, and the function that goes on with it. */
    public enum At implements PathStep {
        /** __kill_pgrp_info / kill(-1): read_lock(&tasklist_lock) around the walk of a group or of every task. */
        KILL_TASKLIST_LOCK(on(LockActor.Granted.class, (t, s, g) -> lookup(t, s, g.id()))),
        /** kill_something_info: the pid hash's answer (find_vpid, the group, or every process). */
        KILL_LOOKUP(on(PidAllocator.Found.class, Signals::found)),
        /** group_send_sig_info → do_send_sig_info → lock_task_sighand: the target's siglock. */
        KILL_SIGLOCK(on(LockActor.Granted.class, (t, s, g) -> sendLocked(t, s, g.id()))),
        /** do_sigaction: spin_lock_irq(&current->sighand->siglock). */
        SIGACTION_SIGLOCK(on(LockActor.Granted.class, (t, s, g) -> sigactionLocked(t, s, g.id()))),
        /** do_sigaction on a shared table: its owner changed it (we hold the table's siglock). */
        SIGACTION_SHARED(on(TaskCmd.TableOpDone.class, Signals::sigactionShared));

        private final PathStep.Continue next;

        At(PathStep.Continue next) {
            this.next = next;
        }

        @Override
        public PathStep.Continue next() {
            return next;
        }
    }

    /**
     * sigaction(2) → do_sigaction (kernel/signal.c): EINVAL for a signal outside 1.._NSIG, and for
     * SIGKILL and SIGSTOP, which cannot be caught or ignored.
     */
    public static void sigaction(Task t, TaskState s, MsgId cause, Step st) {
        Integer arg = Sig.arg(st.args().get("sig"));
        int sig = arg == null ? -1 : arg;
        if (!Sig.valid(sig) || sig < 1 || sig == Sig.SIGKILL || sig == Sig.SIGSTOP) {
            t.ret(s, cause, 0, Errno.EINVAL, null);
            return;
        }
        List<String> flags = st.list("flags");
        SigAction a = new SigAction(
                st.str("handler", "SIG_DFL"), flags.contains("SA_NOCLDWAIT"), flags.contains("SA_NOCLDSTOP"));
        t.enter(s, cause, new Frame.Sigaction(At.SIGACTION_SIGLOCK, sig, a));
        Locking.lock(t, s, LockCall.SPIN_LOCK_IRQ_SIGLOCK, t.key(), t.ctx(s, SIGACTION_PATH));
    }

    private static final String SIGACTION_PATH = "__x64_sys_rt_sigaction/do_sigaction";

    /** Holding siglock: the action is installed (in a shared table, by the actor that counts it). */
    static void sigactionLocked(Task t, TaskState s, MsgId cause) {
        Frame.Sigaction f = (Frame.Sigaction) s.frame;
        int sig = f.sig();
        SigAction a = f.action();
        String sighand = s.objects.sighand();
        if (Shared.tableShared(s, sighand)) {
            if (!s.counts(sighand)) {
                // CLONE_SIGHAND: the table is changed by the actor that counts it, while we hold its siglock.
                t.enter(s, cause, f.at(At.SIGACTION_SHARED));
                var owner = Shared.owner(t, s, sighand);
                t.then(() -> owner.tell(new TaskCmd.SetSigaction(t.nextId(), sighand, sig, a, t.self)));
                return;
            }
            Shared.change(t, s, new SigactionSet(cause, sig, a), sighand);
        } else {
            t.event(s, new SigactionSet(cause, sig, a));
        }
        Locking.unlock(t, s, cause, LockClass.SIGLOCK, t.ctx(s, SIGACTION_PATH));
        t.ret(s, cause, 0, null, null);
    }

    /** The owner of the shared table changed it: spin_unlock_irq, return. */
    static void sigactionShared(Task t, TaskState s, TaskCmd.TableOpDone c) {
        Locking.unlock(t, s, c.id(), LockClass.SIGLOCK, t.ctx(s, SIGACTION_PATH));
        t.ret(s, c.id(), c.ret(), c.errno(), null);
    }

    /**
     * kill(2) → kill_something_info: pid > 0 one process ("@comm" names one by comm); 0 the caller's
     * process group; -1 every process but init and the caller; < -1 the group -pid. ESRCH if none.
     * An invalid signal is found out per target (check_kill_permission), so it is EINVAL only when
     * somebody was found: ESRCH otherwise.
     */
    public static void kill(Task t, TaskState s, MsgId cause, Step st) {
        Object target = st.args().get("pid");
        Integer arg = st.has("sig") ? Sig.arg(st.args().get("sig")) : Integer.valueOf(Sig.SIGTERM);
        int sig = arg == null ? -1 : arg;
        String comm = target instanceof String str && str.startsWith("@") ? str.substring(1) : null;
        Long pid = comm != null ? Long.valueOf(1) : t.resolve(s, target);
        if (pid == null || pid == Integer.MIN_VALUE) {
            t.ret(s, cause, 0, pid == null ? Errno.EINVAL : Errno.ESRCH, null);
            return;
        }
        PidAllocator.Scope scope;
        int key;
        if (comm != null) {
            scope = PidAllocator.Scope.COMM;
            key = 0;
        } else if (pid > 0) {
            scope = PidAllocator.Scope.PID;
            key = pid.intValue();
        } else if (pid == 0) {
            scope = PidAllocator.Scope.PGRP;
            key = s.pgid;
        } else if (pid == -1) {
            scope = PidAllocator.Scope.ALL;
            key = 0;
        } else {
            scope = PidAllocator.Scope.PGRP;
            key = (int) -pid;
        }
        // kill(-1) spares the caller's whole thread group. Numbers are the caller's namespace's; its own
        // group (kill(0)) is known by the global number.
        var query = new PidAllocator.Lookup(null, scope, key, comm, s.tgid, null, pid == 0 ? 0 : s.nsId);
        t.enter(s, cause, new Frame.Signalling(At.KILL_TASKLIST_LOCK, sig, query, List.of(), 0));
        Ctx ctx = t.ctx(s, KILL_PATH);
        if (scope == PidAllocator.Scope.PID || scope == PidAllocator.Scope.COMM) {
            // kill_proc_info: rcu_read_lock() around find_vpid and the send (the pid hash is RCU-protected).
            Locking.rcuReadLock(t, s, cause, ctx);
            lookup(t, s, cause);
        } else {
            // __kill_pgrp_info and kill(-1) walk the tasks under read_lock(&tasklist_lock).
            Locking.lock(t, s, LockCall.READ_LOCK_TASKLIST, Locking.global(LockClass.TASKLIST_LOCK), ctx);
        }
    }

    private static final String KILL_PATH = "__x64_sys_kill/kill_something_info";

    /** find_vpid, the group's tasks, or every task: the pid hash answers with the targets. */
    static void lookup(Task t, TaskState s, MsgId cause) {
        Frame.Signalling f = (Frame.Signalling) s.frame;
        t.enter(s, cause, f.at(At.KILL_LOOKUP));
        PidAllocator.Lookup q = f.query();
        t.then(() -> t.env.pids()
                .tell(new PidAllocator.Lookup(
                        t.nextId(), q.scope(), q.pid(), q.comm(), q.caller(), t.lookups, q.callerNs())));
    }

    /** The kill's lookup lock: rcu_read_unlock or read_unlock(&tasklist_lock). */
    private static void unlockLookup(Task t, TaskState s, MsgId cause) {
        Ctx ctx = t.ctx(s, KILL_PATH);
        if (Locking.holds(s, LockClass.TASKLIST_LOCK)) Locking.unlock(t, s, cause, LockClass.TASKLIST_LOCK, ctx);
        else Locking.rcuReadUnlock(t, s, cause, ctx);
    }

    /** The targets were (not) found: send the signal to each (sig 0 only checks existence). */
    static void found(Task t, TaskState s, PidAllocator.Found f) {
        Frame.Signalling fr = (Frame.Signalling) s.frame;
        int sig = fr.sig();
        Errno errno = f.targets().isEmpty() ? Errno.ESRCH : !Sig.valid(sig) ? Errno.EINVAL : null;
        // group_send_sig_info → check_kill_permission: !valid_signal(sig) is EINVAL for the targets
        // found (kill(-pgid) and kill(-1) answer their last error when none was signalled).
        if (errno != null || sig == 0) {
            unlockLookup(t, s, f.id());
            t.ret(s, f.id(), 0, errno, null);
            return;
        }
        lockTarget(t, s, f.id(), fr.target(At.KILL_SIGLOCK, f.targets(), 0));
    }

    /** lock_task_sighand(target): spin_lock_irqsave(&sighand->siglock). */
    private static void lockTarget(Task t, TaskState s, MsgId cause, Frame.Signalling f) {
        t.enter(s, cause, f);
        LockCall lock = t.env.scenario().has(Fault.KILL_SIGLOCK_IRQS_ON)
                ? LockCall.SPIN_LOCK_IRQSAVE_SIGLOCK.irqsOn()
                : LockCall.SPIN_LOCK_IRQSAVE_SIGLOCK;
        String target = f.targets().get(f.next()).key();
        Locking.lock(
                t, s, lock, target, t.ctx(s, KILL_PATH + "/group_send_sig_info/do_send_sig_info/lock_task_sighand"));
    }

    /** Holding the target's siglock: send_signal_locked; unlock; the next target, or return. */
    static void sendLocked(Task t, TaskState s, MsgId cause) {
        Frame.Signalling f = (Frame.Signalling) s.frame;
        PidAllocator.Target target = f.targets().get(f.next());
        Ctx ctx = t.ctx(s, KILL_PATH + "/group_send_sig_info");
        int sig = f.sig(), from = s.pid, fromNs = s.nsId;
        @SuppressWarnings("unchecked")
        ActorRef<TaskCmd> ref = (ActorRef<TaskCmd>) target.task();
        boolean orphaned = target.orphanedPgrp();
        t.then(() -> ref.tell(new TaskCmd.Signal(t.nextId(), sig, from, ctx, fromNs, orphaned)));
        Locking.unlock(t, s, cause, LockClass.SIGLOCK, ctx.in("do_send_sig_info/unlock_task_sighand"));
        if (f.next() + 1 < f.targets().size()) {
            lockTarget(t, s, cause, f.target(At.KILL_SIGLOCK, f.targets(), f.next() + 1));
            return;
        }
        unlockLookup(t, s, cause);
        t.ret(s, cause, 0, null, null);
    }

    /**
     * A signal reaches this process or thread. To a group with threads (through its leader, as kill(2)
     * finds it), complete_signal decides: a fatal signal kills the whole group (SIGNAL_GROUP_EXIT, every
     * thread zapped), stop and continue reach every thread, a caught signal goes to one thread that can
     * take it (the leader first).
     */
    public static void receive(Task t, TaskState s, TaskCmd.Signal c) {
        if (s.isLeader() && !s.threads.isEmpty()) {
            completeSignal(t, s, c);
            return;
        }
        receiveOwn(t, s, c);
    }

    /**
     * SIGNAL_UNKILLABLE (sig_task_ignored, kernel/signal.c): the global init never takes SIGKILL or SIGSTOP;
     * the init of a pid namespace ignores a signal it has no handler for, unless it is SIGKILL or SIGSTOP
     * sent with force — from an ancestor namespace, or by the kernel itself (SEND_SIG_PRIV: zap, a parent's
     * death). So kill_orphaned_pgrp's SIGHUP and SIGCONT do not kill an init that is in the orphaned group.
     */
    private static boolean unkillable(TaskState s, TaskCmd.Signal c) {
        if (s.vpid != 1 || s.kthread) return false;
        boolean kernelOnly = c.sig() == Sig.SIGKILL || c.sig() == Sig.SIGSTOP;
        if (s.nsId == 0 && kernelOnly) return true; // is_global_init && sig_kernel_only
        if (s.sigaction(c.sig()).handler().equals("catch")) return false;
        boolean force = c.fromNs() < 0 || c.fromNs() != s.nsId && s.nsId != 0;
        return !(force && kernelOnly);
    }

    /**
     * get_signal: SIGTSTP, SIGTTIN and SIGTTOU with their default action are discarded in an orphaned
     * process group (is_current_pgrp_orphaned): nobody is left to continue it. SIGSTOP is not.
     */
    private static boolean orphanedStop(TaskState s, TaskCmd.Signal c) {
        return c.orphanedPgrp()
                && c.sig() != Sig.SIGSTOP
                && Sig.defaultStops(c.sig())
                && s.sigaction(c.sig()).handler().equals("SIG_DFL");
    }

    /** complete_signal (kernel/signal.c) for a group with threads. */
    private static void completeSignal(Task t, TaskState s, TaskCmd.Signal c) {
        if (s.groupExit) return; // prepare_signal: the group is already dying
        if (s.groupExecKey != null && t.env.scenario().has(Fault.DE_THREAD_LOST_GROUP_EXIT)) {
            // Fault de-thread-lost-group-exit (upstream fix ed5d2cac1142, v2.6.25): de_thread borrowed
            // SIGNAL_GROUP_EXIT to kill the other threads and cleared signal->flags when done; a signal that
            // comes in meanwhile is taken for that exit and dropped, and the exec'ing thread lives on.
            return;
        }
        if (unkillable(s, c) && c.sig() != Sig.SIGCONT) {
            t.event(s, new SignalReceived(c.id(), c.sig(), c.fromPid(), "ignored"));
            return;
        }
        // An ignored SIGCONT still continues the group (prepare_signal runs before sig_ignored): the leader
        // takes it in receiveOwn, the other threads below.
        int sig = c.sig();
        String d = disposition(s, sig);
        var ctx = c.ctx().in("complete_signal");
        List<ActorRef<TaskCmd>> alive = s.threads.values().stream()
                .filter(th -> !th.exiting())
                .map(th -> th.ref())
                .toList();
        boolean leaderAlive = !s.pfExiting && s.exitState == ExitState.NONE;
        switch (d) {
            case "fatal" -> {
                // A core-dumping signal: do_coredump's coredump_wait zaps the other threads; the group's code
                // carries 0x80 if the core was written (coredump_finish).
                int code = Coredump.doCoredump(t, s, c.id(), sig);
                t.event(s, new GroupExitSet(c.id(), code, "signal " + Sig.name(sig)));
                Threads.zapOtherThreads(t, s, c.id(), code, "", ctx);
            }
            case "stop", "continue" -> {
                if (leaderAlive) receiveOwn(t, s, c);
                else if (d.equals("continue") && s.groupStopped) {
                    // The group, stopped while its leader is a zombie, continues: CLD_CONTINUED for the leader.
                    t.event(s, new GroupContinued(c.id()));
                    notifyParentStop(t, s, true, Sig.SIGCONT);
                }
                forward(t, alive, c);
            }
            case "pending" -> {
                if (leaderAlive) receiveOwn(t, s, c);
                else if (!alive.isEmpty()) forward(t, alive.subList(0, 1), c);
            }
            default -> {
                if (sig == Sig.SIGCONT) { // SIGCONT continues a stopped group even when ignored
                    if (leaderAlive) receiveOwn(t, s, c);
                    forward(t, alive, c);
                } else if (leaderAlive) {
                    receiveOwn(t, s, c);
                }
            }
        }
    }

    private static void forward(Task t, List<ActorRef<TaskCmd>> to, TaskCmd.Signal c) {
        t.then(() -> {
            for (ActorRef<TaskCmd> r : to) {
                r.tell(new TaskCmd.Signal(t.nextId(), c.sig(), c.fromPid(), c.ctx(), -1, c.orphanedPgrp()));
            }
        });
    }

    /** The signal for this thread itself: send_signal → prepare_signal → signal_wake_up. */
    public static void receiveOwn(Task t, TaskState s, TaskCmd.Signal c) {
        if (unkillable(s, c)) {
            // __send_signal_locked: prepare_signal's stop/continue effects come first, "at signal-generation
            // time regardless of blocking, ignoring, or handling"; only then does sig_ignored drop the signal.
            // So a SIGCONT that a namespace init ignores (SIGNAL_UNKILLABLE, SIG_DFL) still discards its
            // pending stop signals and wakes it from a group stop (wake_up_state(__TASK_STOPPED),
            // SIGNAL_CLD_CONTINUED), and its next stop is a new one that wait(WUNTRACED) reports.
            prepared(t, s, c.id(), c.sig(), c.fromPid(), "ignored");
            return;
        }
        if (orphanedStop(s, c)) {
            t.event(s, new SignalReceived(c.id(), c.sig(), c.fromPid(), "ignored"));
            return;
        }
        String disposition = received(t, s, c.id(), c.sig(), c.fromPid());
        if (disposition.equals("fatal") || disposition.equals("stop")) {
            if (s.state == RunState.SLEEPING && s.at(Frame.Syscall.USER_WORK)) {
                // The nanosleep is interrupted: the CPU cancels its timer and runs the task, which dies or
                // stops; a stopped sleep goes on after SIGCONT with the time it had left (restart_block).
                var cpu = t.cpu(s.cpu);
                String k = t.key();
                t.then(() -> cpu.tell(new Cpu.WakeSleeper(t.nextId(), k)));
            } else if (s.stopped && c.sig() == Sig.SIGKILL) {
                t.wakeStopped(s, c.id()); // SIGKILL wakes a stopped task, which then dies
            } else if (s.at(Frame.Syscall.USER_WORK) && s.state != RunState.SLEEPING) {
                // Computing on its CPU: the CPU interrupts the computation so the signal is taken now.
                var cpu = t.cpu(s.cpu);
                String k = t.key();
                t.then(() -> cpu.tell(new Cpu.SignalPending(t.nextId(), k)));
            } else {
                // wait4 sleeps interruptibly (any signal with an action wakes it); wait_for_vfork_done is
                // TASK_KILLABLE: only a fatal signal.
                if (disposition.equals("fatal")) {
                    Locking.cancelWait(t, s, c.id()); // a killable wait for a mutex / rw_semaphore
                    t.wake(s, c.id(), "signal_wake_up", Wait.At.SLEEP, Vfork.At.VFORK_DONE);
                } else {
                    t.wake(s, c.id(), "signal_wake_up", Wait.At.SLEEP);
                }
            }
        }
    }

    /**
     * Records the signal; returns its disposition: ignored, pending (caught), fatal, stop, or continue.
     * prepare_signal's side effects happen here: a stop signal discards a pending SIGCONT; SIGCONT
     * discards pending stops and continues a stopped task at once, whatever its handler.
     */
    public static String received(Task t, TaskState s, MsgId cause, int sig, int from) {
        // A dying task takes no more signals; kernel threads ignore them all.
        String d = s.pfExiting || s.exitState != ExitState.NONE || s.kthread ? "ignored" : disposition(s, sig);
        prepared(t, s, cause, sig, from, d);
        return d;
    }

    /** prepare_signal's side effects for a signal of disposition {@code d}, then the signal recorded. */
    private static void prepared(Task t, TaskState s, MsgId cause, int sig, int from, String d) {
        if (!d.equals("ignored") || sig == Sig.SIGCONT) {
            if (Sig.defaultStops(sig) && s.pending.contains(Sig.SIGCONT)) {
                t.event(s, new SignalsDiscarded(cause, List.of(Sig.SIGCONT)));
            }
            if (sig == Sig.SIGCONT && !s.pfExiting && s.exitState == ExitState.NONE) {
                List<Integer> stops =
                        s.pending.stream().filter(Sig::defaultStops).toList();
                if (!stops.isEmpty()) t.event(s, new SignalsDiscarded(cause, stops));
            }
        }
        t.event(s, new SignalReceived(cause, sig, from, d));
        if (sig == Sig.SIGCONT && s.stopped && !s.pfExiting) {
            // prepare_signal only records SIGNAL_CLD_CONTINUED; the continued task tells its parent from
            // get_signal, holding its CPU (see Task.runStep).
            t.wakeStopped(s, cause);
            t.event(s, new Continued(cause));
            stoppedFlag(t, s, false);
        }
    }

    /** What delivering {@code sig} would do, by the signal actions: ignored, pending (caught), fatal, stop, continue. */
    private static String disposition(TaskState s, int sig) {
        if (sig == Sig.SIGKILL) return "fatal";
        SigAction a = s.sigaction(sig);
        if (sig == Sig.SIGSTOP) return "stop";
        if (a.ignored()) return "ignored";
        if (a.handler().equals("catch")) return "pending";
        if (Sig.defaultStops(sig)) return "stop";
        if (sig == Sig.SIGCONT) return "continue";
        return Sig.defaultTerminates(sig) ? "fatal" : "ignored";
    }

    /** A thread of our group stopped; with the leader gone, the last one to stop reports the group's stop. */
    public static void threadStopped(Task t, TaskState s, TaskCmd.ThreadStopped c) {
        if (!s.pfExiting || s.groupStopped || s.groupExit) return; // a live leader reports its own stop
        t.event(s, new ThreadStopNoted(c.id(), c.key()));
        boolean all = s.threads.values().stream().allMatch(th -> th.exiting() || s.stoppedThreads.contains(th.key()));
        if (!all) return;
        t.event(s, new GroupStopped(c.id(), c.sig()));
        notifyParentStop(t, s, false, c.sig());
    }

    /** get_signal: a continued task reports CLD_CONTINUED to its parent (read under tasklist_lock). */
    public static void reportContinued(Task t, TaskState s, MsgId cause) {
        if (!s.cldContinuedPending) return;
        t.event(s, new CldContinuedSent(cause));
        notifyParentStop(t, s, true, Sig.SIGCONT);
    }

    /** do_notify_parent_cldstop: CLD_STOPPED / CLD_CONTINUED to the parent, which may wake a waiter. */
    static void notifyParentStop(Task t, TaskState s, boolean continued, int sig) {
        var parent = s.parent;
        // The group's stop is reported once, for its leader (the parent waits for the process).
        if (parent == null || !s.isLeader()) return;
        String k = t.key();
        Ctx ctx = t.ctx(s, "do_notify_parent_cldstop");
        t.then(() -> parent.tell(new TaskCmd.NotifyParentStop(t.nextId(), k, continued, sig, ctx)));
    }

    /** The parent's side of do_notify_parent_cldstop: SIGCHLD unless SIG_IGN or SA_NOCLDSTOP; wake. */
    public static void parentNotifiedOfStop(Task t, TaskState s, TaskCmd.NotifyParentStop c) {
        var child = s.children.get(c.child());
        if (child == null) {
            // The model sends the report without tasklist_lock (Linux holds its read side): it can cross a
            // reparent. It goes where the child went: the reaper we handed it to, or the live thread that
            // stands for our exited group.
            ActorRef<TaskCmd> to = s.reparentedTo.get(c.child());
            if (to == null && s.isLeader() && s.pfExiting) {
                ThreadInfo alive = Threads.aliveThread(t, s, t.key());
                to = alive == null ? null : alive.ref();
            }
            if (to == null) {
                t.warn(
                        s,
                        c.id(),
                        "protocol",
                        "do_notify_parent_cldstop",
                        c.child() + "'s stop report reached " + t.key() + ", which is not its parent");
                return;
            }
            ActorRef<TaskCmd> fwd = to;
            t.then(() ->
                    fwd.tell(new TaskCmd.NotifyParentStop(t.nextId(), c.child(), c.continued(), c.sig(), c.ctx())));
            return;
        }
        t.event(s, new ChildChanged(c.id(), c.continued() ? child.withStop(0, true) : child.withStop(c.sig(), false)));
        SigAction a = s.sigaction(Sig.SIGCHLD);
        if (!a.ignored() && !a.noCldStop()) received(t, s, c.id(), Sig.SIGCHLD, child.pid());
        t.wake(s, c.id(), "__wake_up_parent", Wait.At.SLEEP);
        Threads.wakeGroupWaiters(t, s);
    }

    /** has_stopped_jobs reads this through the pid hash. */
    private static void stoppedFlag(Task t, TaskState s, boolean stopped) {
        int pid = s.pid;
        t.then(() -> t.env.pids().tell(new PidAllocator.SetTaskFlags(t.nextId(), pid, false, stopped)));
    }

    /** Delivering {@code sig} with action {@code a} ends the task (SIGKILL, or a default Term/Core action). */
    private static boolean kills(int sig, SigAction a) {
        return sig == Sig.SIGKILL || (a.handler().equals("SIG_DFL") && Sig.defaultTerminates(sig));
    }

    /** Delivering {@code sig} with action {@code a} stops the task (SIGSTOP, or a default Stop action). */
    private static boolean stops(int sig, SigAction a) {
        return sig == Sig.SIGSTOP || (a.handler().equals("SIG_DFL") && Sig.defaultStops(sig));
    }

    /** A signal whose action kills the task is pending. */
    public static boolean fatalPending(TaskState s) {
        return s.pending.stream().anyMatch(sig -> kills(sig, s.sigaction(sig)));
    }

    /**
     * get_signal on the way back to user space: a fatal signal ends the task (do_exit with the
     * signal number as status); a stop signal stops it (do_signal_stop); caught ones are delivered.
     * Returns true if the task is now exiting or stopped.
     */
    public static boolean deliver(Task t, TaskState s, MsgId cause) {
        if (s.pending.isEmpty()) return false;
        int fatal = 0;
        int stop = 0;
        List<Integer> handled = new ArrayList<>();
        for (int sig : s.pending) {
            SigAction a = s.sigaction(sig);
            if (kills(sig, a)) {
                if (fatal == 0) fatal = sig;
            } else if (stops(sig, a)) {
                if (stop == 0) stop = sig;
            } else if (a.handler().equals("catch")) {
                handled.add(sig);
            }
        }
        if (!handled.isEmpty()) t.event(s, new SignalsDelivered(cause, handled));
        if (fatal != 0) {
            t.event(s, new SignalsDelivered(cause, List.of(fatal)));
            if (s.step < 0 || s.op.isEmpty()) t.event(s, new SyscallEntered(cause, -1, "signal"));
            if (!s.held.isEmpty()) Locking.unwind(t, s, cause, t.ctx(s, "syscall_exit_to_user_mode"));
            // WIFSIGNALED, WTERMSIG = sig; WCOREDUMP if do_coredump wrote a core.
            Exit.doExit(t, s, cause, Coredump.doCoredump(t, s, cause, fatal));
            return true;
        }
        if (stop != 0) {
            // do_signal_stop: TASK_STOPPED, CLD_STOPPED to the parent, off the CPU until SIGCONT.
            t.event(s, new SignalsDelivered(cause, List.of(stop)));
            t.event(s, new Stopped(cause, stop));
            notifyParentStop(t, s, false, stop);
            if (!s.isLeader()) {
                // task_participate_group_stop: the leader learns; if it has exited, the group's stop is
                // reported for it once every live thread has stopped.
                var leader = s.leader;
                String k = t.key();
                int sig = stop;
                t.then(() -> leader.tell(new TaskCmd.ThreadStopped(t.nextId(), k, sig)));
            }
            stoppedFlag(t, s, true);
            t.yieldCpu(s, Cpu.Yield.BLOCK, 0);
            return true;
        }
        return false;
    }
}
