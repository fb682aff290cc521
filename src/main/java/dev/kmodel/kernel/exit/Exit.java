package dev.kmodel.kernel.exit;

import static dev.kmodel.kernel.task.PathStep.Continue.on;

import akka.actor.typed.ActorRef;
import dev.kmodel.fs.FileSyscalls;
import dev.kmodel.fs.FileTable;
import dev.kmodel.ipc.Sem;
import dev.kmodel.kernel.Ctx;
import dev.kmodel.kernel.Kernel;
import dev.kmodel.kernel.MsgId;
import dev.kmodel.kernel.fork.Shared;
import dev.kmodel.kernel.fork.Vfork;
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
import dev.kmodel.kernel.task.TaskState;
import dev.kmodel.kernel.task.ThreadInfo;
import dev.kmodel.ledger.LedgerEntry;
import dev.kmodel.ledger.LedgerEvent;
import dev.kmodel.ledger.ObjType;
import dev.kmodel.mm.MmuCmd;
import dev.kmodel.scenario.Fault;
import dev.kmodel.uapi.Sig;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * kernel/exit.c: do_exit in the kernel's order, exit_notify (reparenting is in {@link Reparent}) with
 * do_notify_parent, and do_task_dead. Each step that touches another actor's state is a message;
 * the exiting task keeps its CPU while it waits for the answers.
 */
public final class Exit {
    /** The init task's key and pid: the child reaper of the init pid namespace. */
    public static final String INIT_KEY = Kernel.INIT_KEY;

    public static final int INIT_PID = 1;

    private Exit() {}

    /** Where do_exit waits, for which answer, and the function that goes on with it. */
    public enum At implements PathStep {
        /** do_group_exit in a thread: the leader answers with the group's exit code. */
        GROUP_EXIT(on(TaskCmd.GroupExitCode.class, Threads::groupExitCode)),
        /** exit_signals in a thread: atomic_dec_and_test(&signal->live) is the leader's to answer. */
        EXIT_SIGNALS(on(TaskCmd.GroupDead.class, Exit::groupDeadKnown)),
        /** exit_mm: mmap_read_lock(mm) (with the fault exit-mm-task-lock-first: task_lock first). */
        EXIT_MM_LOCK(on(LockActor.Granted.class, (t, s, g) -> exitMmLocked(t, s, g.id()))),
        /** exit_mm: task_lock(current), nested in the mmap_lock (with the fault: mmap_read_lock second). */
        EXIT_MM_TASK_LOCK(on(LockActor.Granted.class, (t, s, g) -> exitMmSwitch(t, s, g.id()))),
        /** exit_mm: mmput's answer. */
        EXIT_MM(on(MmuCmd.MmReply.class, (t, s, r) -> exitMmDone(t, s, r.id()))),
        /** exit_sem: the owner of a shared undo list dropped our reference. */
        EXIT_SEM(on(TaskCmd.SharedPutDone.class, Exit::semPutDone)),
        /** exit_files: the files' fput. */
        EXIT_FILES(on(FileTable.Files.class, (t, s, f) -> closeFilesDone(t, s, f.id(), f.files()))),
        /** exit_notify: write_lock_irq(&tasklist_lock). */
        TASKLIST_LOCK(on(LockActor.Granted.class, (t, s, g) -> exitNotify(t, s, g.id()))),
        /** exit_notify with the fault exit-notify-siglock-first: the parent's siglock before tasklist_lock. */
        PARENT_SIGLOCK_FIRST(on(LockActor.Granted.class, (t, s, g) -> lockTasklistForNotify(t, s, g.id()))),
        /** do_notify_parent: spin_lock_irqsave(&psig->siglock), the parent's. */
        PARENT_SIGLOCK(on(LockActor.Granted.class, (t, s, g) -> notifyParentLocked(t, s, g.id()))),
        /** find_child_reaper → zap_pid_ns_processes: the pid hash has sent the SIGKILLs. */
        /** zap_pid_ns_processes: read_lock(&tasklist_lock) around the SIGKILL walk. */
        ZAP_READ_LOCK(on(LockActor.Granted.class, (t, s, g) -> zapLocked(t, s, g.id()))),
        ZAP_PID_NS(on(PidAllocator.PidReply.class, Exit::zapSignalled)),
        /** find_new_reaper → find_alive_thread, asked of the leader. */
        FIND_ALIVE_THREAD(on(TaskCmd.AliveThread.class, Reparent::aliveThread)),
        /** find_new_reaper: the walk up the ancestors for a child subreaper. */
        FIND_SUBREAPER(on(TaskCmd.SubreaperFound.class, Reparent::subreaperFound)),
        /** forget_original_parent: the new reaper took the children. */
        REPARENT(on(TaskCmd.Adopted.class, Reparent::adopted)),
        /** do_notify_parent: the parent's answer (autoreap or not). */
        DO_NOTIFY_PARENT(on(TaskCmd.Notified.class, Exit::notified)),
        /** do_task_dead: the last schedule(); nothing more is awaited. */
        TASK_DEAD(PathStep.Continue.nothing());

