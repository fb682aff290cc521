package dev.kmodel.kernel.task;

import akka.actor.typed.ActorRef;
import dev.kmodel.fs.FileTable;
import dev.kmodel.ipc.SysvIpc;
import dev.kmodel.kernel.Ctx;
import dev.kmodel.kernel.MsgId;
import dev.kmodel.kernel.Probe;
import dev.kmodel.kernel.locking.LockActor;
import dev.kmodel.kernel.pid.PidAllocator;
import dev.kmodel.kernel.rcu.RcuCallback;
import dev.kmodel.mm.MmuCmd;
import dev.kmodel.uapi.Errno;
import java.util.List;

/** Messages a task receives: from its CPU, from other tasks, and replies from the subsystems. */
public sealed interface TaskCmd {

    // ---- from the CPU -------------------------------------------------------------------------

    /**
     * The CPU runs this task for one program step (it holds the CPU until it answers StepDone).
     * {@code sleepLeft} > 0: the task's nanosleep was interrupted with that much time left
     * (restart_block): unless a signal ends it, the sleep goes on.
     */
    record RunStep(MsgId id, int cpu, long sleepLeft) implements TaskCmd {
        public RunStep(MsgId id, int cpu) {
            this(id, cpu, 0);
        }
    }

    /** finish_task_switch → put_task_stack: the CPU no longer runs on this dead task's stack. */
    record PutTaskStack(MsgId id, Ctx ctx) implements TaskCmd {}

    /** put_task_struct_rcu_user: from finish_task_switch (scheduler) or release_task (reaper). */
    record PutTaskStructRcuUser(MsgId id, Ctx ctx) implements TaskCmd {}

    // ---- creation -----------------------------------------------------------------------------

    /** The new task's side of copy_process (dup_task_struct, copy_creds, copy_files, ...). */
    record Start(MsgId id, TaskInit init, ActorRef<Copied> replyTo) implements TaskCmd {}

    /**
     * The task's pid namespace and its numbers there (task_pid_vnr, task_tgid_vnr, getppid's view),
     * and the namespace's child reaper (its init). Null for boot tasks: the init namespace.
     */
    record NsView(
            int ns,
            int level,
            int vpid,
            int vtgid,
            int vppid,
            String reaperKey,
            ActorRef<TaskCmd> reaper,
            int reaperPid) {}

    /**
     * What copy_process sets under write_lock(tasklist_lock) when it links the child: its real_parent
     * (the caller, or the caller's real_parent for CLONE_PARENT / CLONE_THREAD), its exit_signal (for
     * CLONE_PARENT the caller's group leader's, read under the lock since fix b4e00444cab4) and
     * has_child_subreaper (copied under the lock since 749860ce2427). Null for the boot tasks.
     */
    record Link(String parentKey, int ppid, ActorRef<TaskCmd> parent, int exitSignal, boolean hasChildSubreaper) {}

    /** Linked under write_lock(tasklist_lock): pid, parent, address space. */
    record Attach(
            MsgId id,
            int pid,
            int tgid,
            NsView ns,
            String pidObject,
            String mm,
            int pgid,
            int sid,
            ActorRef<TaskCmd> vforkParent,
            Ctx ctx,
            Link link,
            ActorRef<TaskCmd> joinGroup)
            implements TaskCmd {
        public Attach(
                MsgId id,
                int pid,
                int tgid,
                NsView ns,
                String pidObject,
                String mm,
                int pgid,
                int sid,
                ActorRef<TaskCmd> vforkParent,
                Ctx ctx,
                Link link) {
            this(id, pid, tgid, ns, pidObject, mm, pgid, sid, vforkParent, ctx, link, null);
        }
    }

    /** CLONE_PARENT: the new task is linked as a child of the caller's parent (under tasklist_lock). */
    record ChildLinked(MsgId id, ChildInfo child) implements TaskCmd {}

    /** The vfork parent was killed while waiting: forget its vfork_done (the kernel clears it under task_lock). */
    record VforkAbandoned(MsgId id) implements TaskCmd {}

