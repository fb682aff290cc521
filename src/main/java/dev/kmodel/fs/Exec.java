package dev.kmodel.fs;

import static dev.kmodel.kernel.task.PathStep.Continue.on;

import akka.actor.typed.ActorRef;
import dev.kmodel.kernel.Ctx;
import dev.kmodel.kernel.MsgId;
import dev.kmodel.kernel.exit.Release;
import dev.kmodel.kernel.exit.Threads;
import dev.kmodel.kernel.fork.NewTask;
import dev.kmodel.kernel.fork.Shared;
import dev.kmodel.kernel.fork.Vfork;
import dev.kmodel.kernel.locking.LockActor;
import dev.kmodel.kernel.locking.LockCall;
import dev.kmodel.kernel.locking.LockClass;
import dev.kmodel.kernel.locking.Locking;
import dev.kmodel.kernel.pid.PidAllocator;
import dev.kmodel.kernel.sched.Cpu;
import dev.kmodel.kernel.task.ChildInfo;
import dev.kmodel.kernel.task.ExitState;
import dev.kmodel.kernel.task.Frame;
import dev.kmodel.kernel.task.PathStep;
import dev.kmodel.kernel.task.Task;
import dev.kmodel.kernel.task.TaskCmd;
import dev.kmodel.kernel.task.TaskEvent;
import dev.kmodel.kernel.task.TaskEvent.ChildAdded;
import dev.kmodel.kernel.task.TaskEvent.ChildRemoved;
import dev.kmodel.kernel.task.TaskEvent.Execed;
import dev.kmodel.kernel.task.TaskEvent.FilesUnshared;
import dev.kmodel.kernel.task.TaskEvent.Slept;
import dev.kmodel.kernel.task.TaskEvent.TookLeadership;
import dev.kmodel.kernel.task.TaskState;
import dev.kmodel.ledger.LedgerEntry;
import dev.kmodel.ledger.LedgerEvent;
import dev.kmodel.ledger.ObjType;
import dev.kmodel.mm.MmuCmd;
import dev.kmodel.scenario.Step;
import dev.kmodel.uapi.Sig;
import java.util.List;
import java.util.Objects;

/**
 * fs/exec.c: de_thread for a thread group, then bprm_execve → begin_new_exec → exec_mmap. The new address
 * space is built first (bprm_mm_init); exec_mm_release lets a vfork parent go; the old mm is dropped
 * with mmput, which tears it down through the same exit_mmap as exit does; caught signals go back to
 * SIG_DFL; comm becomes the new program's name, which then starts at its first step.
 */
public final class Exec {
    private static final String PATH = "__x64_sys_execve/do_execveat_common/bprm_execve";

    private Exec() {}

