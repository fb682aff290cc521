package dev.kmodel.kernel.task;

import akka.actor.typed.ActorRef;
import dev.kmodel.kernel.Ctx;
import dev.kmodel.kernel.KEvent;
import dev.kmodel.kernel.MsgId;
import dev.kmodel.kernel.irq.IrqKind;
import dev.kmodel.kernel.locking.HeldLock;
import dev.kmodel.kernel.locking.LockClass;
import dev.kmodel.ledger.LedgerEntry;
import dev.kmodel.ledger.Ledgered;
import dev.kmodel.uapi.Siginfo;
import dev.kmodel.uapi.WaitStatus;
import java.util.List;

/** What happened to one task, in the past tense and kernel words (design §3). */
public sealed interface TaskEvent extends KEvent, Ledgered {

    @Override
    default List<LedgerEntry> ledger() {
        return List.of();
    }

    // ---- creation -----------------------------------------------------------------------------

    /** copy_process on the new task's side: its objects allocated (dup_task_struct, copy_*). */
    record Created(MsgId cause, TaskInit init, Owned objects, List<LedgerEntry> ledger) implements TaskEvent {}

    /** The task's own objects. */
    record Owned(
            String taskStruct,
            String kernelStack,
            String threadInfo,
            String cred,
            String filesStruct,
            String fsStruct,
            String sighand,
            String signal,
            String nsproxy) {
        /** unshare_files: the task's own copy of the fd table. */
        public Owned withFilesStruct(String files) {
            return new Owned(taskStruct, kernelStack, threadInfo, cred, files, fsStruct, sighand, signal, nsproxy);
        }

        /** unshare_sighand: the task's own copy of the signal actions. */
        public Owned withSighand(String sh) {
            return new Owned(taskStruct, kernelStack, threadInfo, cred, filesStruct, fsStruct, sh, signal, nsproxy);
        }
    }

    /** Linked into the tree under tasklist_lock: pid, address space, process group. */
    record Attached(
            MsgId cause,
            int pid,
            int tgid,
            TaskCmd.NsView ns,
            String pidObject,
            String mm,
            int pgid,
            int sid,
            ActorRef<TaskCmd> vforkParent,
            TaskCmd.Link link)
            implements TaskEvent {}

    /** mm_release: the vfork parent was told (complete(vfork_done)). */
    record VforkReleased(MsgId cause) implements TaskEvent {}

    /** begin_new_exec: a new mm, the new program and comm, caught signals reset to SIG_DFL. */
    record Execed(MsgId cause, String program, String comm, String mm, String oldMm) implements TaskEvent {}

    /** copy_process failed: everything it allocated for this task is freed (bad_fork_* labels). */
    record ForkUndone(MsgId cause, List<LedgerEntry> ledger) implements TaskEvent {}

    // ---- running the program ------------------------------------------------------------------

    record RanOn(MsgId cause, int cpu) implements TaskEvent {}

    record SyscallEntered(MsgId cause, int step, String op) implements TaskEvent {}

    /**
     * The system call returned to user space. {@code pc} and {@code loops} are where the program goes on.
     * {@code status} is set for the wait family.
     */
    record SyscallReturned(
            MsgId cause,
            int step,
            String op,
            long ret,
            String errno,
            WaitStatus status,
            String var,
            int pc,
            List<int[]> loops,
            Siginfo siginfo)
            implements TaskEvent {}

    /** Entered a repeat block, or went round it again, or left it. */
    record Looped(MsgId cause, int pc, List<int[]> loops) implements TaskEvent {}

    /** A kernel path moved on: its frame (its locals and the step where it waits) is now {@code frame}. */
    record FrameChanged(MsgId cause, Frame frame) implements TaskEvent {}

    /**
     * A kernel invariant did not hold where Linux checks it (WARN_ON / BUG_ON), or a message arrived
     * where no path waits for it ({@code check} = "protocol"): a violation in the report.
     */
    record Warned(MsgId cause, String check, String function, String detail) implements TaskEvent {}

    /**
     * An answer came after the path that asked for it had moved on, in a race the kernel itself
     * tolerates; {@code why} gives the kernel's reasoning. Journaled, so explain and replay show it.
     */
    record LateAnswerIgnored(MsgId cause, String answer, String why) implements TaskEvent {}

    /**
     * lock_acquire: the task holds {@code lock} (its held-lock stack grows). {@code hardirqsOn}: interrupts
     * were enabled just before it was taken (lockdep's HARDIRQ-ON usage); {@code waited}: it was contended.
     */
    record LockAcquired(MsgId cause, HeldLock lock, int cpu, boolean hardirqsOn, boolean waited) implements TaskEvent {}

