package dev.kmodel.kernel.fork;

import static dev.kmodel.kernel.task.PathStep.Continue.on;

import akka.actor.typed.ActorRef;
import dev.kmodel.ipc.Sem;
import dev.kmodel.kernel.Ctx;
import dev.kmodel.kernel.KernelCmd;
import dev.kmodel.kernel.MsgId;
import dev.kmodel.kernel.exit.Threads;
import dev.kmodel.kernel.kthread.Kthread;
import dev.kmodel.kernel.locking.LockActor;
import dev.kmodel.kernel.locking.LockCall;
import dev.kmodel.kernel.locking.LockClass;
import dev.kmodel.kernel.locking.Locking;
import dev.kmodel.kernel.pid.PidAllocator;
import dev.kmodel.kernel.sched.Cpu;
import dev.kmodel.kernel.signal.Signals;
import dev.kmodel.kernel.task.ChildInfo;
import dev.kmodel.kernel.task.ExitState;
import dev.kmodel.kernel.task.Frame;
import dev.kmodel.kernel.task.PathStep;
import dev.kmodel.kernel.task.SigAction;
import dev.kmodel.kernel.task.Task;
import dev.kmodel.kernel.task.TaskCmd;
import dev.kmodel.kernel.task.TaskEvent.*;
import dev.kmodel.kernel.task.TaskInit;
import dev.kmodel.kernel.task.TaskState;
import dev.kmodel.kernel.task.ThreadInfo;
import dev.kmodel.mm.MmuCmd;
import dev.kmodel.scenario.Fault;
import dev.kmodel.scenario.Step;
import dev.kmodel.uapi.CloneFlags;
import dev.kmodel.uapi.Errno;
import dev.kmodel.uapi.Sig;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * kernel/fork.c: kernel_clone → copy_process → wake_up_new_task, for fork = clone(SIGCHLD). The
 * parent drives the phases; the child's actor allocates its own objects (it owns them).
 */
public final class Fork {
    /** The call path of copy_process for the system call in progress (fork, vfork, clone). */
    private static String copyPath(TaskState s) {
        return kernelClonePath(s) + "/copy_process";
    }

    /** The system call's path down to kernel_clone. */
    static String kernelClonePath(TaskState s) {
        String call = switch (s.op) {
            case "vfork" -> "__x64_sys_vfork";
            case "clone", "thread" -> "__x64_sys_clone";
            case "clone3" -> "__x64_sys_clone3";
            case "create_kthread" -> "kthreadd/create_kthread/kernel_thread";
            default -> "__x64_sys_fork";
        };
        return call + "/kernel_clone";
    }

    private Fork() {}

    /** Where kernel_clone waits, for which answer, and the function that goes on with it. */
    public enum At implements PathStep {
        /** dup_task_struct → alloc_task_struct_node: the kernel's slab gives the new task's actor. */
        DUP_TASK_STRUCT(on(TaskCmd.Spawned.class, Fork::spawned)),
        /** The child's side of copy_process (copy_creds, copy_files, ...) is done. */
        COPY_PROCESS_CHILD(on(TaskCmd.Copied.class, Fork::copied)),
        /** copy_mm → dup_mm → dup_mmap: mmap_write_lock_killable(oldmm), so the VMAs copied do not change. */
        DUP_MMAP_LOCK(on(LockActor.Granted.class, (t, s, g) -> dupMmLocked(t, s, g.id()))),
        /** copy_mm → dup_mm. */
        COPY_MM(on(MmuCmd.MmReply.class, Fork::mmCopied)),
        /** alloc_pid: spin_lock_irq(&pidmap_lock). */
        PIDMAP_LOCK(on(LockActor.Granted.class, (t, s, g) -> pidmapLocked(t, s, g.id()))),
        /** alloc_pid: idr_alloc_cyclic in each namespace, under pidmap_lock. */
        ALLOC_PID(on(PidAllocator.PidReply.class, Fork::pidAllocated)),
        /** cgroup_can_fork → cgroup_threadgroup_change_begin: percpu_down_read(&cgroup_threadgroup_rwsem). */
        THREADGROUP_RWSEM(on(LockActor.Granted.class, (t, s, g) -> threadgroupLocked(t, s, g.id()))),
        /** write_lock_irq(&tasklist_lock) to link the child. */
        TASKLIST_LOCK(on(LockActor.Granted.class, (t, s, g) -> tasklistLocked(t, s, g.id()))),
        /** spin_lock(&current->sighand->siglock), nested in tasklist_lock: the child joins the lists. */
        SIGLOCK(on(LockActor.Granted.class, (t, s, g) -> linked(t, s, g.id()))),
        /**
         * Under tasklist_lock and siglock: does the child's pid namespace still admit tasks (PIDNS_ADDING)?
         * The pid namespace's state is the pid allocator's; the answer's errno is ENOMEM when it does not.
         */
        PIDNS_ADDING(on(PidAllocator.PidReply.class, Fork::pidnsChecked)),
        /**
         * Under tasklist_lock and siglock, from a thread that is not the leader: SIGNAL_GROUP_EXIT and,
         * for CLONE_PARENT, current->group_leader->exit_signal — the leader's answer.
         */
        LEADER_EXIT_SIGNAL(on(TaskCmd.LeaderExitSignal.class, Fork::leaderExitSignal));