    /** Where execve waits, for which answer, and the function that goes on with it. */
    public enum At implements PathStep {
        /** prepare_bprm_creds: mutex_lock_interruptible(&current->signal->cred_guard_mutex), one exec at a time. */
        CRED_GUARD_MUTEX(on(LockActor.Granted.class, (t, s, g) -> credGuardLocked(t, s, g.id()))),
        /** de_thread: the group's answer, then (woken) the task runs again. */
        DE_THREAD(on(TaskCmd.DeThreadDone.class, Exec::deThreadDone)
                .or(TaskCmd.RunStep.class, (t, s, r) -> deThreadResume(t, s, r.id()))),
        /** de_thread (not the leader): cgroup_threadgroup_change_begin, then tasklist_lock. */
        TAKEOVER_RWSEM(on(LockActor.Granted.class, (t, s, g) -> takeoverRwsemLocked(t, s, g.id()))),
        /** de_thread: write_lock_irq(&tasklist_lock) for the leader switch. */
        TAKEOVER_LOCK(on(LockActor.Granted.class, (t, s, g) -> takeoverLocked(t, s, g.id()))),
        /** exchange_tids: the old leader answers with its parent, read under the lock. */
        EXCHANGE_TIDS(on(TaskCmd.Demoted.class, Exec::demoted)),
        /** de_thread (no_thread_group:): tasklist_lock, to tell the parent our exit signal is SIGCHLD now. */
        EXIT_SIGNAL_LOCK(on(LockActor.Granted.class, (t, s, g) -> exitSignalLocked(t, s, g.id()))),
        /** bprm_mm_init → mm_alloc: the new address space. */
        BPRM_MM_INIT(on(MmuCmd.MmReply.class, Exec::newMm)),
        /** exec_mmap: down_write_killable(&tsk->signal->exec_update_lock). */
        EXEC_UPDATE_LOCK(on(LockActor.Granted.class, (t, s, g) -> execUpdateLocked(t, s, g.id()))),
        /** exec_mmap: mmap_read_lock_killable(old_mm), so no page fault of the old mm runs during the switch. */
        OLD_MMAP_LOCK(on(LockActor.Granted.class, (t, s, g) -> oldMmLocked(t, s, g.id()))),
        /** exec_mmap: task_lock(tsk) around the switch of tsk->mm. */
        TASK_LOCK(on(LockActor.Granted.class, (t, s, g) -> switchMm(t, s, g.id()))),
        /** exec_mmap → mmput of the old address space. */
        EXEC_MMAP(on(MmuCmd.MmReply.class, (t, s, r) -> finish(t, s, r.id())));

        private final PathStep.Continue next;

        At(PathStep.Continue next) {
            this.next = next;
        }

        @Override
        public PathStep.Continue next() {
            return next;
        }
    }

    private static Frame.Execing frame(TaskState s) {
        return (Frame.Execing) s.frame;
    }

    /** execve: in a thread group, de_thread first; then bprm_mm_init → mm_alloc for the new image. */
    public static void execve(Task t, TaskState s, MsgId cause, Step st) {
        String image = st.str("image", "");
        int pages = (int) t.resolveOr(s, st, "pages", 0);
        t.enter(s, cause, new Frame.Execing(At.CRED_GUARD_MUTEX, image, pages));
        Ctx ctx = t.ctx(s, PATH + "/prepare_bprm_creds");
        Locking.lock(t, s, LockCall.CRED_GUARD_MUTEX, s.objects.signal(), ctx);
    }

    /** Holding cred_guard_mutex: in a thread group de_thread first, then the new image. */
    static void credGuardLocked(Task t, TaskState s, MsgId cause) {
        Frame.Execing f = frame(s);
        if (Threads.multiThreaded(s)) {
            t.enter(s, cause, f.at(At.DE_THREAD));
            Ctx ctx = t.ctx(s, PATH + "/begin_new_exec/de_thread");
            var leader = Threads.leader(t, s);
            String k = t.key();
            t.then(() -> leader.tell(new TaskCmd.DeThread(t.nextId(), k, t.self, ctx)));
            // de_thread sleeps (killably) until the other threads are gone.
            t.event(s, new Slept(cause, "de_thread"));
            t.yieldCpu(s, Cpu.Yield.BLOCK, 0);
            return;
        }
        afterDeThread(t, s, cause, f);
    }

    private static void newImage(Task t, TaskState s, int pages) {
        Ctx ctx = t.ctx(s, PATH + "/bprm_mm_init");
        t.then(() -> t.env.mmu().tell(new MmuCmd.MmAlloc(t.nextId(), pages, ctx, t.mmReplies)));
    }

    /**
     * de_thread's answer: EAGAIN (the group is exiting), or the group is ours alone. A thread that is
     * not the leader first takes the leader's place: its pid (exchange_tids) and its parent (the
     * parent's children list names this task now, with exit signal SIGCHLD), and releases the old
     * leader silently.
     */
    static void deThreadDone(Task t, TaskState s, TaskCmd.DeThreadDone c) {
        t.enter(s, c.id(), frame(s).deThread(c));
        t.wake(s, c.id(), "de_thread", At.DE_THREAD);
    }