    /** lock_release: {@code function} ({@code write_unlock_irq}, ...) released the innermost lock of the class. */
    record LockReleased(MsgId cause, LockClass cls, String instance, String function, String path, int cpu)
            implements TaskEvent {}

    /** A release of a lock this task does not hold (lockdep: bad unlock balance). Nothing is released. */
    record LockNotHeld(MsgId cause, LockClass cls, String function, String path) implements TaskEvent {}

    /**
     * lockdep_assert_held / rcu_dereference_check(..., lockdep_is_held(...)) failed: {@code function}
     * reads what {@code cls} guards without holding it.
     */
    record LockAssertFailed(MsgId cause, LockClass cls, String function, String path) implements TaskEvent {}

    /** A sleeping lock (mutex, rw_semaphore) was contended: the task sleeps until the lock is handed to it. */
    record LockSlept(MsgId cause, LockClass cls, String instance) implements TaskEvent {}

    /**
     * A fatal signal woke a task from a killable (or interruptible) wait for a sleeping lock: it leaves
     * the queue (if the lock was handed to it meanwhile, it releases it at once) and dies.
     */
    record LockWaitCancelled(MsgId cause, LockClass cls, String instance) implements TaskEvent {}

    /** The sleeping lock was handed over while the task slept: it runs again when its CPU picks it. */
    record LockWoken(MsgId cause) implements TaskEvent {}

    /** The CPU took an interrupt between two steps of this task's kernel path (hardirq context on its stack). */
    record IrqEntered(MsgId cause, IrqKind kind, int cpu, String interrupted) implements TaskEvent {}

    /** The interrupt handler returned; the interrupted path goes on with the answer it had received. */
    record IrqExited(MsgId cause, IrqKind kind) implements TaskEvent {}

    record Slept(MsgId cause, String in) implements TaskEvent {}

    /** A signal cut a nanosleep short with {@code left} ticks to go (restart_block). */
    record SleepInterrupted(MsgId cause, long left) implements TaskEvent {}

    /** The interrupted nanosleep goes on (restart_nanosleep). */
    record SleepRestarted(MsgId cause, long left) implements TaskEvent {}

    record Woken(MsgId cause, String by) implements TaskEvent {}

    // ---- fork (parent side) -------------------------------------------------------------------

    record ChildAdded(MsgId cause, ChildInfo child) implements TaskEvent {}

    record ChildChanged(MsgId cause, ChildInfo child) implements TaskEvent {}

    record ChildRemoved(MsgId cause, String key) implements TaskEvent {}

    // ---- memory, files, misc syscalls ---------------------------------------------------------

    record FilesOpened(MsgId cause, List<String> files) implements TaskEvent {}

    record FileClosed(MsgId cause, int fd) implements TaskEvent {}

    record TaskWorkQueued(MsgId cause, List<String> files) implements TaskEvent {}

    record TaskWorkRan(MsgId cause, List<String> files) implements TaskEvent {}

    record SigactionSet(MsgId cause, int sig, SigAction action) implements TaskEvent {}

    record PgidSet(MsgId cause, int pgid, int sid) implements TaskEvent {}

    /** prctl(PR_SET_CHILD_SUBREAPER): signal->is_child_subreaper. */
    record SubreaperSet(MsgId cause, boolean on) implements TaskEvent {}

    /** propagate_has_child_subreaper: an ancestor became a subreaper. */
    record HasChildSubreaperSet(MsgId cause) implements TaskEvent {}

    /** prctl(PR_SET_PDEATHSIG): task->pdeath_signal (0 clears it). */
    record PdeathSignalSet(MsgId cause, int sig) implements TaskEvent {}

    /** setrlimit / prlimit64: signal->rlim[resource] (soft {@code cur}, hard {@code max}; -1 = RLIM_INFINITY). */
    record RlimitSet(MsgId cause, int resource, long cur, long max) implements TaskEvent {}

    /**
     * do_coredump (fs/coredump.c) for a fatal {@code sig} of sig_kernel_coredump: {@code dumped} when
     * RLIMIT_CORE ({@code limit}, -1 = RLIM_INFINITY) is at least the ELF binfmt's min_coredump.
     */
    record CoreDumped(MsgId cause, int sig, long limit, boolean dumped) implements TaskEvent {}

    record SemUndoAllocated(MsgId cause, String object, List<LedgerEntry> ledger) implements TaskEvent {}

    // ---- signals ------------------------------------------------------------------------------

    /** A signal arrived; {@code disposition}: pending (caught), ignored, fatal, stop, or continue. */
    record SignalReceived(MsgId cause, int sig, int from, String disposition) implements TaskEvent {}

    record SignalsDelivered(MsgId cause, List<Integer> sigs) implements TaskEvent {}