        private final PathStep.Continue next;

        At(PathStep.Continue next) {
            this.next = next;
        }

        @Override
        public PathStep.Continue next() {
            return next;
        }
    }

    private static Frame.Forking frame(TaskState s) {
        return (Frame.Forking) s.frame;
    }

    /**
     * kernel_clone (kernel/fork.c) for fork (SIGCHLD), vfork (CLONE_VFORK | CLONE_VM) and clone (its
     * flags and exit signal): copy_process checks the flags, then starts with a task_struct.
     */
    public static void kernelClone(Task t, TaskState s, MsgId cause, Step st) {
        boolean clone3 = st.op().equals("clone3");
        long flags3 = clone3 ? CloneFlags.clone3Flags(st.list("flags")) : 0;
        long exitSignal3 = clone3 ? clone3ExitSignal(t, s, st) : 0;
        long flags = switch (st.op()) {
            case "vfork" -> CloneFlags.CLONE_VFORK | CloneFlags.CLONE_VM;
            case "clone" -> CloneFlags.of(st.list("flags"));
            case "clone3" -> flags3; // struct clone_args.flags: 64 bits (CLONE_CLEAR_SIGHAND is bit 32)
            case "thread" -> CloneFlags.THREAD;
            default -> 0;
        };
        int exitSignal = Sig.SIGCHLD;
        if (st.op().equals("clone")) {
            // kernel/fork.c: the exit signal must pass valid_signal (0.._NSIG), else EINVAL before any flag
            // is looked at, as clone3's copy_clone_args_from_user checks it (and clone(2) with the -mm patch
            // "kernel/fork: validate exit_signal in clone() syscall", 2026; released clone(2) took 65..255
            // from CSIGNAL and signalled nothing at exit).
            Object es = st.args().getOrDefault("exit-signal", "SIGCHLD");
            Integer arg = "none".equals(es) ? Integer.valueOf(0) : Sig.arg(es);
            if (arg == null || !Sig.valid(arg)) {
                t.ret(s, cause, 0, Errno.EINVAL, null);
                return;
            }
            exitSignal = arg;
        }
        if (clone3) exitSignal = (int) exitSignal3;
        // clone3: copy_clone_args_from_user and clone3_args_valid first, then kernel_clone's copy_process.
        Errno bad = clone3 ? CloneFlags.clone3ArgsValid(flags3, exitSignal3) : null;
        if (bad == null) bad = CloneFlags.check(flags, s.vpid == 1); // SIGNAL_UNKILLABLE: the init of its namespace
        // copy_process: a thread must be in the namespace its creator's children go to.
        if (bad == null && (flags & CloneFlags.CLONE_THREAD) != 0 && s.childNs >= 0 && s.childNs != s.nsId) {
            bad = Errno.EINVAL;
        }
        if (bad != null) {
            t.ret(s, cause, 0, bad, null);
            return;
        }
        clone(t, s, cause, flags, exitSignal, st.str("run", ""), null);
    }

    /**
     * struct clone_args.exit_signal as a scenario writes it: a signal name, a number, "$var", or none; 0
     * when absent (the structure is zeroed: no signal to the parent, a "clone" child for wait).
     */
    private static long clone3ExitSignal(Task t, TaskState s, Step st) {
        Object v = st.args().get("exit-signal");
        if (v == null || "none".equals(v)) return 0;
        if (v instanceof String name && !name.startsWith("$")) return Sig.parse(name);
        return t.resolveOr(s, st, "exit-signal", 0);
    }