        private final PathStep.Continue next;

        At(PathStep.Continue next) {
            this.next = next;
        }

        @Override
        public PathStep.Continue next() {
            return next;
        }
    }

    private static Frame.Exiting frame(TaskState s) {
        return (Frame.Exiting) s.frame;
    }

    /** do_exit (kernel/exit.c): {@code status} is what wait will report. */
    public static void doExit(Task t, TaskState s, MsgId cause, int status) {
        // After a group exit every thread dies with the group's exit code (do_group_exit).
        if (s.isLeader() ? s.groupExit : s.groupExitCode != 0) status = s.groupExitCode;
        if (s.pfExiting) {
            // kernel/exit.c do_exit → exit_signals sets PF_EXITING once; a second do_exit is a recursive
            // fault (make_task_dead's "Recursive fault!" / the old "Fixing recursive fault" check).
            t.warn(s, cause, "BUG_ON", "do_exit", t.key() + " (pid " + s.pid + ") entered do_exit twice");
            return;
        }
        if (!s.isLeader()) {
            // exit_signals: PF_EXITING; atomic_dec_and_test(&signal->live) is the leader's to answer.
            t.event(s, new PfExitingSet(cause, status, false));
            t.enter(s, cause, Frame.Exiting.start(At.EXIT_SIGNALS, null));
            ActorRef<TaskCmd> leader = s.leader;
            String k = t.key();
            t.then(() -> leader.tell(new TaskCmd.ThreadExiting(t.nextId(), k, t.self)));
            return;
        }
        boolean groupDead = s.threads.values().stream().allMatch(ThreadInfo::exiting);
        t.event(s, new PfExitingSet(cause, status, groupDead));
        t.enter(s, cause, Frame.Exiting.start(At.EXIT_SIGNALS, groupDead));
        exitSignalsDone(t, s, cause);
    }

    /** A thread learns group_dead from its leader and goes on with do_exit. */
    public static void groupDeadKnown(Task t, TaskState s, TaskCmd.GroupDead c) {
        t.enter(s, c.id(), frame(s).groupDead(c.groupDead()));
        exitSignalsDone(t, s, c.id());
    }

    private static void exitSignalsDone(Task t, TaskState s, MsgId cause) {
        // exit_mm_release → complete_vfork_done: a kernel thread's kthread->exited (kthread_stop waits on it).
        if (s.kthread) Kthread.exited(t, s, s.exitCode);
        if (s.mm != null) {
            exitMm(t, s, cause);
            return;
        }
        exitMmDone(t, s, cause);
    }

    /**
     * exit_mm (kernel/exit.c): exit_mm_release, then mmap_read_lock(mm) and task_lock(current) around
     * the switch to a lazy active_mm; then mmput.
     */
    private static void exitMm(Task t, TaskState s, MsgId cause) {
        Vfork.mmRelease(t, s, cause); // exit_mm_release → mm_release: a vfork parent may go on
        t.enter(s, cause, frame(s).at(At.EXIT_MM_LOCK));
        if (t.env.scenario().has(Fault.EXIT_MM_TASK_LOCK_FIRST)) {
            Locking.lock(t, s, LockCall.TASK_LOCK, t.key(), t.ctx(s, "do_exit/exit_mm"));
        } else {
            Locking.lock(t, s, LockCall.MMAP_READ_LOCK, s.mm, t.ctx(s, "do_exit/exit_mm"));
        }
    }