    /** prepare_signal: a stop signal discards pending SIGCONT, SIGCONT discards pending stops. */
    record SignalsDiscarded(MsgId cause, List<Integer> sigs) implements TaskEvent {}

    /** do_signal_stop: TASK_STOPPED; the parent hears CLD_STOPPED. */
    record Stopped(MsgId cause, int sig) implements TaskEvent {}

    /** SIGCONT woke the stopped task (SIGNAL_STOP_CONTINUED); the parent hears CLD_CONTINUED. */
    record Continued(MsgId cause) implements TaskEvent {}

    /** get_signal told the parent CLD_CONTINUED (do_notify_parent_cldstop). */
    record CldContinuedSent(MsgId cause) implements TaskEvent {}

    /** wait_task_stopped consumed the stop report (not with WNOWAIT). */
    record StopReported(MsgId cause, String waiter) implements TaskEvent {}

    /** wait_task_continued consumed the continue report (not with WNOWAIT). */
    record ContinueReported(MsgId cause, String waiter) implements TaskEvent {}

    // ---- exit (kernel/exit.c) -----------------------------------------------------------------

    /** exit_signals: PF_EXITING set; group_dead computed (signal->live reached zero). */
    record PfExitingSet(MsgId cause, int status, boolean groupDead) implements TaskEvent {}

    /** exit_mm: current->mm = NULL (active_mm keeps a lazy reference until the CPU switches away). */
    record MmReleased(MsgId cause, String mm) implements TaskEvent {}

    record SemUndoReleased(MsgId cause, List<LedgerEntry> ledger) implements TaskEvent {}

    /** exit_files: put_files_struct freed the fd table (its files were fput). */
    record FilesReleased(MsgId cause, List<LedgerEntry> ledger) implements TaskEvent {}

    record FsReleased(MsgId cause, List<LedgerEntry> ledger) implements TaskEvent {}

    record NamespacesReleased(MsgId cause) implements TaskEvent {}

    record ChildrenReparented(
            MsgId cause, List<String> children, String to, int toPid, String why, ActorRef<TaskCmd> toRef)
            implements TaskEvent {}

    /** Reparented by the exit of the old parent (reparent_leader); the report's reparent record. */
    record Reparented(
            MsgId cause,
            String fromKey,
            int from,
            String toKey,
            int to,
            String why,
            ActorRef<TaskCmd> toRef,
            String childState,
            int toVpid)
            implements TaskEvent {}

    record BecameZombie(MsgId cause, int status) implements TaskEvent {}

    /** Autoreaped: EXIT_DEAD straight away (parent ignores SIGCHLD or has SA_NOCLDWAIT). */
    record BecameDead(MsgId cause, int status, String why) implements TaskEvent {}

    /** do_task_dead: TASK_DEAD; the CPU will switch away for good. */
    record TaskDead(MsgId cause) implements TaskEvent {}

    /** wait_task_zombie won the cmpxchg EXIT_ZOMBIE → EXIT_DEAD for this waiter. */
    record ReapedBy(MsgId cause, String waiter, int waiterPid) implements TaskEvent {}

    /** __exit_signal → __unhash_process: out of the pid hash, task list and parent's children. */
    record Unhashed(MsgId cause, List<LedgerEntry> ledger) implements TaskEvent {}

    record RcuUserDropped(MsgId cause, int rcuUsers, String by) implements TaskEvent {}

    record StackFreed(MsgId cause, List<LedgerEntry> ledger) implements TaskEvent {}

    /**
     * get_task_struct / put_task_struct that does not free: task->usage is now {@code usage} (a vfork
     * parent's reference, kernel_clone → wait_for_vfork_done).
     */
    record TaskStructRef(MsgId cause, int usage, List<LedgerEntry> ledger) implements TaskEvent {}

    /** delayed_put_task_struct → put_task_struct → __put_task_struct → free_task. */
    record TaskStructFreed(MsgId cause, List<LedgerEntry> ledger) implements TaskEvent {}

    record CredFreed(MsgId cause, List<LedgerEntry> ledger) implements TaskEvent {}

    // ---- thread groups (signal_struct, kept by the group leader) -------------------------------

    /** A thread joined the group (copy_process, CLONE_THREAD). */
    record ThreadAdded(MsgId cause, ThreadInfo thread) implements TaskEvent {}

    /** A thread of the group passed exit_signals; {@code groupDead}: signal->live reached zero. */
    record ThreadMarkedExiting(MsgId cause, String key, boolean groupDead) implements TaskEvent {}

    /** __unhash_process: list_del_rcu(&p->thread_node). */
    record ThreadRemoved(MsgId cause, String key) implements TaskEvent {}

    /** SIGNAL_GROUP_EXIT with signal->group_exit_code (do_group_exit or a fatal signal). */
    record GroupExitSet(MsgId cause, int code, String by) implements TaskEvent {}

