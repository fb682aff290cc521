package dev.kmodel.kernel.fork;

import akka.actor.typed.ActorRef;
import dev.kmodel.fs.FileTable;
import dev.kmodel.kernel.Ctx;
import dev.kmodel.kernel.locking.LockActor;
import dev.kmodel.kernel.locking.LockClass;
import dev.kmodel.kernel.task.Task;
import dev.kmodel.kernel.task.TaskCmd;
import dev.kmodel.kernel.task.TaskEvent.*;
import dev.kmodel.kernel.task.TaskInit;
import dev.kmodel.kernel.task.TaskState;
import dev.kmodel.kernel.task.ThreadInfo;
import dev.kmodel.ledger.LedgerEntry;
import dev.kmodel.ledger.LedgerEvent;
import dev.kmodel.ledger.ObjType;
import dev.kmodel.mm.MmuCmd;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * copy_process on the new task's side (kernel/fork.c): its actor allocates the objects it owns
 * (dup_task_struct, copy_creds, copy_files, copy_fs, copy_sighand, copy_signal, copy_namespaces),
 * learns its pid and mm when the parent links it under tasklist_lock, and frees them all again if
 * copy_process fails after it was created (the bad_fork_* labels). The parent's side is {@link Fork}.
 */
public final class NewTask {
    private NewTask() {}

    /**
     * The child's side of copy_process: dup_task_struct, copy_creds, copy_files, copy_fs, copy_sighand,
     * copy_signal, copy_namespaces, each allocating (or referencing) the child's own objects.
     */
    public static void start(Task t, TaskState s, TaskCmd.Start c) {
        TaskInit i = c.init();
        String k = i.key();
        Ctx at = new Ctx(k, 0, i.cpu(), i.path());
        List<LedgerEntry> l = new ArrayList<>();
        String ts = obj(ObjType.TASK_STRUCT, k), ks = obj(ObjType.KERNEL_STACK, k), ti = obj(ObjType.THREAD_INFO, k);
        String cred = obj(ObjType.CRED, k), files = obj(ObjType.FILES_STRUCT, k), fs = obj(ObjType.FS_STRUCT, k);
        String sighand = obj(ObjType.SIGHAND_STRUCT, k), signal = obj(ObjType.SIGNAL_STRUCT, k);
        // dup_task_struct: usage = 1, rcu_users = 2 (the reaper and the scheduler).
        l.add(LedgerEntry.of(
                ts, ObjType.TASK_STRUCT, k, LedgerEvent.ALLOC, 1, k, at.in("dup_task_struct/alloc_task_struct_node")));
        l.add(LedgerEntry.of(
                ks,
                ObjType.KERNEL_STACK,
                k,
                LedgerEvent.ALLOC,
                1,
                k,
                at.in("dup_task_struct/alloc_thread_stack_node")));
        l.add(LedgerEntry.of(
                ti, ObjType.THREAD_INFO, k, LedgerEvent.ALLOC, 1, k, at.in("dup_task_struct/setup_thread_stack")));
        if (!i.kernelThread()) {
            l.add(LedgerEntry.of(cred, ObjType.CRED, k, LedgerEvent.ALLOC, 1, k, at.in("copy_creds/prepare_creds")));
            // A shared object was referenced by the creator (Fork.share); the others are this task's own.
            files = sharedOr(i, ObjType.FILES_STRUCT, files, l, k, at.in("copy_files/dup_fd"));
            fs = sharedOr(i, ObjType.FS_STRUCT, fs, l, k, at.in("copy_fs/copy_fs_struct"));
            sighand = sharedOr(i, ObjType.SIGHAND_STRUCT, sighand, l, k, at.in("copy_sighand"));
            signal = sharedOr(i, ObjType.SIGNAL_STRUCT, signal, l, k, at.in("copy_signal"));
        } else {
            // kthreadd: created by the kernel, no files or fs of its own that the model follows.
            l.add(LedgerEntry.of(cred, ObjType.CRED, k, LedgerEvent.ALLOC, 1, k, at.in("copy_creds/prepare_creds")));
            l.add(LedgerEntry.of(sighand, ObjType.SIGHAND_STRUCT, k, LedgerEvent.ALLOC, 1, k, at.in("copy_sighand")));
            l.add(LedgerEntry.of(signal, ObjType.SIGNAL_STRUCT, k, LedgerEvent.ALLOC, 1, k, at.in("copy_signal")));
            files = null;
            fs = null;
        }
        Owned o = new Owned(ts, ks, ti, cred, files, fs, sighand, signal, "nsproxy#init");
        t.event(s, new Created(c.id(), i, o, l));
        if (!i.files().isEmpty() && !i.shared().containsKey(ObjType.FILES_STRUCT.kernelName)) {
            // dup_fd: the child's fd table refers to the same struct files (get_file on each).
            List<String> fl = i.files();
            String holder = files;
            Ctx dup = at.in("copy_files/dup_fd");
            t.then(() -> t.env.files().tell(new FileTable.Get(t.nextId(), fl, holder, dup)));
        }
        t.nsproxy(true, at.in("copy_namespaces/get_nsproxy"));
        if (!sighand.equals(obj(ObjType.SIGHAND_STRUCT, k))) setSighand(t, k, sighand); // CLONE_SIGHAND
        ActorRef<TaskCmd.Copied> reply = c.replyTo();
        t.then(() -> reply.tell(new TaskCmd.Copied(t.nextId(), k)));
    }