    /** The first of exit_mm's two locks is held: the second. */
    static void exitMmLocked(Task t, TaskState s, MsgId cause) {
        t.enter(s, cause, frame(s).at(At.EXIT_MM_TASK_LOCK));
        if (t.env.scenario().has(Fault.EXIT_MM_TASK_LOCK_FIRST)) {
            Locking.lock(t, s, LockCall.MMAP_READ_LOCK, s.mm, t.ctx(s, "do_exit/exit_mm"));
        } else {
            Locking.lock(t, s, LockCall.TASK_LOCK, t.key(), t.ctx(s, "do_exit/exit_mm"));
        }
    }

    /** Under both: mmgrab_lazy_tlb, current->mm = NULL; task_unlock, mmap_read_unlock; mmput. */
    static void exitMmSwitch(Task t, TaskState s, MsgId cause) {
        String mm = s.mm;
        t.event(s, new MmReleased(cause, mm));
        t.enter(s, cause, frame(s).at(At.EXIT_MM));
        Ctx ctx = t.ctx(s, "do_exit/exit_mm");
        String k = t.key();
        t.then(() -> t.env.mmu().tell(new MmuCmd.Mmgrab(t.nextId(), mm, "lazy:" + k, ctx.in("mmgrab_lazy_tlb"))));
        if (t.env.scenario().has(Fault.EXIT_MM_TASK_LOCK_FIRST)) {
            Locking.unlock(t, s, cause, LockClass.MMAP_LOCK, ctx);
            Locking.unlock(t, s, cause, LockClass.ALLOC_LOCK, ctx);
        } else {
            Locking.unlock(t, s, cause, LockClass.ALLOC_LOCK, ctx);
            Locking.unlock(t, s, cause, LockClass.MMAP_LOCK, ctx);
        }
        t.then(() -> t.env.mmu().tell(new MmuCmd.Mmput(t.nextId(), mm, "users:" + k, ctx, t.mmReplies)));
    }

    /** After exit_mm: exit_sem, exit_shm, then exit_files (which may need the file table). */
    public static void exitMmDone(Task t, TaskState s, MsgId cause) {
        String k = t.key();
        if (s.semUndo != null) {
            // exit_sem (ipc/sem.c): the last user of the undo list applies its adjustments (before anyone can
            // reap us) and frees it. A list counted elsewhere: ask, and wait for the answer.
            Ctx ctx = t.ctx(s, "do_exit/exit_sem");
            if (!s.counts(s.semUndo)) {
                t.enter(s, cause, frame(s).at(At.EXIT_SEM));
                var owner = s.objOwner.get(s.semUndo);
                String undo = s.semUndo;
                t.then(() -> owner.tell(new TaskCmd.SharedPut(t.nextId(), undo, k, ctx, t.self)));
                return;
            }
            boolean last = Shared.put(t, s, cause, s.semUndo, ctx);
            if (last) Sem.applyUndo(t, s.semUndo, ctx);
            t.event(
                    s,
                    new SemUndoReleased(
                            cause,
                            last
                                    ? List.of(LedgerEntry.of(
                                            s.semUndo, ObjType.SEM_UNDO_LIST, k, LedgerEvent.FREE, 0, k, ctx))
                                    : List.of()));
        }
        exitShmAndFiles(t, s, cause);
    }

    /** The owner of our undo list answered; the last user applies the adjustments now. */
    static void semPutDone(Task t, TaskState s, TaskCmd.SharedPutDone c) {
        if (c.last()) Sem.applyUndo(t, c.object(), t.ctx(s, "do_exit/exit_sem"));
        t.event(s, new SemUndoReleased(c.id(), List.of()));
        exitShmAndFiles(t, s, c.id());
    }