    /** put_task_struct(child) by the vfork parent, at the end of wait_for_vfork_done. */
    record PutTaskStruct(MsgId id, String holder, Ctx ctx) implements TaskCmd {}

    /** complete(vfork_done) from the child's mm_release (exit or exec): the vfork parent may go on. */
    record VforkDone(MsgId id, String child) implements TaskCmd {}

    /** copy_process failed after the task was created: undo (bad_fork_* labels) and go. */
    record ForkFailed(MsgId id, String mm, Ctx ctx) implements TaskCmd {}

    /** The Kernel spawned the actor for a new task_struct (alloc_task_struct_node). */
    record Spawned(MsgId id, String key, ActorRef<TaskCmd> ref) implements TaskCmd {}

    /** The child finished its copy_* steps. */
    record Copied(MsgId id, String key) implements TaskCmd {}

    // ---- between tasks (kernel/exit.c) --------------------------------------------------------

    /** do_notify_parent: the child died; the parent answers whether it is autoreaped. */
    record NotifyParent(
            MsgId id, ChildInfo child, int sig, Ctx ctx, ActorRef<TaskCmd> replyTo, boolean delayedLeader, int siPid)
            implements TaskCmd {
        /** SIGCHLD's si_pid names the child (its number; the receiver's fold keeps the global one). */
        public NotifyParent(
                MsgId id, ChildInfo child, int sig, Ctx ctx, ActorRef<TaskCmd> replyTo, boolean delayedLeader) {
            this(id, child, sig, ctx, replyTo, delayedLeader, child.pid());
        }
    }

    record Notified(MsgId id, boolean autoreap) implements TaskCmd {}

    /** forget_original_parent: the new reaper takes these children; answers which zombies it releases. */
    record Adopt(MsgId id, List<ChildInfo> children, String from, String why, Ctx ctx, ActorRef<TaskCmd> replyTo)
            implements TaskCmd {}

    /**
     * The children were taken, by {@code adopter} (the reaper asked, or the live thread of its group that
     * stands for an exited leader): its key, its tgid and its tgid in its own namespace, what each child's
     * real_parent and getppid become.
     */
    record Adopted(
            MsgId id,
            List<String> autoreap,
            String adopterKey,
            int adopterTgid,
            int adopterVtgid,
            ActorRef<TaskCmd> adopter)
            implements TaskCmd {}

    /**
     * reparent_leader: the child's parent is now {@code parent}. {@code reaperNs}, {@code reaperVtgid}: the
     * new parent's pid namespace and number there (for getppid). {@code autoreaped}: the child was a zombie
     * and do_notify_parent said the new parent does not keep it, so reparent_leader set its exit_state to
     * EXIT_DEAD (and the exiting father will release_task it).
     */
    record Reparented(
            MsgId id,
            String parentKey,
            int ppid,
            ActorRef<TaskCmd> parent,
            String why,
            Ctx ctx,
            int reaperNs,
            int reaperVtgid,
            boolean autoreaped)
            implements TaskCmd {}

    /** walk_process_tree(propagate_has_child_subreaper): mark this task and its descendants. */
    record PropagateHasChildSubreaper(MsgId id) implements TaskCmd {}

    /**
     * find_new_reaper's walk up real_parent, which stays at the exiting father's pid level ({@code level},
     * task_pid(father)->level): the first process that is a child subreaper and has a live thread answers
     * {@code origin} with that thread; the end of the walk answers "none" (the father's namespace's child
     * reaper then takes the orphans).
     */
    record FindSubreaper(MsgId id, Ctx ctx, ActorRef<TaskCmd> origin, int level) implements TaskCmd {}

    record SubreaperFound(MsgId id, String key, int pid, ActorRef<TaskCmd> ref, boolean subreaper, int vtgid)
            implements TaskCmd {}

    /** do_notify_parent_cldstop: CLD_STOPPED (with the stop signal) or CLD_CONTINUED. */
    record NotifyParentStop(MsgId id, String child, boolean continued, int sig, Ctx ctx) implements TaskCmd {}

    /** wait_task_stopped / wait_task_continued on this task: report (and, unless nowait, consume). */
    record WaitTaskStopCont(MsgId id, boolean continued, boolean nowait, Ctx ctx, ActorRef<TaskCmd> replyTo)
            implements TaskCmd {}