    /** Back on a CPU in de_thread: the answer came, or (woken by a signal that did not kill) sleep on. */
    static void deThreadResume(Task t, TaskState s, MsgId cause) {
        Frame.Execing f = frame(s);
        TaskCmd.DeThreadDone c = f.deThread();
        if (c == null) {
            t.event(s, new Slept(cause, "de_thread"));
            t.yieldCpu(s, Cpu.Yield.BLOCK, 0);
            return;
        }
        if (c.errno() != null) {
            unlockCreds(t, s, cause, "free_bprm");
            t.ret(s, cause, 0, c.errno(), null);
            return;
        }
        if (c.takeover() == null) {
            afterDeThread(t, s, cause, f);
            return;
        }
        // The switch happens under cgroup_threadgroup_rwsem and write_lock_irq(&tasklist_lock): the
        // leader's parent is read there.
        t.enter(s, cause, f.takeover(c.takeover()).at(At.TAKEOVER_RWSEM));
        Ctx ctx = t.ctx(s, PATH + "/begin_new_exec/de_thread/cgroup_threadgroup_change_begin");
        Locking.lock(t, s, LockCall.THREADGROUP_CHANGE_BEGIN, Locking.global(LockClass.CGROUP_THREADGROUP_RWSEM), ctx);
    }

    /** The thread group cannot change under us: write_lock_irq(&tasklist_lock). */
    static void takeoverRwsemLocked(Task t, TaskState s, MsgId cause) {
        t.enter(s, cause, frame(s).at(At.TAKEOVER_LOCK));
        Ctx ctx = t.ctx(s, PATH + "/begin_new_exec/de_thread");
        Locking.lock(t, s, LockCall.WRITE_LOCK_IRQ_TASKLIST, Locking.global(LockClass.TASKLIST_LOCK), ctx);
    }

    /** Holding the lock: the old leader takes our pid (exchange_tids) and tells us its parent as it is now. */
    static void takeoverLocked(Task t, TaskState s, MsgId cause) {
        Frame.Execing f = frame(s);
        t.enter(s, cause, f.at(At.EXCHANGE_TIDS));
        TaskCmd.Takeover k = f.takeover();
        int oldTid = s.pid, oldVtid = s.vpid;
        String oldPidObject = s.pidObject, key = t.key();
        t.then(() -> k.leader().tell(new TaskCmd.Demote(t.nextId(), key, t.self, oldTid, oldVtid, oldPidObject)));
    }

    /**
     * The leader's parent, read under the lock: we become the leader, it is released. de_thread:
     * "tsk->exit_signal = SIGCHLD; leader->exit_signal = -1;" — the exec'ing thread does not inherit the
     * old leader's exit signal, so the parent's new entry says SIGCHLD (sent under the lock).
     */
    static void demoted(Task t, TaskState s, TaskCmd.Demoted c) {
        Frame.Execing f = frame(s);
        TaskCmd.Takeover old = f.takeover();
        TaskCmd.Takeover k = new TaskCmd.Takeover(
                old.leaderKey(),
                old.leader(),
                old.tgid(),
                old.pidObject(),
                c.parentKey(),
                c.ppid(),
                c.parent(),
                c.exitSignal());
        int oldTid = s.pid;
        t.event(s, new TookLeadership(c.id(), k));
        Ctx ctx = t.ctx(s, PATH + "/begin_new_exec/de_thread");
        ChildInfo me = new ChildInfo(t.key(), k.tgid(), t.self, s.pgid, Sig.SIGCHLD, ExitState.NONE, 0);
        t.then(() -> {
            if (k.parent() != null) k.parent().tell(new TaskCmd.ChildReplaced(t.nextId(), k.leaderKey(), me));
            t.env.pids().tell(new PidAllocator.ExchangePids(t.nextId(), k.tgid(), oldTid, ctx));
        });
        Locking.unlock(t, s, c.id(), LockClass.TASKLIST_LOCK, ctx);
        Locking.unlock(t, s, c.id(), LockClass.CGROUP_THREADGROUP_RWSEM, ctx.in("cgroup_threadgroup_change_end"));
        // release_task(leader): exit_signal is -1 now, nobody is told.
        ChildInfo gone = new ChildInfo(k.leaderKey(), oldTid, k.leader(), s.pgid, -1, ExitState.DEAD, 0);
        Release.releaseAll(t, s, c.id(), List.of(gone), PATH + "/begin_new_exec/de_thread", f);
    }

