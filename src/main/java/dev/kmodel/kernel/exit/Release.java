package dev.kmodel.kernel.exit;

import static dev.kmodel.kernel.task.PathStep.Continue.on;

import akka.actor.typed.ActorRef;
import dev.kmodel.fs.Exec;
import dev.kmodel.kernel.Ctx;
import dev.kmodel.kernel.MsgId;
import dev.kmodel.kernel.fork.Shared;
import dev.kmodel.kernel.locking.LockActor;
import dev.kmodel.kernel.locking.LockCall;
import dev.kmodel.kernel.locking.LockClass;
import dev.kmodel.kernel.locking.Locking;
import dev.kmodel.kernel.pid.PidAllocator;
import dev.kmodel.kernel.rcu.RcuCallback;
import dev.kmodel.kernel.task.ChildInfo;
import dev.kmodel.kernel.task.ExitState;
import dev.kmodel.kernel.task.Frame;
import dev.kmodel.kernel.task.PathStep;
import dev.kmodel.kernel.task.Task;
import dev.kmodel.kernel.task.TaskCmd;
import dev.kmodel.kernel.task.TaskEvent.*;
import dev.kmodel.kernel.task.TaskState;
import dev.kmodel.ledger.LedgerEntry;
import dev.kmodel.ledger.LedgerEvent;
import dev.kmodel.ledger.ObjType;
import dev.kmodel.scenario.Fault;
import java.util.ArrayList;
import java.util.List;

/**
 * release_task (kernel/exit.c) and the end of a task_struct: __exit_signal / __unhash_process under
 * write_lock(tasklist_lock), free_pids, put_task_struct_rcu_user → call_rcu(delayed_put_task_struct)
 * → put_task_struct → __put_task_struct → free_task; and the scheduler's put_task_stack.
 */
public final class Release {
    private Release() {}

    /** Where release_task waits, for which answer, and the function that goes on with it. */
    public enum At implements PathStep {
        /** write_lock_irq(&tasklist_lock). */
        TASKLIST_LOCK(on(LockActor.Granted.class, (t, s, g) -> locked(t, s, g.id()))),
        /** __exit_signal: spin_lock(&sighand->siglock) of the released task, nested in tasklist_lock. */
        SIGLOCK(on(LockActor.Granted.class, (t, s, g) -> siglocked(t, s, g.id()))),
        /** __exit_signal / __unhash_process, run on the released task's own fields. */
        EXIT_SIGNAL(on(TaskCmd.ExitSignalDone.class, Release::exitSignalDone)),
        /** __unhash_process → detach_pid → free_pid: spin_lock_irqsave(&pidmap_lock), nested in both. */
        PIDMAP_LOCK(on(LockActor.Granted.class, (t, s, g) -> pidmapLocked(t, s, g.id()))),
        /** free_pid under pidmap_lock: the pid hash has let the number go. */
        FREE_PID(on(PidAllocator.PidReply.class, Release::pidFreed));

        private final PathStep.Continue next;

        At(PathStep.Continue next) {
            this.next = next;
        }

        @Override
        public PathStep.Continue next() {
            return next;
        }
    }

    private static Frame.Releasing frame(TaskState s) {
        return (Frame.Releasing) s.frame;
    }

    /**
     * Releases each task in {@code dead} in turn (the releaser may be one of them: autoreap), then
     * returns to {@code caller}: do_exit goes on to do_task_dead, do_wait returns the reaped child,
     * de_thread goes on with the exec.
     */
    public static void releaseAll(Task t, TaskState s, MsgId cause, List<ChildInfo> dead, String path, Frame caller) {
        releaseNext(t, s, cause, new Frame.Releasing(At.TASKLIST_LOCK, List.copyOf(dead), null, path, caller));
    }

    /** The next task of the queue (one frame change per step), or back to the caller. */
    private static void releaseNext(Task t, TaskState s, MsgId cause, Frame.Releasing f) {
        if (f.queue().isEmpty()) {
            if (f.caller() instanceof Frame.Exiting e) {
                Exit.doTaskDead(t, s, cause, e);
            } else if (f.caller() instanceof Frame.Execing x) {
                Exec.afterDeThread(t, s, cause, x);
            } else if (f.caller() instanceof Frame.Waiting w) {
                Wait.finish(t, s, cause, w, w.reaped());
            } else {
                t.warn(s, cause, "BUG_ON", "release_task", "no caller to return to from " + f.path());
            }
            return;
        }
        ChildInfo p = f.queue().get(0);
        t.enter(s, cause, f.at(At.TASKLIST_LOCK, p));
        if (t.env.scenario().has(Fault.RELEASE_TASK_NO_TASKLIST_LOCK)) {
            locked(t, s, cause); // the fault: no write_lock_irq(&tasklist_lock)
            return;
        }
        Locking.lock(t, s, LockCall.WRITE_LOCK_IRQ_TASKLIST, Locking.global(LockClass.TASKLIST_LOCK), releaseCtx(t, s));
    }