    /** exit_shm, exit_files, exit_fs. */
    private static void exitShmAndFiles(Task t, TaskState s, MsgId cause) {
        // exit_shm (ipc/shm.c): segments this task created are orphaned (destroyed with shm_rmid_forced).
        if (s.shmCreated > 0) Sem.exitShm(t, s, t.ctx(s, "do_exit/exit_shm"));
        String table = s.objects.filesStruct();
        if (table == null) {
            afterFiles(t, s, cause);
            return;
        }
        if (s.shared(table) && !Shared.put(t, s, cause, table, t.ctx(s, "do_exit/exit_files/put_files_struct"))) {
            // Others still use the fd table: only our reference goes (the owner keeps the table for them).
            if (!s.counts(table)) t.event(s, new FilesReleased(cause, List.of()));
            exitFs(t, s, cause);
            afterFiles(t, s, cause);
            return;
        }
        List<String> files = s.fds.stream().filter(Objects::nonNull).toList();
        if (files.isEmpty()) {
            closeFilesDone(t, s, cause, List.of());
            return;
        }
        t.enter(s, cause, frame(s).at(At.EXIT_FILES));
        Ctx ctx = t.ctx(s, "do_exit/exit_files/put_files_struct/close_files/filp_close/fput");
        t.then(() -> t.env.files().tell(new FileTable.Fput(t.nextId(), files, table, ctx, t.fileReplies)));
    }

    /** put_files_struct: the fd table is freed once its files are fput; final __fputs wait in task_work. */
    public static void closeFilesDone(Task t, TaskState s, MsgId cause, List<String> lastRefs) {
        String k = t.key();
        t.event(
                s,
                new FilesReleased(
                        cause,
                        List.of(LedgerEntry.of(
                                s.objects.filesStruct(),
                                ObjType.FILES_STRUCT,
                                k,
                                LedgerEvent.FREE,
                                0,
                                k,
                                t.ctx(s, "do_exit/exit_files/put_files_struct/kmem_cache_free")))));
        if (!lastRefs.isEmpty()) t.event(s, new TaskWorkQueued(cause, lastRefs));
        exitFs(t, s, cause);
        afterFiles(t, s, cause);
    }

    /** exit_fs (fs/fs_struct.c): the last user of fs_struct frees it. */
    private static void exitFs(Task t, TaskState s, MsgId cause) {
        String fs = s.objects.fsStruct();
        Ctx ctx = t.ctx(s, "do_exit/exit_fs");
        if (fs == null || (s.shared(fs) && !Shared.put(t, s, cause, fs, ctx))) return;
        String k = t.key();
        t.event(
                s,
                new FsReleased(
                        cause,
                        List.of(LedgerEntry.of(
                                fs, ObjType.FS_STRUCT, k, LedgerEvent.FREE, 0, k, ctx.in("free_fs_struct")))));
    }

    /** exit_task_namespaces, exit_task_work, exit_thread, then exit_notify under write_lock. */
    private static void afterFiles(Task t, TaskState s, MsgId cause) {
        t.nsproxy(false, t.ctx(s, "do_exit/exit_task_namespaces/switch_task_namespaces/put_nsproxy"));
        t.event(s, new NamespacesReleased(cause));
        FileSyscalls.taskWorkRun(t, s, cause, "do_exit/exit_task_work/task_work_run");
        // exit_thread: arch state (io bitmap) only; nothing the model tracks.
        if (t.env.scenario().has(Fault.EXIT_NOTIFY_SIGLOCK_FIRST) && s.parent != null) {
            // The fault: the parent's siglock first, then tasklist_lock (the reverse of copy_process's order).
            t.enter(s, cause, frame(s).at(At.PARENT_SIGLOCK_FIRST));
            Locking.lock(t, s, LockCall.SPIN_LOCK_IRQSAVE_SIGLOCK, s.parentKey, t.ctx(s, "do_exit/exit_notify"));
            return;
        }
        lockTasklistForNotify(t, s, cause);
    }

    /** exit_notify: write_lock_irq(&tasklist_lock). */
    static void lockTasklistForNotify(Task t, TaskState s, MsgId cause) {
        t.enter(s, cause, frame(s).at(At.TASKLIST_LOCK));
        Locking.lock(
                t,
                s,
                LockCall.WRITE_LOCK_IRQ_TASKLIST,
                Locking.global(LockClass.TASKLIST_LOCK),
                t.ctx(s, "do_exit/exit_notify"));
    }