    /** A thread of the group stopped (noted by a leader that has exited). */
    record ThreadStopNoted(MsgId cause, String key) implements TaskEvent {}

    /** Every live thread stopped while the leader is a zombie: the group's stop, reported for the leader. */
    record GroupStopped(MsgId cause, int sig) implements TaskEvent {}

    /** SIGCONT continued that group. */
    record GroupContinued(MsgId cause) implements TaskEvent {}

    /** zap_other_threads reached this thread: it dies with the group's exit code. */
    record Zapped(MsgId cause, int code) implements TaskEvent {}

    /**
     * exit_notify of a leader whose threads live: EXIT_ZOMBIE, but its parent is not told yet
     * (thread_group_empty is false); do_wait skips it (delay_group_leader).
     */
    record LeaderDelayed(MsgId cause, List<String> threads) implements TaskEvent {}

    /** The last thread's release_task notifies our parent now; {@code releaser} waits for the answer. */
    record LeaderNotifying(MsgId cause, String thread, ActorRef<TaskCmd> releaser) implements TaskEvent {}

    // ---- shared objects ------------------------------------------------------------------------

    /** Another task took a reference on an object this task allocated. */
    record SharedTaken(
            MsgId cause, String object, String holder, ActorRef<TaskCmd> holderRef, int refs, List<LedgerEntry> ledger)
            implements TaskEvent {}

    /** A reference on an object this task allocated was dropped; {@code refs} 0: the object is freed. */
    record SharedDropped(MsgId cause, String object, String holder, int refs, List<LedgerEntry> ledger)
            implements TaskEvent {}

    // ---- de_thread -----------------------------------------------------------------------------

    /** signal->group_exec_task: a thread of the group is in execve; the others are being killed. */
    record GroupExecStarted(MsgId cause, String key, ActorRef<TaskCmd> requester) implements TaskEvent {}

    /** unshare_files: this task's own copy of a files_struct it shared; the old one keeps its other users. */
    record FilesUnshared(MsgId cause, String object, List<LedgerEntry> ledger) implements TaskEvent {}

    /** unshare(CLONE_NEWPID): the task's next children go to a new pid namespace (it stays in its own). */
    record PidNsUnshared(MsgId cause, int ns) implements TaskEvent {}

    /** Our first child in that namespace became its init (pid 1, its child reaper). */
    record ChildNsReaperSet(MsgId cause, String key, ActorRef<TaskCmd> ref, int pid) implements TaskEvent {}

    /** kthreadd: a kthread_create request is queued (kthread_create_list). */
    record KthreadRequested(MsgId cause, String program, ActorRef<TaskCmd> requester, Ctx ctx) implements TaskEvent {}

    /** kthreadd took the first request off the list and creates its thread. */
    record KthreadDequeued(MsgId cause) implements TaskEvent {}

    /** kthread_stop: KTHREAD_SHOULD_STOP is set; {@code stopper} waits for the exit. */
    record KthreadStopRequested(MsgId cause, ActorRef<TaskCmd> stopper) implements TaskEvent {}

    /** shmget: this task created a segment (exit_shm will look at it). */
    record ShmSegmentCreated(MsgId cause, int shmid) implements TaskEvent {}

    /** unshare_sighand (de_thread): this task's own copy of a sighand_struct it shared. */
    record SighandUnshared(MsgId cause, String object, List<LedgerEntry> ledger) implements TaskEvent {}

    /** A change to a table this actor still counts for others but no longer uses itself (after execve). */
    record KeptTableChanged(MsgId cause, String table, TaskEvent change) implements TaskEvent {}

    /** The last reference to such a table went: its files are closed (files_struct), it is freed. */
    record KeptTableFreed(MsgId cause, String table, List<LedgerEntry> ledger) implements TaskEvent {}

    /** de_thread (no_thread_group:): "we have changed execution domain", tsk->exit_signal = SIGCHLD. */
    record ExitSignalReset(MsgId cause, int exitSignal) implements TaskEvent {}

    /** The exec'ing thread has the group to itself. */
    record GroupExecDone(MsgId cause) implements TaskEvent {}

    /**
     * de_thread: the exec'ing thread became the group leader, with the old leader's pid and parent, and
     * exit_signal SIGCHLD ({@code from.exitSignal()} is what the old leader had).
     */
    record TookLeadership(MsgId cause, TaskCmd.Takeover from) implements TaskEvent {}

    /** exchange_tids: this old leader now has the exec'ing thread's pid and is a thread, to be released. */
    record Demoted(MsgId cause, String leaderKey, ActorRef<TaskCmd> leader, int tid, int vtid, String pidObject)
            implements TaskEvent {}
}