    private static Ctx releaseCtx(Task t, TaskState s) {
        return t.ctx(s, frame(s).path() + "/release_task");
    }

    /** Holding write_lock: __exit_signal takes the released task's siglock. */
    static void locked(Task t, TaskState s, MsgId cause) {
        Frame.Releasing f = frame(s);
        ChildInfo p = f.releasing();
        t.enter(s, cause, f.at(At.SIGLOCK, p));
        Locking.lock(t, s, LockCall.SPIN_LOCK_SIGLOCK, p.key(), releaseCtx(t, s).in("__exit_signal"));
    }

    /** Holding both: __exit_signal runs on the released task's own fields. */
    static void siglocked(Task t, TaskState s, MsgId cause) {
        Frame.Releasing f = frame(s);
        ChildInfo p = f.releasing();
        t.enter(s, cause, f.at(At.EXIT_SIGNAL, p));
        Ctx ctx = releaseCtx(t, s).in("__exit_signal");
        // sighand = rcu_dereference_check(tsk->sighand, lockdep_tasklist_lock_is_held())
        Locking.assertHeld(t, s, cause, LockClass.TASKLIST_LOCK, ctx);
        t.then(() -> p.ref().tell(new TaskCmd.ExitSignal(t.nextId(), ctx, t.self)));
    }

    /**
     * __exit_signal → __unhash_process (detach_pid, list_del_rcu(&p->tasks), list_del_init(&p->sibling))
     * and __cleanup_sighand, which frees sighand_struct on its last reference.
     */
    public static void exitSignal(Task t, TaskState s, TaskCmd.ExitSignal c) {
        String k = t.key();
        Ctx at = c.ctx();
        ActorRef<TaskCmd> reply = c.replyTo();
        if (s.unhashed) {
            // A second release_task of the same task: its pid and sighand would be put twice.
            t.warn(s, c.id(), "BUG_ON", "release_task", k + " (pid " + s.pid + ") released twice");
            t.then(() -> reply.tell(new TaskCmd.ExitSignalDone(t.nextId(), k, null)));
            return;
        }
        if (s.exitState != ExitState.DEAD) {
            // Only an EXIT_DEAD task is released: wait_task_zombie's cmpxchg, exit_notify's autoreap or
            // de_thread set it first (kernel/exit.c, fs/exec.c).
            t.warn(
                    s,
                    c.id(),
                    "BUG_ON",
                    "release_task",
                    k + " (pid " + s.pid + ") released while its exit_state is "
                            + (s.exitState == ExitState.NONE ? "0 (alive)" : s.exitState));
        }
        if (s.children.values().stream().anyMatch(ch -> ch.exitState() != ExitState.DEAD)) {
            // forget_original_parent moved every child to the new reaper before exit_state was set.
            t.warn(
                    s,
                    c.id(),
                    "WARN_ON",
                    "release_task",
                    k + " (pid " + s.pid + ") released with children still on its" + " list: " + s.children.keySet());
        }
        List<LedgerEntry> l = new ArrayList<>();
        Ctx cleanup = at.in("__exit_sighand/__cleanup_sighand");
        if (Shared.put(t, s, c.id(), s.objects.sighand(), cleanup)) {
            l.add(LedgerEntry.of(s.objects.sighand(), ObjType.SIGHAND_STRUCT, k, LedgerEvent.FREE, 0, k, cleanup));
        }
        t.event(s, new Unhashed(c.id(), l));
        int pid = s.pid;
        ActorRef<TaskCmd> parent = s.parent;
        boolean thread = !s.isLeader();
        ActorRef<TaskCmd> leader = s.leader;
        t.then(() -> {
            t.env.pids().tell(new PidAllocator.DetachPid(t.nextId(), pid, at.in("__unhash_process/detach_pid")));
            if (thread) {
                // list_del_rcu(&p->thread_node); the leader then tells release_task whether it goes too.
                leader.tell(new TaskCmd.ThreadUnlinked(t.nextId(), k, at, reply));
            } else {
                if (parent != null) parent.tell(new TaskCmd.ChildUnlinked(t.nextId(), k));
                reply.tell(new TaskCmd.ExitSignalDone(t.nextId(), k, null));
            }
        });
    }