    /** exit_notify, holding write_lock(tasklist_lock): forget_original_parent first. */
    public static void exitNotify(Task t, TaskState s, MsgId cause) {
        // find_child_reaper: the init of a pid namespace with no other live thread takes the namespace
        // down first (zap_pid_ns_processes), with tasklist_lock dropped meanwhile.
        // (The init's group is the reaper while any of its threads lives: the last one takes the namespace down.)
        Frame.Exiting f = frame(s);
        if (s.exitState != ExitState.NONE) {
            // exit_notify runs once per task: its exit_state is set here and nowhere else.
            t.warn(
                    s,
                    cause,
                    "BUG_ON",
                    "exit_notify",
                    t.key() + " (pid " + s.pid + ") reached exit_notify again," + " already " + s.exitState);
        }
        if (s.nsId != 0 && s.vtgid == 1 && f.isGroupDead() && !f.zapped()) {
            // find_child_reaper drops write_lock_irq(&tasklist_lock); zap_pid_ns_processes sends its SIGKILLs
            // under read_lock(&tasklist_lock): no task it finds in the pid hash can be unhashed
            // (release_task needs the write side) and freed before its signal is queued.
            t.enter(s, cause, f.markZapped().at(At.ZAP_READ_LOCK));
            Ctx ctx = t.ctx(s, "do_exit/exit_notify/forget_original_parent/find_child_reaper");
            Locking.unlock(t, s, cause, LockClass.TASKLIST_LOCK, ctx);
            Locking.lock(
                    t,
                    s,
                    LockCall.READ_LOCK_TASKLIST,
                    Locking.global(LockClass.TASKLIST_LOCK),
                    ctx.in("zap_pid_ns_processes"));
            return;
        }
        if (s.children.isEmpty()) {
            exitNotifyTail(t, s, cause);
            return;
        }
        // find_new_reaper: a live thread of our own group first (find_alive_thread).
        if (Threads.multiThreaded(s)) {
            if (s.isLeader()) {
                ThreadInfo alive = Threads.aliveThread(t, s, t.key());
                if (alive != null) {
                    Reparent.reparentTo(t, s, cause, alive.key(), s.tgid, alive.ref(), "thread-group", s.vtgid);
                    return;
                }
            } else {
                t.enter(s, cause, f.at(At.FIND_ALIVE_THREAD));
                ActorRef<TaskCmd> leader = s.leader;
                String k = t.key();
                t.then(() -> leader.tell(new TaskCmd.FindAliveThread(t.nextId(), k, t.self)));
                return;
            }
        }
        Reparent.findNewReaper(t, s, cause);
    }

    /** zap_pid_ns_processes's SIGKILLs are queued: drop the lock and reap every child (kernel_wait4). */
    /** Holding the read side: the pid hash sends SIGKILL to every task of the namespace. */
    static void zapLocked(Task t, TaskState s, MsgId cause) {
        t.enter(s, cause, frame(s).at(At.ZAP_PID_NS));
        Ctx ctx = t.ctx(s, "do_exit/exit_notify/forget_original_parent/find_child_reaper/zap_pid_ns_processes");
        int ns = s.nsId, from = s.pid;
        t.then(() -> t.env.pids().tell(new PidAllocator.ZapPidNs(t.nextId(), ns, from, ctx, t.pidReplies)));
    }

    static void zapSignalled(Task t, TaskState s, PidAllocator.PidReply r) {
        Frame.Exiting f = frame(s);
        Ctx ctx = t.ctx(s, "do_exit/exit_notify/forget_original_parent/find_child_reaper");
        Locking.unlock(t, s, r.id(), LockClass.TASKLIST_LOCK, ctx);
        Wait.zapReap(t, s, r.id(), f);
    }

    /** Every child of the dying namespace init has been reaped: exit_notify again, under the lock. */
    public static void zapDone(Task t, TaskState s, MsgId cause, Frame.Exiting exiting) {
        t.enter(s, cause, exiting);
        lockTasklistForNotify(t, s, cause);
    }

