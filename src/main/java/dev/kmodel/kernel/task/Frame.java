package dev.kmodel.kernel.task;

import akka.actor.typed.ActorRef;
import dev.kmodel.fs.Exec;
import dev.kmodel.fs.FileSyscalls;
import dev.kmodel.fs.FileTable;
import dev.kmodel.ipc.Sem;
import dev.kmodel.ipc.SysvIpc;
import dev.kmodel.kernel.exit.Exit;
import dev.kmodel.kernel.exit.Release;
import dev.kmodel.kernel.exit.Wait;
import dev.kmodel.kernel.fork.Fork;
import dev.kmodel.kernel.fork.Vfork;
import dev.kmodel.kernel.kthread.Kthread;
import dev.kmodel.kernel.locking.LockActor;
import dev.kmodel.kernel.pid.PidAllocator;
import dev.kmodel.kernel.signal.Signals;
import dev.kmodel.kernel.sys.Sys;
import dev.kmodel.mm.MmSyscalls;
import dev.kmodel.mm.MmuCmd;
import dev.kmodel.uapi.CloneFlags;
import dev.kmodel.uapi.Errno;
import java.util.List;

/**
 * The locals of the kernel path a task is in, one record per path: what the kernel keeps on the
 * task's kernel stack between the points where it waits (struct wait_opts for do_wait, the new
 * task for copy_process, ...). A task has at most one frame ({@code TaskState.frame}; null in user
 * mode); a path that calls another (release_task from do_exit, do_wait or de_thread) keeps its own
 * frame as the callee's {@code caller}. Every change is journaled ({@code FrameChanged}).
 */
public sealed interface Frame {
    /** Where the path waits now. */
    PathStep step();

    /**
     * kernel_clone → copy_process (kernel/fork.c), in the parent: the new task as it is built.
     * {@code kthreadRequester}: kthreadd's create_kthread completes that kthread_create.
     */
    record Forking(
            Fork.At step,
            String program,
            long flags,
            int exitSignal,
            ActorRef<TaskCmd> kthreadRequester,
            String childKey,
            ActorRef<TaskCmd> child,
            String childMm,
            int childPid,
            String childPidObject,
            int childNs,
            List<Integer> childNrs)
            implements Frame {
        public static Forking start(String program, long flags, int exitSignal, ActorRef<TaskCmd> kthreadRequester) {
            return new Forking(
                    Fork.At.DUP_TASK_STRUCT,
                    program,
                    flags,
                    exitSignal,
                    kthreadRequester,
                    null,
                    null,
                    null,
                    0,
                    null,
                    0,
                    List.of());
        }

        public Forking at(Fork.At s) {
            return new Forking(
                    s,
                    program,
                    flags,
                    exitSignal,
                    kthreadRequester,
                    childKey,
                    child,
                    childMm,
                    childPid,
                    childPidObject,
                    childNs,
                    childNrs);
        }

        public Forking spawned(String key, ActorRef<TaskCmd> ref) {
            return new Forking(
                    Fork.At.COPY_PROCESS_CHILD,
                    program,
                    flags,
                    exitSignal,
                    kthreadRequester,
                    key,
                    ref,
                    childMm,
                    childPid,
                    childPidObject,
                    childNs,
                    childNrs);
        }

        /** copy_mm's result: the child's mm (null: none, a kernel thread). */
        public Forking mm(String mm) {
            return new Forking(
                    Fork.At.ALLOC_PID,
                    program,
                    flags,
                    exitSignal,
                    kthreadRequester,
                    childKey,
                    child,
                    mm,
                    childPid,
                    childPidObject,
                    childNs,
                    childNrs);
        }

        public Forking pid(int pid, String object, int ns, List<Integer> nrs) {
            return new Forking(
                    Fork.At.TASKLIST_LOCK,
                    program,
                    flags,
                    exitSignal,
                    kthreadRequester,
                    childKey,
                    child,
                    childMm,
                    pid,
                    object,
                    ns,
                    List.copyOf(nrs));
        }

        /** The exit signal the child will get (with the fault clone-parent-exit-signal-early: read early). */
        public Forking withExitSignal(int sig) {
            return new Forking(
                    step,
                    program,
                    flags,
                    sig,
                    kthreadRequester,
                    childKey,
                    child,
                    childMm,
                    childPid,
                    childPidObject,
                    childNs,
                    childNrs);
        }

        public boolean has(long flag) {
            return (flags & flag) != 0;
        }

        public boolean thread() {
            return has(CloneFlags.CLONE_THREAD);
        }
    }