    /** write_unlock; free_pids; release_thread; put_task_struct_rcu_user — then the next one. */
    static void exitSignalDone(Task t, TaskState s, TaskCmd.ExitSignalDone c) {
        Frame.Releasing f = frame(s);
        ChildInfo p = f.releasing();
        Ctx ctx = releaseCtx(t, s);
        List<ChildInfo> queue = new ArrayList<>(f.queue());
        queue.remove(0);
        // release_task: "p = leader; if (unlikely(zap_leader)) goto repeat;"
        if (c.alsoRelease() != null) queue.add(0, c.alsoRelease());
        t.enter(s, c.id(), f.queue(queue).at(At.PIDMAP_LOCK, p));
        Ctx free = ctx.in("__exit_signal/__unhash_process/detach_pid/free_pid");
        Locking.lock(t, s, LockCall.SPIN_LOCK_IRQSAVE_PIDMAP, Locking.global(LockClass.PIDMAP_LOCK), free);
    }

    /** Holding pidmap_lock: free_pid gives the number back. */
    static void pidmapLocked(Task t, TaskState s, MsgId cause) {
        Frame.Releasing f = frame(s);
        ChildInfo p = f.releasing();
        t.enter(s, cause, f.at(At.FREE_PID, p));
        Ctx free = releaseCtx(t, s).in("__exit_signal/__unhash_process/detach_pid/free_pid");
        t.then(() -> t.env.pids().tell(new PidAllocator.FreePid(t.nextId(), p.pid(), free, t.pidReplies)));
    }

    /**
     * free_pid returned: spin_unlock_irqrestore(&pidmap_lock), spin_unlock(&sighand->siglock),
     * write_unlock_irq(&tasklist_lock); put_task_struct_rcu_user; then the next task to release.
     */
    static void pidFreed(Task t, TaskState s, PidAllocator.PidReply r) {
        ChildInfo p = frame(s).releasing();
        Ctx ctx = releaseCtx(t, s);
        Locking.unlock(
                t, s, r.id(), LockClass.PIDMAP_LOCK, ctx.in("__exit_signal/__unhash_process/detach_pid/free_pid"));
        Locking.unlock(t, s, r.id(), LockClass.SIGLOCK, ctx.in("__exit_signal"));
        Locking.unlockIfHeld(t, s, r.id(), LockClass.TASKLIST_LOCK, ctx); // (not taken with the fault)
        t.then(() -> p.ref().tell(new TaskCmd.PutTaskStructRcuUser(t.nextId(), ctx.in("put_task_struct_rcu_user"))));
        releaseNext(t, s, r.id(), frame(s));
    }

    /** put_task_struct_rcu_user (kernel/exit.c): the last of the two rcu_users queues the RCU free. */
    public static void putTaskStructRcuUser(Task t, TaskState s, TaskCmd.PutTaskStructRcuUser c) {
        if (s.rcuUsers <= 0) {
            // refcount_dec_and_test on rcu_users at zero: lib/refcount.c "refcount_t: underflow; use-after-free".
            t.warn(
                    s,
                    c.id(),
                    "WARN_ON",
                    "put_task_struct_rcu_user",
                    t.key() + " rcu_users below zero (" + c.ctx().path() + ")");
            return;
        }
        int left = s.rcuUsers - 1;
        t.event(s, new RcuUserDropped(c.id(), left, c.ctx().path()));
        if (left == 0 && t.env.scenario().has(Fault.RELEASE_TASK_PUT_WITHOUT_RCU)) {
            // Fault RELEASE_TASK_PUT_WITHOUT_RCU (before "tasks: Add a count of task RCU users", v5.4): the
            // last put frees the task_struct now, without waiting for a grace period; an RCU reader that
            // found the task (the pid hash, the task list, rq->curr) still uses it.
            rcuCallback(t, s, new RcuCallback(c.id(), "delayed_put_task_struct", s.objects.taskStruct(), c.ctx()));
            return;
        }
        if (left == 0)
            t.callRcu("delayed_put_task_struct", s.objects.taskStruct(), c.ctx().in("call_rcu"));
    }

    /** finish_task_switch → put_task_stack → release_task_stack: the dead task's stack is freed now. */
    public static void putTaskStack(Task t, TaskState s, TaskCmd.PutTaskStack c) {
        if (!s.stackLive) {
            // stack_refcount already zero: refcount_dec_and_test underflows (lib/refcount.c WARN).
            t.warn(s, c.id(), "WARN_ON", "put_task_stack", t.key() + " kernel stack put after it was freed");
            return;
        }
        String k = t.key();
        t.event(
                s,
                new StackFreed(
                        c.id(),
                        List.of(LedgerEntry.of(
                                s.objects.kernelStack(),
                                ObjType.KERNEL_STACK,
                                k,
                                LedgerEvent.FREE,
                                0,
                                k,
                                c.ctx().in("release_task_stack/free_thread_stack")))));
    }