    /**
     * The rest of exit_notify: kill_orphaned_pgrp if the group died; then a leader of an empty group
     * notifies its parent (do_notify_parent); a leader whose threads live becomes a zombie nobody is
     * told of yet (delay_group_leader); any other thread is autoreaped (exit_signal -1).
     */
    static void exitNotifyTail(Task t, TaskState s, MsgId cause) {
        Frame.Exiting f = frame(s).at(At.DO_NOTIFY_PARENT);
        t.enter(s, cause, f);
        // kill_orphaned_pgrp(tsk->group_leader, NULL): were we our group's only link to the session?
        int tgid = s.tgid, ppid = s.ppid;
        Ctx orphan = t.ctx(s, "do_exit/exit_notify");
        if (ppid > 0 && f.isGroupDead()) {
            t.then(() ->
                    t.env.pids().tell(new PidAllocator.KillOrphanedPgrp(t.nextId(), tgid, ppid, tgid, tgid, orphan)));
        }
        if (!s.isLeader()) {
            notified(t, s, new TaskCmd.Notified(cause, true));
            return;
        }
        if (!s.threads.isEmpty()) {
            t.event(s, new LeaderDelayed(cause, List.copyOf(s.threads.keySet())));
            notified(t, s, new TaskCmd.Notified(cause, false));
            return;
        }
        if (Locking.holds(s, LockClass.SIGLOCK)) {
            notifyParentLocked(t, s, cause); // the fault took the parent's siglock already
            return;
        }
        // do_notify_parent: spin_lock_irqsave(&tsk->parent->sighand->siglock), nested in tasklist_lock.
        t.enter(s, cause, f.at(At.PARENT_SIGLOCK));
        Locking.lock(
                t,
                s,
                LockCall.SPIN_LOCK_IRQSAVE_SIGLOCK,
                s.parentKey,
                t.ctx(s, "do_exit/exit_notify/do_notify_parent"));
    }

    /** Holding the parent's siglock: __send_signal_locked(SIGCHLD) and __wake_up_parent, in the parent. */
    static void notifyParentLocked(Task t, TaskState s, MsgId cause) {
        t.enter(s, cause, frame(s).at(At.DO_NOTIFY_PARENT));
        ChildInfo me = new ChildInfo(t.key(), s.pid, t.self, s.pgid, s.exitSignal, ExitState.ZOMBIE, s.waitStatus());
        Ctx ctx = t.ctx(s, "do_exit/exit_notify/do_notify_parent");
        ActorRef<TaskCmd> parent = s.parent;
        int sig = s.exitSignal;
        t.then(() -> parent.tell(new TaskCmd.NotifyParent(t.nextId(), me, sig, ctx, t.self, false)));
    }

    /** exit_state = autoreap ? EXIT_DEAD : EXIT_ZOMBIE; unlock; release what is dead; do_task_dead. */
    static void notified(Task t, TaskState s, TaskCmd.Notified c) {
        MsgId cause = c.id();
        if (c.autoreap()) {
            t.event(
                    s,
                    new BecameDead(
                            cause,
                            s.exitCode,
                            s.isLeader()
                                    ? "parent ignores SIGCHLD or has SA_NOCLDWAIT"
                                    : "a thread: exit_signal -1, released by itself"));
        } else {
            t.event(s, new BecameZombie(cause, s.exitCode));
            // A thread's execve waits in de_thread for us to be a zombie: exit_notify wakes it
            // (notify_count < 0 → wake_up_process(sig->group_exec_task)).
            // Fault DE_THREAD_NO_LEADER_WAKEUP (upstream fix 6db840fa7887, v2.6.23): no wake-up here. Only a
            // de_thread that saw the leader already a zombie goes on; one that went to sleep first sleeps for ever.
            if (s.isLeader() && !t.env.scenario().has(Fault.DE_THREAD_NO_LEADER_WAKEUP))
                Threads.deThreadCheck(t, s, cause);
        }
        int pid = s.pid;
        t.then(() -> t.env.pids().tell(new PidAllocator.SetTaskFlags(t.nextId(), pid, true, false)));
        Ctx ctx = t.ctx(s, "do_exit/exit_notify");
        // do_notify_parent's spin_unlock_irqrestore (a thread or a delayed leader notified nobody), then
        // write_unlock_irq(&tasklist_lock).
        Locking.unlockIfHeld(t, s, cause, LockClass.SIGLOCK, ctx.in("do_notify_parent"));
        Locking.unlock(t, s, cause, LockClass.TASKLIST_LOCK, ctx);
        // The dead list: zombies the reaper would not keep, then ourselves if autoreaped.
        List<ChildInfo> dead = new ArrayList<>(frame(s).dead());
        if (c.autoreap())
            dead.add(new ChildInfo(t.key(), s.pid, t.self, s.pgid, Sig.SIGCHLD, ExitState.DEAD, s.exitCode));
        if (dead.isEmpty()) {
            doTaskDead(t, s, cause, frame(s));
            return;
        }
        Release.releaseAll(t, s, cause, dead, "do_exit/exit_notify", frame(s));
    }