    /** wait_for_vfork_done (kernel/fork.c): the parent sleeps until the child execs or exits. */
    record Vforking(Vfork.At step, int childVpid, ActorRef<TaskCmd> child, boolean done) implements Frame {}

    /**
     * do_exit → exit_notify (kernel/exit.c). {@code groupDead}: exit_signals found the group dead
     * (null until a thread learns it from its leader); {@code zapped}: a namespace init already ran
     * zap_pid_ns_processes; {@code kids}: the children handed to the new reaper; {@code dead}: the
     * zombies it would not keep, which this task releases after the unlock.
     */
    record Exiting(
            Exit.At step,
            Boolean groupDead,
            boolean zapped,
            List<ChildInfo> kids,
            List<ChildInfo> dead,
            String reparentWhy)
            implements Frame {
        public static Exiting start(Exit.At step, Boolean groupDead) {
            return new Exiting(step, groupDead, false, List.of(), List.of(), null);
        }

        public Exiting at(Exit.At s) {
            return new Exiting(s, groupDead, zapped, kids, dead, reparentWhy);
        }

        public Exiting groupDead(boolean g) {
            return new Exiting(step, g, zapped, kids, dead, reparentWhy);
        }

        public Exiting markZapped() {
            return new Exiting(step, groupDead, true, kids, dead, reparentWhy);
        }

        public Exiting kids(List<ChildInfo> k) {
            return new Exiting(Exit.At.REPARENT, groupDead, zapped, List.copyOf(k), dead, reparentWhy);
        }

        /** Why the children go where they go (thread-group, subreaper, child-reaper), for the report. */
        public Exiting reparent(String why) {
            return new Exiting(step, groupDead, zapped, kids, dead, why);
        }

        public Exiting dead(List<ChildInfo> d) {
            return new Exiting(step, groupDead, zapped, kids, List.copyOf(d), reparentWhy);
        }

        public boolean isGroupDead() {
            return Boolean.TRUE.equals(groupDead);
        }
    }

    /**
     * do_wait (kernel/exit.c) with its struct wait_opts: {@code pid} as wo_type/wo_pid read it
     * (-1 any, 0 our group, < -1 a group, > 0 one child), {@code options} = wo_flags; {@code waitid}:
     * the answer is a siginfo; {@code reaper}: init's loop, which never gets ECHILD; {@code zapOf}: a
     * dying namespace init reaping in zap_pid_ns_processes, whose do_exit goes on when no child is
     * left. The rest is the scan: the children gathered from the other threads, the child being
     * claimed, the child reaped, and {@code rescan} (woken while scanning).
     */
    record Waiting(
            Wait.At step,
            long pid,
            int options,
            boolean waitid,
            boolean reaper,
            Exiting zapOf,
            boolean rescan,
            List<ChildInfo> gathered,
            int expect,
            int got,
            ChildInfo target,
            ChildInfo reaped)
            implements Frame {
        public static Waiting start(long pid, int options, boolean waitid, boolean reaper, Exiting zapOf) {
            return new Waiting(
                    Wait.At.READ_LOCK, pid, options, waitid, reaper, zapOf, false, List.of(), -1, 0, null, null);
        }

        public Waiting at(Wait.At s) {
            return new Waiting(s, pid, options, waitid, reaper, zapOf, rescan, gathered, expect, got, target, reaped);
        }

        public Waiting pid(long p) {
            return new Waiting(step, p, options, waitid, reaper, zapOf, rescan, gathered, expect, got, target, reaped);
        }

        public Waiting rescan(boolean r) {
            return new Waiting(step, pid, options, waitid, reaper, zapOf, r, gathered, expect, got, target, reaped);
        }

        public Waiting gathering(List<ChildInfo> g, int exp, int n) {
            return new Waiting(
                    Wait.At.GATHER_CHILDREN,
                    pid,
                    options,
                    waitid,
                    reaper,
                    zapOf,
                    rescan,
                    List.copyOf(g),
                    exp,
                    n,
                    target,
                    reaped);
        }

        public Waiting target(Wait.At s, ChildInfo c) {
            return new Waiting(s, pid, options, waitid, reaper, zapOf, rescan, gathered, expect, got, c, reaped);
        }

        public Waiting reaped(ChildInfo c) {
            return new Waiting(step, pid, options, waitid, reaper, zapOf, rescan, gathered, expect, got, target, c);
        }

        public boolean has(int option) {
            return (options & option) != 0;
        }
    }