    /**
     * The group is ours alone. de_thread ends (no_thread_group:) with tsk->exit_signal = SIGCHLD ("we have
     * changed execution domain"), for every successful exec: a clone child made with another exit signal
     * (or none) becomes an ordinary child — a plain wait4 reaps it, its exit sends SIGCHLD.
     *
     * <p>Linux writes the field without tasklist_lock: there is one copy, and eligible_child, which reads
     * it under read_lock, races benignly with the exec of a live child. The model has two copies, ours
     * and the parent's ChildInfo, and changes the parent's under write_lock_irq(&tasklist_lock) as
     * docs/architecture.md "The pid hash's copy of task fields" requires: reparenting moves children
     * lists under that lock, so the message reaches the parent that has us on its list now (it is not
     * lost in a father that already handed us on to a thread of its group, which keeps exit signals),
     * and a do_wait that takes the lock after us finds it already applied.
     */
    public static void afterDeThread(Task t, TaskState s, MsgId cause, Frame.Execing f) {
        if (s.exitSignal == Sig.SIGCHLD) {
            unshareAndMap(t, s, cause, f);
            return;
        }
        if (s.parent == null) {
            t.event(s, new TaskEvent.ExitSignalReset(cause, Sig.SIGCHLD));
            unshareAndMap(t, s, cause, f);
            return;
        }
        t.enter(s, cause, f.at(At.EXIT_SIGNAL_LOCK));
        Ctx ctx = t.ctx(s, PATH + "/begin_new_exec/de_thread");
        Locking.lock(t, s, LockCall.WRITE_LOCK_IRQ_TASKLIST, Locking.global(LockClass.TASKLIST_LOCK), ctx);
    }

    /** Holding tasklist_lock: exit_signal = SIGCHLD, the parent told, the lock dropped; on with the exec. */
    static void exitSignalLocked(Task t, TaskState s, MsgId cause) {
        Frame.Execing f = frame(s);
        t.event(s, new TaskEvent.ExitSignalReset(cause, Sig.SIGCHLD));
        ActorRef<TaskCmd> parent = s.parent;
        String k = t.key();
        if (parent != null) t.then(() -> parent.tell(new TaskCmd.ChildExitSignal(t.nextId(), k, Sig.SIGCHLD)));
        Locking.unlock(t, s, cause, LockClass.TASKLIST_LOCK, t.ctx(s, PATH + "/begin_new_exec/de_thread"));
        unshareAndMap(t, s, cause, f);
    }

    /** unshare_sighand, unshare_files, then the new image. */
    private static void unshareAndMap(Task t, TaskState s, MsgId cause, Frame.Execing f) {
        unshareSighand(t, s, cause);
        unshareFiles(t, s, cause);
        t.enter(s, cause, f.at(At.BPRM_MM_INIT));
        newImage(t, s, f.pages());
    }

    /**
     * unshare_sighand (de_thread): signal actions shared with another process (CLONE_SIGHAND without
     * CLONE_THREAD) are copied, so its later sigaction calls no longer reach the new program.
     */
    static void unshareSighand(Task t, TaskState s, MsgId cause) {
        String table = s.objects.sighand();
        if (table == null || !s.sharedNow(table)) return;
        String k = t.key();
        String copy = copyName(ObjType.SIGHAND_STRUCT, k, table);
        Ctx ctx = t.ctx(s, PATH + "/begin_new_exec/de_thread/unshare_sighand");
        Shared.put(t, s, cause, table, ctx.in("__cleanup_sighand"));
        t.event(
                s,
                new TaskEvent.SighandUnshared(
                        cause,
                        copy,
                        List.of(LedgerEntry.of(
                                copy,
                                ObjType.SIGHAND_STRUCT,
                                k,
                                LedgerEvent.ALLOC,
                                1,
                                k,
                                ctx.in("kmem_cache_alloc")))));
        NewTask.setSighand(t, k, copy);
    }