    /** copy_process with checked flags: the child runs {@code program} (kernel_clone, or kthreadd's kernel_thread). */
    public static void clone(
            Task t,
            TaskState s,
            MsgId cause,
            long flags,
            int exitSignal,
            String program,
            ActorRef<TaskCmd> kthreadRequester) {
        // copy_process: a thread's exit_signal is -1 (it is released by itself, its parent never told).
        if ((flags & CloneFlags.CLONE_THREAD) != 0) exitSignal = -1;
        t.enter(s, cause, Frame.Forking.start(program, flags, exitSignal, kthreadRequester));
        Ctx ctx = t.ctx(s, copyPath(s) + "/dup_task_struct");
        ActorRef<TaskCmd> self = t.self;
        t.then(() -> t.env.kernel().tell(new KernelCmd.AllocTask(t.nextId(), ctx, self)));
    }

    /** The child's actor exists; it runs its side of copy_process. */
    static void spawned(Task t, TaskState s, TaskCmd.Spawned c) {
        Frame.Forking f = frame(s).spawned(c.key(), c.ref());
        t.enter(s, c.id(), f);
        String program = f.program();
        long flags = f.flags();
        boolean thread = f.thread();
        // CLONE_PARENT and CLONE_THREAD: the new task's real_parent is the caller's; CLONE_PARENT keeps the
        // caller's own exit signal.
        boolean sibling = thread || f.has(CloneFlags.CLONE_PARENT);
        int exitSignal = sibling && !thread ? s.exitSignal : f.exitSignal();
        if (sibling && !thread && t.env.scenario().has(Fault.CLONE_PARENT_EXIT_SIGNAL_EARLY)) {
            // Fault clone-parent-exit-signal-early (upstream fix b4e00444cab4, v5.10): copy_process takes
            // CLONE_PARENT's exit_signal from current->group_leader here, before write_lock_irq(&tasklist_lock);
            // a reparent of the caller in between (its parent exits) resets the caller's to SIGCHLD, but the
            // child keeps the old one under its new parent.
            f = f.withExitSignal(s.exitSignal);
            t.enter(s, c.id(), f);
        }
        // copy_files, copy_fs, copy_sighand, copy_signal, copy_semundo: with the flag, one more reference.
        Map<String, TaskInit.SharedRef> shared = new TreeMap<>();
        Ctx copy = t.ctx(s, copyPath(s));
        share(t, s, c, shared, flags, CloneFlags.CLONE_FILES, s.objects.filesStruct(), copy.in("copy_files"));
        share(t, s, c, shared, flags, CloneFlags.CLONE_FS, s.objects.fsStruct(), copy.in("copy_fs"));
        share(t, s, c, shared, flags, CloneFlags.CLONE_SIGHAND, s.objects.sighand(), copy.in("copy_sighand"));
        share(t, s, c, shared, flags, CloneFlags.CLONE_THREAD, s.objects.signal(), copy.in("copy_signal"));
        if ((flags & CloneFlags.CLONE_SYSVSEM) != 0) {
            // copy_semundo → get_undo_list: the list is allocated now if the caller has none yet.
            if (s.semUndo == null) Sem.getUndoList(t, s, c.id(), copy.in("copy_semundo/get_undo_list"));
            share(t, s, c, shared, flags, CloneFlags.CLONE_SYSVSEM, s.semUndo, copy.in("copy_semundo"));
        }
        TaskInit.Group group = thread ? new TaskInit.Group(s.leaderKey, Threads.leader(t, s), s.tgid) : null;
        TaskInit init = new TaskInit(
                c.key(),
                sibling ? s.parentKey : t.key(),
                sibling ? s.ppid : s.tgid,
                sibling ? s.parent : t.self,
                thread ? s.comm : program,
                program,
                Collections.unmodifiableMap(new TreeMap<>(s.vars)),
                Collections.unmodifiableMap(new TreeMap<>(
                        // clone3's CLONE_CLEAR_SIGHAND: copy_sighand → flush_signal_handlers(p, 0).
                        f.has(CloneFlags.CLONE_CLEAR_SIGHAND) ? flushSignalHandlers(s.sigactions) : s.sigactions)),
                s.fds.stream().filter(Objects::nonNull).toList(),
                s.pgid,
                s.sid,
                s.kthread,
                s.cpu,
                copyPath(s),
                s.hasChildSubreaper || s.isChildSubreaper,
                exitSignal,
                group,
                Map.copyOf(shared),
                s.rlimitCore,
                s.rlimitCoreMax);
        ActorRef<TaskCmd> child = c.ref();
        ActorRef<TaskCmd.Copied> reply = t.self.narrow();
        t.then(() -> child.tell(new TaskCmd.Start(t.nextId(), init, reply)));
    }