    /**
     * release_task (kernel/exit.c) of each task in {@code queue} in turn (the releaser may be one of
     * them), then back to {@code caller}: do_exit goes on to do_task_dead, do_wait returns the reaped
     * child, de_thread goes on with the exec.
     */
    record Releasing(Release.At step, List<ChildInfo> queue, ChildInfo releasing, String path, Frame caller)
            implements Frame {
        public Releasing at(Release.At s, ChildInfo p) {
            return new Releasing(s, queue, p, path, caller);
        }

        public Releasing queue(List<ChildInfo> q) {
            return new Releasing(step, List.copyOf(q), releasing, path, caller);
        }
    }

    /**
     * execve (fs/exec.c): the image and its size; de_thread's answer once it came (null: still
     * waiting); the old leader whose place a non-leader thread takes.
     */
    record Execing(
            Exec.At step,
            String image,
            int pages,
            TaskCmd.DeThreadDone deThread,
            TaskCmd.Takeover takeover,
            String newMm)
            implements Frame {
        public Execing(Exec.At step, String image, int pages) {
            this(step, image, pages, null, null, null);
        }

        public Execing at(Exec.At s) {
            return new Execing(s, image, pages, deThread, takeover, newMm);
        }

        public Execing deThread(TaskCmd.DeThreadDone d) {
            return new Execing(step, image, pages, d, takeover, newMm);
        }

        public Execing takeover(TaskCmd.Takeover k) {
            return new Execing(Exec.At.TAKEOVER_LOCK, image, pages, deThread, k, newMm);
        }

        /** bprm_mm_init's new address space, which exec_mmap installs. */
        public Execing newMm(Exec.At s, String mm) {
            return new Execing(s, image, pages, deThread, takeover, mm);
        }
    }

    /**
     * kthread_create / kthread_stop (kernel/kthread.c) in the caller: the thread function to run, and
     * the answer once complete() delivered it (null: still waiting).
     */
    record Kthreading(Kthread.At step, String program, Long ret, Errno errno) implements Frame {
        public Kthreading at(Kthread.At s) {
            return new Kthreading(s, program, ret, errno);
        }

        public Kthreading answer(long r, Errno e) {
            return new Kthreading(step, program, r, e);
        }
    }

    /** kill(2) after the pid hash lookup, and sigaction(2) on a shared table (kernel/signal.c). */
    record Signalling(Signals.At step, int sig, PidAllocator.Lookup query, List<PidAllocator.Target> targets, int next)
            implements Frame {
        public Signalling(Signals.At step, int sig) {
            this(step, sig, null, List.of(), 0);
        }

        public Signalling at(Signals.At s) {
            return new Signalling(s, sig, query, targets, next);
        }

        /** Signalling {@code targets}, the {@code next}-th of them now (under its siglock). */
        public Signalling target(Signals.At s, List<PidAllocator.Target> all, int n) {
            return new Signalling(s, sig, query, all, n);
        }
    }