    record StopContResult(MsgId id, String key, int pid, boolean continued, boolean reported, int status)
            implements TaskCmd {}

    /** wait_task_zombie's cmpxchg(exit_state, EXIT_ZOMBIE, EXIT_DEAD) on this task; nowait = WNOWAIT. */
    record WaitTaskZombie(MsgId id, boolean nowait, Ctx ctx, ActorRef<TaskCmd> replyTo) implements TaskCmd {}

    record ZombieResult(MsgId id, String key, int pid, boolean reaped, int status) implements TaskCmd {}

    /** release_task → __exit_signal → __unhash_process, run on the released task's fields. */
    record ExitSignal(MsgId id, Ctx ctx, ActorRef<TaskCmd> replyTo) implements TaskCmd {}

    /**
     * copy_process by a thread that is not its group's leader, under tasklist_lock and siglock: the
     * leader, which keeps signal_struct, is asked for SIGNAL_GROUP_EXIT (the "let kill terminate
     * clone/fork in the middle" test), and for CLONE_PARENT "p->exit_signal =
     * current->group_leader->exit_signal".
     */
    record GroupLeaderExitSignal(MsgId id, ActorRef<TaskCmd> replyTo) implements TaskCmd {}

    /** The group leader's exit_signal, and whether SIGNAL_GROUP_EXIT is set. */
    record LeaderExitSignal(MsgId id, int exitSignal, boolean groupExit) implements TaskCmd {}

    /** {@code alsoRelease}: the zombie group leader the last thread's release_task releases next (or null). */
    record ExitSignalDone(MsgId id, String key, ChildInfo alsoRelease) implements TaskCmd {}

    /** list_del_init(&p->sibling): a released child leaves its parent's children list. */
    record ChildUnlinked(MsgId id, String key) implements TaskCmd {}

    /** setpgid(child, pgid) from the parent: the child decides (it owns its pgid) and answers TableOpDone. */
    record SetPgidBy(MsgId id, int pgid, int callerSid, ActorRef<TaskCmd> replyTo, boolean self) implements TaskCmd {}

    /** The child changed process group (setpgid), so the parent's wait4(0 / -pgid) sees it. */
    record ChildPgid(MsgId id, String key, int pgid) implements TaskCmd {}

    /**
     * The child exec'd: de_thread gave it exit_signal SIGCHLD, so the parent's entry for it (what
     * eligible_child's __WCLONE test reads; the child's exit sends its own copy) says so. Sent under
     * tasklist_lock.
     */
    record ChildExitSignal(MsgId id, String key, int exitSignal) implements TaskCmd {}

    /** A signal sent to this task (kill, do_notify_parent). */
    record Signal(MsgId id, int sig, int fromPid, Ctx ctx, int fromNs, boolean orphanedPgrp) implements TaskCmd {
        /** Sent by the kernel itself (SEND_SIG_PRIV): not subject to the init's SIGNAL_UNKILLABLE. */
        public Signal(MsgId id, int sig, int fromPid, Ctx ctx) {
            this(id, sig, fromPid, ctx, -1, false);
        }

        public Signal(MsgId id, int sig, int fromPid, Ctx ctx, int fromNs) {
            this(id, sig, fromPid, ctx, fromNs, false);
        }
    }

    // ---- thread groups: the leader's actor keeps signal_struct's list and counters --------------

    /** copy_process, CLONE_THREAD: list_add_tail_rcu(&p->thread_node, &signal->thread_head), live++. */
    /**
     * A new thread for the leader's list. {@code check}: the SIGNAL_GROUP_EXIT test copy_process makes under
     * siglock (a thread joining a group already exiting is killed with it); {@code add}: the list insertion.
     * Linux does both under siglock (one message); fault clone-thread-attach-outside-siglock splits them.
     */
    record ThreadLinked(MsgId id, ThreadInfo thread, boolean check, boolean add) implements TaskCmd {
        public ThreadLinked(MsgId id, ThreadInfo thread) {
            this(id, thread, true, true);
        }
    }