    /**
     * flush_signal_handlers(p, 0) (kernel/signal.c): every handler but SIG_IGN back to SIG_DFL, and
     * every sa_flags cleared (SA_NOCLDWAIT, SA_NOCLDSTOP too).
     */
    private static Map<Integer, SigAction> flushSignalHandlers(Map<Integer, SigAction> actions) {
        Map<Integer, SigAction> m = new TreeMap<>();
        actions.forEach((sig, a) -> m.put(sig, new SigAction(a.ignored() ? a.handler() : "SIG_DFL", false, false)));
        return m;
    }

    /** With {@code flag}, the child shares {@code object}: the creator takes the child's reference now. */
    private static void share(
            Task t,
            TaskState s,
            TaskCmd.Spawned c,
            Map<String, TaskInit.SharedRef> shared,
            long flags,
            int flag,
            String object,
            Ctx ctx) {
        if ((flags & flag) == 0 || object == null) return;
        shared.put(Shared.typeOf(object).kernelName, new TaskInit.SharedRef(object, Shared.owner(t, s, object)));
        Shared.get(t, s, c.id(), object, c.key(), c.ref(), ctx);
    }

    /** copy_mm → dup_mm: the child's address space, copy-on-write. */
    static void copied(Task t, TaskState s, TaskCmd.Copied c) {
        Frame.Forking f = frame(s).at(At.COPY_MM);
        t.enter(s, c.id(), f);
        String childKey = f.childKey();
        if (s.mm == null) {
            mmCopied(t, s, new MmuCmd.MmReply(c.id(), "dup_mm", null, null, true));
            return;
        }
        Ctx ctx = t.ctx(s, copyPath(s) + "/copy_mm");
        String mm = s.mm;
        if (f.has(CloneFlags.CLONE_VM)) {
            // CLONE_VM: the child shares this address space; mm_users + 1, nothing is copied.
            t.then(() -> t.env.mmu().tell(new MmuCmd.Mmget(t.nextId(), mm, "users:" + childKey, ctx.in("mmget"))));
            mmCopied(t, s, new MmuCmd.MmReply(c.id(), "mmget", mm, null, true));
            return;
        }
        t.enter(s, c.id(), f.at(At.DUP_MMAP_LOCK));
        Locking.lock(t, s, LockCall.MMAP_WRITE_LOCK, mm, ctx.in("dup_mm/dup_mmap"));
    }

    /** Holding the parent's mmap_lock for write: the MMU copies the address space. */
    static void dupMmLocked(Task t, TaskState s, MsgId cause) {
        Frame.Forking f = frame(s).at(At.COPY_MM);
        t.enter(s, cause, f);
        String mm = s.mm, childKey = f.childKey();
        Ctx ctx = t.ctx(s, copyPath(s) + "/copy_mm");
        t.then(() -> t.env.mmu().tell(new MmuCmd.DupMm(t.nextId(), mm, childKey, ctx, t.mmReplies)));
    }

    /** alloc_pid (kernel/pid.c), after copy_mm, copy_namespaces, copy_io, copy_thread: pidmap_lock first. */
    static void mmCopied(Task t, TaskState s, MmuCmd.MmReply r) {
        // (no mm to copy, or CLONE_VM: dup_mmap never took it)
        Locking.unlockIfHeld(t, s, r.id(), LockClass.MMAP_LOCK, t.ctx(s, copyPath(s) + "/copy_mm/dup_mm/dup_mmap"));
        Frame.Forking f = frame(s).mm(r.mm()).at(At.PIDMAP_LOCK);
        t.enter(s, r.id(), f);
        LockCall lock = t.env.scenario().has(Fault.PIDMAP_LOCK_IRQS_ON)
                ? LockCall.SPIN_LOCK_IRQ_PIDMAP.irqsOn()
                : LockCall.SPIN_LOCK_IRQ_PIDMAP;
        Locking.lock(t, s, lock, Locking.global(LockClass.PIDMAP_LOCK), t.ctx(s, copyPath(s) + "/alloc_pid"));
    }