    /** do_task_dead (kernel/sched/core.c): TASK_DEAD and a last schedule(); the CPU switches away. */
    public static void doTaskDead(Task t, TaskState s, MsgId cause, Frame.Exiting exiting) {
        t.enter(s, cause, exiting.at(At.TASK_DEAD));
        t.event(s, new TaskDead(cause));
        t.yieldCpu(s, Cpu.Yield.DEAD, 0);
    }

    // ---- the other side: parent and reaper ---------------------------------------------------

    /**
     * do_notify_parent, in the parent: SIGCHLD (unless ignored), __wake_up_parent, and the autoreap
     * answer: a parent whose SIGCHLD is SIG_IGN or has SA_NOCLDWAIT does not keep zombies.
     */
    public static void doNotifyParentReceived(Task t, TaskState s, TaskCmd.NotifyParent c) {
        boolean autoreap = notifyOne(t, s, c.id(), c.child(), c.sig(), c.siPid());
        t.wake(s, c.id(), "__wake_up_parent", Wait.At.SLEEP);
        Threads.wakeGroupWaiters(t, s);
        ActorRef<TaskCmd> reply = c.replyTo();
        boolean leader = c.delayedLeader();
        t.then(() -> reply.tell(
                leader
                        ? new TaskCmd.LeaderNotified(t.nextId(), autoreap)
                        : new TaskCmd.Notified(t.nextId(), autoreap)));
    }

    static boolean notifyOne(Task t, TaskState s, MsgId cause, ChildInfo child, int sig) {
        return notifyOne(t, s, cause, child, sig, child.pid());
    }

    /** The same with SIGCHLD's si_pid as the notifier filled it in ({@code siPid}; Linux: the child's tgid). */
    static boolean notifyOne(Task t, TaskState s, MsgId cause, ChildInfo child, int sig, int siPid) {
        SigAction act = s.sigaction(Sig.SIGCHLD);
        boolean autoreap = false;
        if (sig == Sig.SIGCHLD && (act.ignored() || act.noCldWait())) {
            autoreap = true;
            if (act.ignored()) sig = 0; // SIG_IGN: not even sent
        }
        if (sig != 0) {
            // __send_signal_locked(sig, ..., force = false) → sig_task_ignored: a pid namespace's init
            // (SIGNAL_UNKILLABLE) drops an exit signal it has no handler for (one other than SIGCHLD reaches
            // it after a reparent only through a bug: clone-parent-exit-signal-early).
            if (s.vpid == 1 && !s.kthread && !s.sigaction(sig).handler().equals("catch")) {
                t.event(s, new SignalReceived(cause, sig, siPid, "ignored"));
            } else {
                Signals.received(t, s, cause, sig, siPid);
            }
        }
        // The entry on our list keeps what we know of the child (its number in our namespace, its group).
        ChildInfo known = s.children.getOrDefault(child.key(), child);
        ChildInfo now = known.withExit(autoreap ? ExitState.DEAD : ExitState.ZOMBIE, child.status());
        if (s.children.containsKey(child.key())) {
            t.event(s, new ChildChanged(cause, now));
        } else {
            t.event(s, new ChildAdded(cause, now));
        }
        return autoreap;
    }
}