    /**
     * The id of the table unshare_sighand / unshare_files allocates: TYPE#KEY.exec for a task's first
     * copy, then .exec2, .exec3, ... Each is a new kmem_cache_alloc, and the table it replaces may live on
     * in the process it was shared with (a second exec after a new CLONE_SIGHAND / CLONE_FILES child), so
     * the copy needs an id of its own. A task's table changes only here (copy_process gives it its first),
     * so the table it unshares is always its newest copy, if it has one.
     */
    static String copyName(ObjType type, String k, String current) {
        String first = type.kernelName + "#" + k + ".exec";
        if (!current.startsWith(first)) return first;
        String n = current.substring(first.length());
        return first + (n.isEmpty() ? 2 : Integer.parseInt(n) + 1);
    }

    /**
     * unshare_files (begin_new_exec): a files_struct shared with another process (CLONE_FILES) is
     * copied, so the new program's descriptors are its own; the shared one loses a reference.
     *
     * <p>kernel/fork.c unshare_files: unshare_fd → dup_fd (fs/file.c) takes get_file on every open file for the copy
     * first, and only then put_files_struct(old). The order matters: unshare_fd's
     * {@code atomic_read(&fd->count) > 1} is not a reference, and the other users may drop theirs before
     * the put (a CLONE_FILES sibling exiting), so this put can be the old table's last, whose
     * close_files fputs every file. The copy's get_file must reach the files before that fput does, or it
     * would take a reference on a file the last fput has freed; a file freed by the last fput can be in
     * no table. (The Get is sent before the put, and the owner's fput is only sent after the put reaches
     * it, so the Get is in the file table's mailbox first.)
     */
    static void unshareFiles(Task t, TaskState s, MsgId cause) {
        String table = s.objects.filesStruct();
        if (table == null || !s.sharedNow(table)) return; // files->count == 1: nothing to unshare
        String k = t.key();
        String copy = copyName(ObjType.FILES_STRUCT, k, table);
        Ctx ctx = t.ctx(s, PATH + "/begin_new_exec/unshare_files");
        List<String> files = s.fds.stream().filter(Objects::nonNull).toList();
        // unshare_fd → dup_fd: get_file on each open file for the copy, sent first.
        if (!files.isEmpty()) {
            t.then(() -> t.env.files().tell(new FileTable.Get(t.nextId(), files, copy, ctx.in("unshare_fd/dup_fd"))));
        }
        // put_files_struct(old), with the old table still this task's (FilesUnshared switches it): the
        // owner's actor counts it; if the other users are gone by now this is the last put, and the owner
        // closes the old table's files after the Get above.
        Shared.put(t, s, cause, table, ctx.in("put_files_struct"));
        t.event(
                s,
                new FilesUnshared(
                        cause,
                        copy,
                        List.of(LedgerEntry.of(
                                copy, ObjType.FILES_STRUCT, k, LedgerEvent.ALLOC, 1, k, ctx.in("unshare_fd/dup_fd")))));
    }

    /** begin_new_exec → exec_mmap: down_write_killable(&tsk->signal->exec_update_lock) first. */
    static void newMm(Task t, TaskState s, MmuCmd.MmReply r) {
        t.enter(s, r.id(), frame(s).newMm(At.EXEC_UPDATE_LOCK, r.mm()));
        Locking.lock(t, s, LockCall.EXEC_UPDATE_LOCK, s.objects.signal(), t.ctx(s, PATH + "/begin_new_exec/exec_mmap"));
    }