    /** Holding pidmap_lock: the pid allocator gives a number in each namespace. */
    static void pidmapLocked(Task t, TaskState s, MsgId cause) {
        Frame.Forking f = frame(s).at(At.ALLOC_PID);
        t.enter(s, cause, f);
        String childKey = f.childKey();
        Ctx ctx = t.ctx(s, copyPath(s));
        // copy_namespaces: CLONE_NEWPID gives the child a new pid namespace (create_pid_namespace).
        boolean newNs = f.has(CloneFlags.CLONE_NEWPID);
        int ns = s.childNs >= 0 ? s.childNs : s.nsId; // nsproxy->pid_ns_for_children
        t.then(() -> t.env.pids().tell(new PidAllocator.AllocPid(t.nextId(), childKey, ctx, t.pidReplies, ns, newNs)));
    }

    /** bad_fork_cleanup_*: everything copy_process allocated for the child is released; the call fails. */
    private static void badForkCleanup(Task t, TaskState s, MsgId cause, Frame.Forking f, Errno errno) {
        ActorRef<TaskCmd> child = f.child();
        String mm = f.childMm();
        Ctx ctx = t.ctx(s, copyPath(s) + "/bad_fork_cleanup");
        t.then(() -> child.tell(new TaskCmd.ForkFailed(t.nextId(), mm, ctx)));
        Kthread.created(t, s, f, 0, errno);
        t.ret(s, cause, 0, errno, null);
    }

    /** With a pid, link the child under write_lock_irq(&tasklist_lock); without one, undo (EAGAIN). */
    static void pidAllocated(Task t, TaskState s, PidAllocator.PidReply r) {
        Frame.Forking f = frame(s);
        Locking.unlock(t, s, r.id(), LockClass.PIDMAP_LOCK, t.ctx(s, copyPath(s) + "/alloc_pid"));
        Errno errno = r.errno();
        if (errno != null) {
            badForkCleanup(t, s, r.id(), f, errno);
            return;
        }
        t.enter(s, r.id(), f.pid(r.pid(), r.object(), r.ns(), r.nrs()).at(At.THREADGROUP_RWSEM));
        Ctx ctx = t.ctx(s, copyPath(s) + "/cgroup_can_fork/cgroup_threadgroup_change_begin");
        Locking.lock(t, s, LockCall.THREADGROUP_CHANGE_BEGIN, Locking.global(LockClass.CGROUP_THREADGROUP_RWSEM), ctx);
    }

    /** The thread group cannot change under us: write_lock_irq(&tasklist_lock). */
    static void threadgroupLocked(Task t, TaskState s, MsgId cause) {
        t.enter(s, cause, frame(s).at(At.TASKLIST_LOCK));
        Locking.lock(
                t, s, LockCall.WRITE_LOCK_IRQ_TASKLIST, Locking.global(LockClass.TASKLIST_LOCK), t.ctx(s, copyPath(s)));
    }

    /** Holding tasklist_lock: spin_lock(&current->sighand->siglock) before the child goes on the lists. */
    static void tasklistLocked(Task t, TaskState s, MsgId cause) {
        t.enter(s, cause, frame(s).at(At.SIGLOCK));
        Locking.lock(t, s, LockCall.SPIN_LOCK_SIGLOCK, t.key(), t.ctx(s, copyPath(s)));
    }