    /** The RCU callbacks of a task: delayed_put_task_struct, then (one more grace period) put_cred_rcu. */
    public static void rcuCallback(Task t, TaskState s, RcuCallback cb) {
        String k = t.key();
        Ctx at = cb.ctx();
        if (cb.function().equals("delayed_put_task_struct")) {
            putTaskStruct(t, s, cb.id(), at, k);
        } else if (cb.function().equals("put_cred_rcu")) {
            t.event(
                    s,
                    new CredFreed(
                            cb.id(),
                            List.of(LedgerEntry.of(s.objects.cred(), ObjType.CRED, k, LedgerEvent.FREE, 0, k, at))));
        }
    }

    /**
     * The vfork parent's put_task_struct(child) at the end of wait_for_vfork_done (kernel/fork.c): it
     * drops the reference kernel_clone took with get_task_struct(p), which kept the child's task_struct
     * (and its task_lock) alive for the parent's {@code child->vfork_done = NULL} even after the child
     * was reaped. The last put frees it here, on the parent's path.
     */
    public static void putTaskStructFromVforkParent(Task t, TaskState s, TaskCmd.PutTaskStruct c) {
        putTaskStruct(t, s, c.id(), c.ctx(), c.holder());
    }

    /**
     * put_task_struct (include/linux/sched/task.h): refcount_dec_and_test(&t->usage); the last reference
     * calls __put_task_struct → free_task. {@code holder} is whose reference it is: the task's own
     * (dup_task_struct's usage = 1, dropped by delayed_put_task_struct) or a vfork parent's.
     */
    private static void putTaskStruct(Task t, TaskState s, MsgId cause, Ctx at, String holder) {
        String k = t.key();
        if (!s.taskStructLive || s.usage <= 0) {
            // put_task_struct with usage already zero (include/linux/sched/task.h, lib/refcount.c).
            t.warn(s, cause, "WARN_ON", "put_task_struct", t.key() + " task_struct put below zero");
            return;
        }
        if (s.usage > 1) {
            // Another reference (a vfork parent's get_task_struct) keeps the task_struct for now.
            int left = s.usage - 1;
            t.event(
                    s,
                    new TaskStructRef(
                            cause,
                            left,
                            List.of(LedgerEntry.of(
                                    s.objects.taskStruct(),
                                    ObjType.TASK_STRUCT,
                                    k,
                                    LedgerEvent.PUT,
                                    left,
                                    holder,
                                    at.in("put_task_struct")))));
            return;
        }
        if (s.exitState == ExitState.NONE) {
            // kernel/fork.c __put_task_struct: WARN_ON(!tsk->exit_state).
            t.warn(s, cause, "WARN_ON", "__put_task_struct", t.key() + " freed while its exit_state is 0");
        }
        // put_task_struct: usage 1 → 0 → __put_task_struct.
        Ctx put = at.in("put_task_struct/__put_task_struct");
        List<LedgerEntry> l = new ArrayList<>();
        Ctx putSignal = put.in("put_signal_struct");
        if (Shared.put(t, s, cause, s.objects.signal(), putSignal)) {
            l.add(LedgerEntry.of(
                    s.objects.signal(),
                    ObjType.SIGNAL_STRUCT,
                    k,
                    LedgerEvent.FREE,
                    0,
                    k,
                    putSignal.in("free_signal_struct")));
        }
        if (s.stackLive) {
            l.add(LedgerEntry.of(
                    s.objects.kernelStack(),
                    ObjType.KERNEL_STACK,
                    k,
                    LedgerEvent.FREE,
                    0,
                    k,
                    put.in("free_task/release_task_stack")));
        }
        l.add(LedgerEntry.of(
                s.objects.threadInfo(), ObjType.THREAD_INFO, k, LedgerEvent.FREE, 0, k, put.in("free_task")));
        l.add(LedgerEntry.of(
                s.objects.taskStruct(),
                ObjType.TASK_STRUCT,
                k,
                LedgerEvent.FREE,
                0,
                k,
                put.in("free_task/free_task_struct")));
        t.event(s, new TaskStructFreed(cause, l));
        // exit_creds → put_cred → __put_cred: the cred itself goes after another grace period.
        t.callRcu("put_cred_rcu", s.objects.cred(), put.in("exit_creds/put_cred/__put_cred/call_rcu"));
    }

    /** list_del_init(&p->sibling), on the parent: the released child leaves its children list. */
    public static void childUnlinked(Task t, TaskState s, TaskCmd.ChildUnlinked c) {
        if (s.children.containsKey(c.key())) t.event(s, new ChildRemoved(c.id(), c.key()));
    }
}