    /** setpgid(2) (kernel/sys.c): the group asked for, and the process whose group changes. */
    record Setpgid(Sys.At step, long pidArg, long pgidArg, int pgid, ActorRef<TaskCmd> target, boolean self)
            implements Frame {
        /** setpgid(pid, pgid) as called: the process is found under write_lock(tasklist_lock). */
        public static Setpgid called(long pid, long pgid) {
            return new Setpgid(Sys.At.TASKLIST_LOCK, pid, pgid, 0, null, false);
        }

        /** The process found, and the group asked for (a global number). */
        public Setpgid found(Sys.At s, int g, ActorRef<TaskCmd> t, boolean isSelf) {
            return new Setpgid(s, pidArg, pgidArg, g, t, isSelf);
        }

        public Setpgid pgid(int g) {
            return new Setpgid(Sys.At.CHANGE_PID, pidArg, pgidArg, g, target, self);
        }
    }

    /** setsid, getpgid, getpgrp, getsid (kernel/sys.c): waiting for the pid hash's answer. */
    record PgrpLookup(Sys.At step) implements Frame {}

    /** A system call that asks one actor one question (the MMU, the file table, SysV IPC, ...). */
    record Calling(Syscall step) implements Frame {}

    /** sigaction(2): the action to install once current->sighand->siglock is held. */
    record Sigaction(Signals.At step, int sig, SigAction action) implements Frame {
        public Sigaction at(Signals.At s) {
            return new Sigaction(s, sig, action);
        }
    }

    /** A page fault ({@code fault}) or mmap: what it asks of the MMU once it holds the mmap_lock. */
    record MmCalling(Syscall step, boolean fault, int pages, boolean write) implements Frame {
        public MmCalling at(Syscall s) {
            return new MmCalling(s, fault, pages, write);
        }
    }

    /** Where a system call of {@link Calling} waits. */
    enum Syscall implements PathStep {
        /** A page fault's mmap_read_lock (lock_mm_and_find_vma), mmap's mmap_write_lock_killable. */
        MMAP_LOCK(PathStep.Continue.on(LockActor.Granted.class, (t, s, g) -> MmSyscalls.locked(t, s, g.id()))),
        /** mmap / a page fault: the MMU's answer. */
        MM_CALL(PathStep.Continue.on(MmuCmd.MmReply.class, MmSyscalls::done)),
        /** semop, semctl, shmget: the SysV IPC actor's answer. */
        IPC_CALL(PathStep.Continue.on(SysvIpc.Reply.class, Sem::done)),
        /** open / close: the file table's answer. */
        FILE_CALL(PathStep.Continue.on(FileTable.Files.class, FileSyscalls::done)),
        /** fd_install / close in an fd table another task counts: its owner's answer. */
        FILE_SHARED(PathStep.Continue.on(TaskCmd.TableOpDone.class, FileSyscalls::tableOpDone)),
        /** sysctl kernel.pid_max: the pid allocator's answer. */
        SYSCTL(PathStep.Continue.on(PidAllocator.PidReply.class, Sys::sysctlDone)),
        /** unshare(CLONE_NEWPID): the new namespace. */
        UNSHARE(PathStep.Continue.on(PidAllocator.PidReply.class, Sys::unshareDone)),
        /** nanosleep, or user-mode work the CPU runs: over when the task runs again. */
        USER_WORK(PathStep.Continue.on(TaskCmd.RunStep.class, Interpreter::userWorkDone));

        private final PathStep.Continue next;

        Syscall(PathStep.Continue next) {
            this.next = next;
        }

        @Override
        public PathStep.Continue next() {
            return next;
        }
    }
}