    /** Under write_lock(tasklist_lock) and siglock: attach_pid, link to the parent's children; then wake_up_new_task. */
    static void linked(Task t, TaskState s, MsgId cause) {
        Frame.Forking f = frame(s);
        boolean killed = Signals.fatalPending(s);
        if (t.env.scenario().has(Fault.FORK_NO_FATAL_SIGNAL_CHECK)) {
            // Fault fork-no-fatal-signal-check (upstream fix 7673bf553b27, v4.19): no "let kill terminate
            // clone/fork in the middle" test under siglock; the child is linked although current will die.
            killed = false;
        } else if (t.env.scenario().has(Fault.FORK_PGRP_KILL_NOT_ATOMIC)) {
            // Fault fork-pgrp-kill-not-atomic (upstream fix 4a2c7a7837da, v2.6.17): the pre-fix copy_process
            // only looked for a pending SIGKILL; any other signal that came in during the fork (a kill(-pgrp)
            // that found the parent but not yet the child) neither restarts the fork nor reaches the child.
            killed = s.pending.contains(Sig.SIGKILL);
        }
        if (killed) {
            // Under siglock: "a fatal signal pending means that current will exit, so the new thread can't
            // slip out of" the kill — bad_fork_cancel_cgroup drops the locks, bad_fork_free_pid the pid,
            // and clone fails with EINTR.
            Ctx ctx = t.ctx(s, copyPath(s));
            Locking.unlock(t, s, cause, LockClass.SIGLOCK, ctx);
            Locking.unlock(t, s, cause, LockClass.TASKLIST_LOCK, ctx);
            Locking.unlock(t, s, cause, LockClass.CGROUP_THREADGROUP_RWSEM, ctx.in("bad_fork_cancel_cgroup"));
            int pid = f.childPid();
            Ctx free = t.ctx(s, copyPath(s) + "/bad_fork_free_pid");
            t.then(() -> t.env.pids().tell(new PidAllocator.FreePid(t.nextId(), pid, free.in("free_pid"))));
            badForkCleanup(t, s, cause, f, Errno.EINTR);
            return;
        }
        // "Don't start children in a dying pid namespace": checked under the locks (fix 3fd372262166), so
        // zap_pid_ns_processes, which clears PIDNS_ADDING and then SIGKILLs under tasklist_lock, either
        // makes this fork fail or finds the child hashed. A child that starts a new namespace is its init.
        if (f.childNs() != 0 && !f.has(CloneFlags.CLONE_NEWPID)) {
            if (t.env.scenario().has(Fault.FORK_PIDNS_CHECK_BEFORE_TASKLIST_LOCK)) {
                // Fault fork-pidns-check-before-tasklist-lock (upstream fix 3fd372262166, v4.12): only
                // alloc_pid's earlier test of PIDNS_ADDING, under pidmap_lock, stands; a zap between it and
                // this point misses the child, which is attached into the dying namespace.
                attach(t, s, cause);
                return;
            }
            t.enter(s, cause, f.at(At.PIDNS_ADDING));
            int ns = f.childNs();
            t.then(() -> t.env.pids().tell(new PidAllocator.NsAdding(t.nextId(), ns, t.pidReplies)));
            return;
        }
        attach(t, s, cause);
    }

    /** The pid namespace's answer, under tasklist_lock and siglock: ENOMEM if it no longer admits tasks. */
    static void pidnsChecked(Task t, TaskState s, PidAllocator.PidReply r) {
        if (r.errno() != null) {
            cancel(t, s, r.id(), frame(s), r.errno());
            return;
        }
        attach(t, s, r.id());
    }

    /**
     * bad_fork_cancel_cgroup under tasklist_lock and siglock: the locks are dropped, bad_fork_free_pid
     * frees the pid and the call fails with {@code errno}.
     */
    private static void cancel(Task t, TaskState s, MsgId cause, Frame.Forking f, Errno errno) {
        Ctx ctx = t.ctx(s, copyPath(s));
        Locking.unlock(t, s, cause, LockClass.SIGLOCK, ctx);
        Locking.unlock(t, s, cause, LockClass.TASKLIST_LOCK, ctx);
        Locking.unlock(t, s, cause, LockClass.CGROUP_THREADGROUP_RWSEM, ctx.in("bad_fork_cancel_cgroup"));
        int pid = f.childPid();
        Ctx free = t.ctx(s, copyPath(s) + "/bad_fork_free_pid");
        t.then(() -> t.env.pids().tell(new PidAllocator.FreePid(t.nextId(), pid, free.in("free_pid"))));
        badForkCleanup(t, s, cause, f, errno);
    }