    /** Holding exec_update_lock: mmap_read_lock_killable(old_mm), if there is an old mm. */
    static void execUpdateLocked(Task t, TaskState s, MsgId cause) {
        if (s.mm == null) {
            oldMmLocked(t, s, cause);
            return;
        }
        t.enter(s, cause, frame(s).at(At.OLD_MMAP_LOCK));
        Locking.lock(t, s, LockCall.MMAP_READ_LOCK, s.mm, t.ctx(s, PATH + "/begin_new_exec/exec_mmap"));
    }

    /** task_lock(tsk) for the switch of tsk->mm and tsk->active_mm. */
    static void oldMmLocked(Task t, TaskState s, MsgId cause) {
        t.enter(s, cause, frame(s).at(At.TASK_LOCK));
        Locking.lock(t, s, LockCall.TASK_LOCK, t.key(), t.ctx(s, PATH + "/begin_new_exec/exec_mmap"));
    }

    /** Under task_lock: switch to the new mm; task_unlock; then release the old one. */
    static void switchMm(Task t, TaskState s, MsgId cause) {
        Frame.Execing f = frame(s);
        String image = f.image();
        String old = s.mm;
        Vfork.mmRelease(t, s, cause); // exec_mm_release → mm_release: a vfork parent may go on
        t.event(s, new Execed(cause, image, image, f.newMm(), old));
        Ctx mmap = t.ctx(s, PATH + "/begin_new_exec/exec_mmap");
        Locking.unlock(t, s, cause, LockClass.ALLOC_LOCK, mmap);
        Locking.unlockIfHeld(t, s, cause, LockClass.MMAP_LOCK, mmap); // (a kernel thread has no old mm)
        int pid = s.pid;
        t.then(() -> t.env.pids().tell(new PidAllocator.SetComm(t.nextId(), pid, image)));
        if (old == null) {
            finish(t, s, cause);
            return;
        }
        t.enter(s, cause, f.at(At.EXEC_MMAP));
        Ctx ctx = t.ctx(s, PATH + "/begin_new_exec/exec_mmap");
        String k = t.key();
        t.then(() -> t.env.mmu().tell(new MmuCmd.Mmput(t.nextId(), old, "users:" + k, ctx, t.mmReplies)));
    }

    /**
     * setup_new_exec: up_write(exec_update_lock), mutex_unlock(cred_guard_mutex); execve "returns" into
     * the new program, whose first step runs next.
     */
    public static void finish(Task t, TaskState s, MsgId cause) {
        Ctx ctx = t.ctx(s, PATH + "/setup_new_exec");
        Locking.unlock(t, s, cause, LockClass.EXEC_UPDATE_LOCK, ctx);
        unlockCreds(t, s, cause, "setup_new_exec");
        t.returnTo(s, cause, 0, 0);
    }

    /** mutex_unlock(&current->signal->cred_guard_mutex): at setup_new_exec, or free_bprm on failure. */
    private static void unlockCreds(Task t, TaskState s, MsgId cause, String where) {
        Locking.unlock(t, s, cause, LockClass.CRED_GUARD_MUTEX, t.ctx(s, PATH + "/" + where));
    }

    /** On the old leader's parent: its children list names the thread that took the leader's place. */
    public static void childReplaced(Task t, TaskState s, TaskCmd.ChildReplaced c) {
        ChildInfo old = s.children.get(c.oldKey());
        if (old != null) t.event(s, new ChildRemoved(c.id(), c.oldKey()));
        t.event(s, new ChildAdded(c.id(), old == null ? c.now() : c.now().withVpid(old.vpid())));
    }

    /** On the parent: the exec'd child's entry has exit signal SIGCHLD now (eligible_child's __WCLONE test). */
    public static void childExitSignal(Task t, TaskState s, TaskCmd.ChildExitSignal c) {
        ChildInfo ci = s.children.get(c.key());
        if (ci != null && ci.exitSignal() != c.exitSignal()) {
            t.event(s, new TaskEvent.ChildChanged(c.id(), ci.withExitSignal(c.exitSignal())));
        }
    }
}