    /** The shared object of {@code type}, or a new one of the task's own (allocated in the ledger). */
    private static String sharedOr(TaskInit i, ObjType type, String own, List<LedgerEntry> l, String k, Ctx ctx) {
        TaskInit.SharedRef r = i.shared().get(type.kernelName);
        if (r != null) return r.object();
        l.add(LedgerEntry.of(own, type, k, LedgerEvent.ALLOC, 1, k, ctx));
        return own;
    }

    /**
     * p->sighand points at {@code sighand}: the siglock actor resolves lock_task_sighand(p) by it (a task
     * that shares no sighand_struct has its own, named after it, which the lock knows without being told).
     */
    public static void setSighand(Task t, String task, String sighand) {
        t.then(() -> t.env.lock(LockClass.SIGLOCK).tell(new LockActor.SetSighand(t.nextId(), task, sighand)));
    }

    private static String obj(ObjType type, String key) {
        return type.kernelName + "#" + key;
    }

    /** The child learns its pid and address space (copy_process's attach under the lock). */
    public static void attach(Task t, TaskState s, TaskCmd.Attach c) {
        t.event(
                s,
                new Attached(
                        c.id(),
                        c.pid(),
                        c.tgid(),
                        c.ns(),
                        c.pidObject(),
                        c.mm(),
                        c.pgid(),
                        c.sid(),
                        c.vforkParent(),
                        c.link()));
        if (c.vforkParent() != null) {
            // kernel_clone (CLONE_VFORK): p->vfork_done = &vfork; get_task_struct(p) — the parent's reference,
            // dropped by wait_for_vfork_done's put_task_struct (Vfork.putChild).
            Ctx cc = c.ctx();
            String path = cc.path();
            if (path.endsWith("/copy_process")) path = path.substring(0, path.length() - "/copy_process".length());
            Ctx get = new Ctx(cc.task(), cc.pid(), cc.cpu(), path).in("get_task_struct");
            int usage = s.usage + 1;
            t.event(
                    s,
                    new TaskStructRef(
                            c.id(),
                            usage,
                            List.of(LedgerEntry.of(
                                    s.objects.taskStruct(),
                                    ObjType.TASK_STRUCT,
                                    t.key(),
                                    LedgerEvent.GET,
                                    usage,
                                    c.vforkParent().path().name(),
                                    get))));
        }
        if (c.joinGroup() != null) {
            // Fault clone-thread-attach-outside-siglock: the thread goes on its group's list only now, after
            // its creator dropped siglock (see Fork.linked).
            ActorRef<TaskCmd> leader = c.joinGroup();
            ThreadInfo th = new ThreadInfo(t.key(), c.pid(), t.self, false);
            t.then(() -> leader.tell(new TaskCmd.ThreadLinked(t.nextId(), th, false, true)));
        }
    }

    private static void undoObject(
            Task t, TaskState s, TaskCmd.ForkFailed c, List<LedgerEntry> l, String object, ObjType type, Ctx ctx) {
        if (object == null) return;
        if (s.counts(object)) {
            l.add(LedgerEntry.of(object, type, t.key(), LedgerEvent.FREE, 0, t.key(), ctx));
        } else {
            Shared.put(t, s, c.id(), object, ctx);
        }
    }

    /** bad_fork_*: free what copy_process built for a child that will never run. */
    public static void undo(Task t, TaskState s, TaskCmd.ForkFailed c) {
        Ctx at = c.ctx();
        List<LedgerEntry> l = new ArrayList<>();
        Owned o = s.objects;
        String k = t.key();
        // A shared object only loses the child's reference; the child's own ones are freed.
        undoObject(t, s, c, l, o.filesStruct(), ObjType.FILES_STRUCT, at.in("exit_files"));
        undoObject(t, s, c, l, o.fsStruct(), ObjType.FS_STRUCT, at.in("exit_fs/free_fs_struct"));
        undoObject(t, s, c, l, o.sighand(), ObjType.SIGHAND_STRUCT, at.in("__cleanup_sighand"));
        undoObject(t, s, c, l, o.signal(), ObjType.SIGNAL_STRUCT, at.in("free_signal_struct"));
        if (s.semUndo != null) undoObject(t, s, c, l, s.semUndo, ObjType.SEM_UNDO_LIST, at.in("exit_sem"));
        l.add(LedgerEntry.of(o.cred(), ObjType.CRED, k, LedgerEvent.FREE, 0, k, at.in("exit_creds")));
        l.add(LedgerEntry.of(
                o.kernelStack(),
                ObjType.KERNEL_STACK,
                k,
                LedgerEvent.FREE,
                0,
                k,
                at.in("free_task/release_task_stack")));
        l.add(LedgerEntry.of(o.threadInfo(), ObjType.THREAD_INFO, k, LedgerEvent.FREE, 0, k, at.in("free_task")));
        l.add(LedgerEntry.of(
                o.taskStruct(), ObjType.TASK_STRUCT, k, LedgerEvent.FREE, 0, k, at.in("free_task/free_task_struct")));
        t.event(s, new ForkUndone(c.id(), l));
        List<String> files = s.fds.stream().filter(Objects::nonNull).toList();
        if (!files.isEmpty() && s.counts(o.filesStruct())) {
            String holder = o.filesStruct();
            // The parent still holds these files, so none of them reaches its last reference here.
            t.then(() -> t.env.files()
                    .tell(new FileTable.Fput(t.nextId(), files, holder, at.in("exit_files/close_files"), null)));
        }
        t.nsproxy(false, at.in("exit_task_namespaces"));
        if (c.mm() != null) {
            String mm = c.mm();
            t.then(() -> t.env.mmu().tell(new MmuCmd.Mmput(t.nextId(), mm, "users:" + k, at.in("mmput"), null)));
        }
    }
}