    /**
     * Still under the locks. copy_process (kernel/fork.c), for CLONE_PARENT: "p->exit_signal =
     * current->group_leader->exit_signal" — the leader's, not the caller's: a thread that is not the
     * leader has -1 of its own, and its CLONE_PARENT child must not inherit that (it would be a
     * non-thread child that never signals its parent, and is reaped only with __WALL/__WCLONE). The model's
     * leader keeps its exit_signal, so such a thread asks it.
     */
    private static void attach(Task t, TaskState s, MsgId cause) {
        Frame.Forking f = frame(s);
        // copy_process's fatal_signal_pending(current) under siglock, for a thread that is not the leader.
        // complete_signal sets SIGNAL_GROUP_EXIT and adds SIGKILL to every thread's pending set under the
        // siglock kill(2) holds, so a fork whose siglock section comes after the kill's fails. The model's
        // kill sends the signal to the leader under that siglock, and the leader zaps the threads when it
        // handles it: this thread's own pending set may still be empty. The leader keeps signal_struct
        // (SIGNAL_GROUP_EXIT) and the kill's message is ahead of ours in its mailbox (sent before the
        // kill's unlock, which came before our grant), so its answer counts every kill we come after.
        boolean askLeader =
                !s.isLeader() && s.leader != null && !t.env.scenario().has(Fault.FORK_NO_FATAL_SIGNAL_CHECK);
        if (askLeader
                || f.has(CloneFlags.CLONE_PARENT)
                        && !f.thread()
                        && !s.isLeader()
                        && s.leader != null
                        && !t.env.scenario().has(Fault.CLONE_PARENT_EXIT_SIGNAL_EARLY)) {
            t.enter(s, cause, f.at(At.LEADER_EXIT_SIGNAL));
            ActorRef<TaskCmd> leader = s.leader;
            t.then(() -> leader.tell(new TaskCmd.GroupLeaderExitSignal(t.nextId(), t.self)));
            return;
        }
        attachLinked(t, s, cause, s.exitSignal);
    }

    /**
     * The leader's answer, read while we hold tasklist_lock (which reparent_leader needs to change its
     * exit_signal) and siglock: with SIGNAL_GROUP_EXIT set, SIGKILL is pending for us too — "let kill
     * terminate clone/fork in the middle": EINTR.
     */
    static void leaderExitSignal(Task t, TaskState s, TaskCmd.LeaderExitSignal c) {
        if (c.groupExit() && !t.env.scenario().has(Fault.FORK_NO_FATAL_SIGNAL_CHECK)) {
            cancel(t, s, c.id(), frame(s), Errno.EINTR);
            return;
        }
        attachLinked(t, s, c.id(), c.exitSignal());
    }