    /** exit_signals: PF_EXITING; atomic_dec_and_test(&signal->live) answers group_dead. */
    record ThreadExiting(MsgId id, String key, ActorRef<TaskCmd> replyTo) implements TaskCmd {}

    record GroupDead(MsgId id, boolean groupDead, int groupExitCode) implements TaskCmd {}

    /** task_participate_group_stop: a thread of the group stopped (for a leader that has exited). */
    record ThreadStopped(MsgId id, String key, int sig) implements TaskCmd {}

    /** do_group_exit from a thread: the first code wins (SIGNAL_GROUP_EXIT), the others are zapped. */
    record GroupExit(MsgId id, String key, int code, Ctx ctx, ActorRef<TaskCmd> replyTo) implements TaskCmd {}

    record GroupExitCode(MsgId id, int code) implements TaskCmd {}

    /** zap_other_threads: SIGKILL to a thread, which exits with the group's exit code. */
    record Zap(MsgId id, int code, int fromPid, Ctx ctx) implements TaskCmd {}

    /** find_new_reaper → find_alive_thread: a thread of the group without PF_EXITING. */
    record FindAliveThread(MsgId id, String exclude, ActorRef<TaskCmd> replyTo) implements TaskCmd {}

    /** The answer: {@code key} null when every thread is exiting. */
    record AliveThread(MsgId id, String key, int pid, ActorRef<TaskCmd> ref) implements TaskCmd {}

    /**
     * __exit_signal of a thread, in release_task: off the group's list. If the leader is a zombie and
     * the group is now empty, release_task notifies the leader's parent (the leader asks it).
     */
    record ThreadUnlinked(MsgId id, String key, Ctx ctx, ActorRef<TaskCmd> releaser) implements TaskCmd {}

    /** The parent's answer to a delayed leader's do_notify_parent (sent from a thread's release_task). */
    record LeaderNotified(MsgId id, boolean autoreap) implements TaskCmd {}

    /** do_wait's while_each_thread: the leader answers with its children and asks the other threads. */
    record GroupChildren(MsgId id, String requester, ActorRef<TaskCmd> replyTo) implements TaskCmd {}

    /** One thread's children list for another thread's do_wait. */
    record ChildrenAsk(MsgId id, ActorRef<TaskCmd> replyTo) implements TaskCmd {}

    /** {@code expect}: from the leader, how many other threads will answer; -1 from those threads. */
    record ChildrenOf(MsgId id, String key, List<ChildInfo> children, int expect) implements TaskCmd {}

    /** __wake_up_parent wakes every waiter on signal->wait_chldexit: all threads of the group. */
    record WakeChldexit(MsgId id, String except) implements TaskCmd {}

    // ---- objects shared by clone flags: counted by the actor of the task that allocated them ----

    /** One more reference (copy_files / copy_fs / copy_sighand / copy_signal / copy_semundo). */
    record SharedGet(MsgId id, String object, String holder, ActorRef<TaskCmd> holderRef, Ctx ctx) implements TaskCmd {}

    /** One reference less; the last one frees the object (put_files_struct, free_fs_struct, ...). */
    record SharedPut(MsgId id, String object, String holder, Ctx ctx, ActorRef<TaskCmd> replyTo) implements TaskCmd {
        public SharedPut(MsgId id, String object, String holder, Ctx ctx) {
            this(id, object, holder, ctx, null);
        }
    }

    /** exit_sem's refcount_dec_and_test answered: was ours the undo list's last reference? */
    record SharedPutDone(MsgId id, String object, boolean last) implements TaskCmd {}

    /** fd_install in a shared files_struct (under files->file_lock, here the owner's mailbox). */
    record InstallFds(MsgId id, String table, List<String> files, ActorRef<TaskCmd> replyTo) implements TaskCmd {}

    /** close_fd in a shared files_struct: EBADF or the file to fput. */
    record CloseFd(MsgId id, String table, int fd, ActorRef<TaskCmd> replyTo) implements TaskCmd {}

    /** do_sigaction on a shared sighand_struct (under sighand->siglock). */
    record SetSigaction(MsgId id, String table, int sig, SigAction action, ActorRef<TaskCmd> replyTo)
            implements TaskCmd {}