    /** attach_pid, link to the parent's children; then wake_up_new_task. */
    private static void attachLinked(Task t, TaskState s, MsgId cause, int groupLeaderExitSignal) {
        Frame.Forking f = frame(s);
        ActorRef<TaskCmd> child = f.child();
        String childKey = f.childKey();
        int pid = f.childPid();
        String pidObj = f.childPidObject();
        String mm = f.childMm();
        String program = f.program();
        boolean thread = f.thread();
        boolean sibling = f.has(CloneFlags.CLONE_PARENT);
        // CLONE_PARENT: the caller's exit_signal as it is now, under tasklist_lock (with the fault: the one
        // read before the lock, kept in the frame).
        int exitSignal = sibling && !t.env.scenario().has(Fault.CLONE_PARENT_EXIT_SIGNAL_EARLY)
                ? groupLeaderExitSignal
                : f.exitSignal();
        // The child's numbers: in its own namespace, and as the creator's namespace sees it (what clone returns).
        int childNs = f.childNs();
        List<Integer> nrs = f.childNrs();
        int seen = nrs.get(Math.min(s.nsLevel, nrs.size() - 1));
        boolean newNs = childNs != s.nsId;
        int vpid = nrs.get(nrs.size() - 1);
        // The namespace's child reaper: the child itself if it is pid 1 there; else whoever is.
        boolean isInit = vpid == 1 && newNs;
        if (isInit && s.childNs == childNs) t.event(s, new ChildNsReaperSet(cause, childKey, child, pid));
        String reaperKey = isInit ? childKey : newNs ? s.childNsReaperKey : s.nsReaperKey;
        ActorRef<TaskCmd> reaper = isInit ? child : newNs ? s.childNsReaper : s.nsReaper;
        int reaperPid = isInit ? pid : newNs ? s.childNsReaperPid : s.nsReaperPid;
        TaskCmd.NsView view = new TaskCmd.NsView(
                childNs,
                nrs.size() - 1,
                vpid,
                thread ? s.vtgid : vpid,
                newNs ? 0 : thread || sibling ? s.vppid : s.vtgid,
                reaperKey,
                reaper,
                reaperPid);
        ChildInfo info = new ChildInfo(childKey, pid, child, s.pgid, exitSignal, ExitState.NONE, 0).withVpid(seen);
        // Fault clone-thread-attach-outside-siglock (upstream fix 3f17da699431, v2.6.17): copy_process made its
        // SIGNAL_GROUP_EXIT test under siglock but put the thread on the group's list (attach_pid TGID) only
        // after dropping it: the leader gets the test now and the insertion from the new thread as it is
        // attached, so a group SIGKILL's complete_signal in between zaps the list without it.
        boolean lateJoin = thread && !s.isLeader() && t.env.scenario().has(Fault.CLONE_THREAD_ATTACH_OUTSIDE_SIGLOCK);
        if (thread) {
            // A thread is on its group's list, not on any children list.
            ThreadInfo th = new ThreadInfo(childKey, pid, child, false);
            if (lateJoin) {
                ActorRef<TaskCmd> leader = s.leader;
                t.then(() -> leader.tell(new TaskCmd.ThreadLinked(t.nextId(), th, true, false)));
            } else if (s.isLeader()) {
                Threads.threadLinked(t, s, new TaskCmd.ThreadLinked(cause, th));
            } else {
                ActorRef<TaskCmd> leader = s.leader;
                t.then(() -> leader.tell(new TaskCmd.ThreadLinked(t.nextId(), th)));
            }
        } else if (sibling) {
            // CLONE_PARENT: list_add_tail(&p->sibling, &p->real_parent->children) on our parent's list.
            ActorRef<TaskCmd> grandparent = s.parent;
            t.then(() -> grandparent.tell(new TaskCmd.ChildLinked(t.nextId(), info)));
        } else {
            t.event(s, new ChildAdded(cause, info));
        }
        Ctx ctx = t.ctx(s, copyPath(s));
        int pgid = s.pgid, sid = s.sid;
        int realParent = sibling || thread ? s.ppid : s.tgid;
        int tgid = thread ? s.tgid : 0;
        boolean vfork = f.has(CloneFlags.CLONE_VFORK);
        ActorRef<TaskCmd> vforkParent = vfork ? t.self : null;
        ActorRef<TaskCmd> joinGroup = lateJoin ? s.leader : null;
        if (lateJoin)
            Locking.unlock(t, s, cause, LockClass.SIGLOCK, ctx); // before attach_pid, still under tasklist_lock
        // p->real_parent, p->exit_signal and has_child_subreaper as copy_process sets them under the lock.
        TaskCmd.Link link = new TaskCmd.Link(
                sibling || thread ? s.parentKey : t.key(),
                realParent,
                sibling || thread ? s.parent : t.self,
                exitSignal,
                s.hasChildSubreaper || s.isChildSubreaper);
        t.then(() -> {
            child.tell(new TaskCmd.Attach(
                    t.nextId(), pid, tgid, view, pidObj, mm, pgid, sid, vforkParent, ctx, link, joinGroup));
            t.env.pids()
                    .tell(new PidAllocator.AttachPid(
                            t.nextId(),
                            pid,
                            tgid == 0 ? pid : tgid,
                            childKey,
                            program,
                            pgid,
                            sid,
                            realParent,
                            child,
                            ctx.in("attach_pid")));
        });
        // spin_unlock(&current->sighand->siglock); write_unlock_irq(&tasklist_lock); cgroup_post_fork →
        // cgroup_threadgroup_change_end.
        if (!lateJoin) Locking.unlock(t, s, cause, LockClass.SIGLOCK, ctx);
        Locking.unlock(t, s, cause, LockClass.TASKLIST_LOCK, ctx);
        Locking.unlock(t, s, cause, LockClass.CGROUP_THREADGROUP_RWSEM, ctx.in("cgroup_post_fork"));
        // wake_up_new_task: select_task_rq picks the CPU whose runqueue the child joins.
        int cpu = t.selectTaskRq();
        Cpu.Rq rq = new Cpu.Rq(childKey, pid, child, mm);
        t.then(() -> t.cpu(cpu).tell(new Cpu.Enqueue(t.nextId(), rq)));
        if (vfork) {
            // wait_for_vfork_done: the parent sleeps until the child execs or exits (mm_release).
            t.enter(s, cause, new Frame.Vforking(Vfork.At.VFORK_DONE, seen, child, false));
            t.event(s, new Slept(cause, "wait_for_vfork_done"));
            t.yieldCpu(s, Cpu.Yield.BLOCK, 0);
            return;
        }
        Kthread.created(t, s, f, seen, null);
        t.ret(s, cause, seen, null, null);
    }
}