    /**
     * The owner changed the shared table: every sharer applies the same change, in the same order. {@code
     * table} names the files_struct or sighand_struct changed (null for the signal_struct's fields, which
     * reach the threads of one process).
     */
    record ApplyShared(MsgId id, TaskEvent change, String table) implements TaskCmd {
        public ApplyShared(MsgId id, TaskEvent change) {
            this(id, change, null);
        }
    }

    /** The owner's answer to a table operation: a return value, an errno, or the file closed. */
    record TableOpDone(MsgId id, long ret, Errno errno, String file) implements TaskCmd {}

    // ---- kernel threads (kernel/kthread.c) -----------------------------------------------------

    /** kthread_create: a request on kthread_create_list for kthreadd, which then wakes. */
    record KthreadCreate(MsgId id, String program, ActorRef<TaskCmd> requester, Ctx ctx) implements TaskCmd {}

    /** complete(&create->done): the new kernel thread's pid, or an errno. */
    record KthreadCreated(MsgId id, long pid, Errno errno) implements TaskCmd {}

    /** kthread_stop: set KTHREAD_SHOULD_STOP, wake the thread, wait for it to exit. */
    record KthreadStop(MsgId id, ActorRef<TaskCmd> stopper, Ctx ctx) implements TaskCmd {}

    /** The kernel thread exited (kthread->exited): its result, or an errno (not a kernel thread). */
    record KthreadStopped(MsgId id, long result, Errno errno) implements TaskCmd {}

    // ---- execve in a thread group: de_thread (fs/exec.c) ---------------------------------------

    /** de_thread: the exec'ing thread asks its leader to kill every other thread of the group. */
    record DeThread(MsgId id, String key, ActorRef<TaskCmd> replyTo, Ctx ctx) implements TaskCmd {}

    /** The group is down to the exec'ing thread (and, if it is not the leader, a zombie leader to take over from). */
    record DeThreadDone(MsgId id, Errno errno, Takeover takeover) implements TaskCmd {}

    /**
     * What a non-leader exec'ing thread takes from its zombie leader: the pid and the parent. The exit
     * signal is the old leader's (for the journal); the exec'ing thread gets SIGCHLD (de_thread).
     */
    record Takeover(
            String leaderKey,
            ActorRef<TaskCmd> leader,
            int tgid,
            String pidObject,
            String parentKey,
            int ppid,
            ActorRef<TaskCmd> parent,
            int exitSignal) {}

    /** exchange_tids: the old leader takes the exec'ing thread's pid, to be released silently. */
    record Demote(MsgId id, String leaderKey, ActorRef<TaskCmd> leader, int tid, int vtid, String pidObject)
            implements TaskCmd {}

    /** The old leader's answer: its real parent and exit signal as they are now (under tasklist_lock). */
    record Demoted(MsgId id, String parentKey, int ppid, ActorRef<TaskCmd> parent, int exitSignal) implements TaskCmd {}

    /** The process's entry on its parent's children list now names the thread that exec'd. */
    record ChildReplaced(MsgId id, String oldKey, ChildInfo now) implements TaskCmd {}

    // ---- replies from subsystems, through message adapters -----------------------------------

    record FromMmu(MmuCmd.MmReply reply) implements TaskCmd {}

    record FromPid(PidAllocator.PidReply reply) implements TaskCmd {}

    record FromLookup(PidAllocator.Found reply) implements TaskCmd {}

    record FromLock(LockActor.Granted reply) implements TaskCmd {}

    /** A sleeping lock the task asked for is contended (its own wrapper: a message's id is found in a record). */
    record FromLockSleep(LockActor.MustSleep reply) implements TaskCmd {}

    record FromFiles(FileTable.Files reply) implements TaskCmd {}

    record FromRcu(RcuCallback callback) implements TaskCmd {}

    record FromIpc(SysvIpc.Reply reply) implements TaskCmd {}

    /** Quiescence and audit probe (read-only, never journaled). */
    record Query(MsgId id, ActorRef<TaskSummary> replyTo) implements TaskCmd, Probe {}
}
