package dev.kmodel.kernel.fork;

import akka.actor.typed.ActorRef;
import dev.kmodel.fs.FileTable;
import dev.kmodel.ipc.Sem;
import dev.kmodel.kernel.Ctx;
import dev.kmodel.kernel.MsgId;
import dev.kmodel.kernel.sys.Sys;
import dev.kmodel.kernel.task.Task;
import dev.kmodel.kernel.task.TaskCmd;
import dev.kmodel.kernel.task.TaskEvent;
import dev.kmodel.kernel.task.TaskEvent.*;
import dev.kmodel.kernel.task.TaskState;
import dev.kmodel.ledger.LedgerEntry;
import dev.kmodel.ledger.LedgerEvent;
import dev.kmodel.ledger.ObjType;
import dev.kmodel.uapi.Errno;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The objects clone flags share: files_struct (CLONE_FILES, fs/file.c), fs_struct (CLONE_FS,
 * fs/fs_struct.c), sighand_struct (CLONE_SIGHAND), signal_struct (CLONE_THREAD) (kernel/fork.c) and
 * sem_undo_list (CLONE_SYSVSEM, ipc/sem.c). The actor of the task that allocated one counts its
 * references (the atomic count in Linux); the others send get / put to it. A table that is shared
 * (the fd table, the signal actions) is changed by its owner alone, which tells every sharer the
 * same change in the same order, so that a change by one task is seen by the others.
 */
public final class Shared {
    private Shared() {}

    /** The kernel type of an object id ("files_struct#task-3" → files_struct). */
    static ObjType typeOf(String object) {
        String name = object.substring(0, object.indexOf('#'));
        for (ObjType t : ObjType.values()) {
            if (t.kernelName.equals(name)) return t;
        }
        throw new IllegalArgumentException(object);
    }

    /** The actor counting {@code object}'s references, seen from {@code s}. */
    public static ActorRef<TaskCmd> owner(Task t, TaskState s, String object) {
        return s.objOwner.getOrDefault(object, t.self);
    }

    /** get_files_struct / fs->users++ / refcount_inc(&sighand->count) / signal->sigcnt / undo_list->refcnt. */
    public static void get(
            Task t, TaskState s, MsgId cause, String object, String holder, ActorRef<TaskCmd> holderRef, Ctx ctx) {
        if (s.counts(object)) {
            taken(t, s, cause, object, holder, holderRef, ctx);
            return;
        }
        ActorRef<TaskCmd> owner = s.objOwner.get(object);
        t.then(() -> owner.tell(new TaskCmd.SharedGet(t.nextId(), object, holder, holderRef, ctx)));
    }

    /** The owner's side of a get. */
    public static void taken(
            Task t, TaskState s, MsgId cause, String object, String holder, ActorRef<TaskCmd> holderRef, Ctx ctx) {
        int n = s.refs.getOrDefault(object, 1) + 1;
        t.event(
                s,
                new SharedTaken(
                        cause,
                        object,
                        holder,
                        holderRef,
                        n,
                        List.of(LedgerEntry.of(object, typeOf(object), t.key(), LedgerEvent.GET, n, holder, ctx))));
    }

    /**
     * Drops this task's reference on {@code object}. Returns true when it was the last one and the
     * caller frees the object now, on its own path; false when others still hold it (or the owner's
     * actor will free it: the last put may come from any sharer).
     */
    public static boolean put(Task t, TaskState s, MsgId cause, String object, Ctx ctx) {
        if (object == null) return false;
        if (!s.counts(object)) {
            ActorRef<TaskCmd> owner = s.objOwner.get(object);
            String k = t.key();
            t.then(() -> owner.tell(new TaskCmd.SharedPut(t.nextId(), object, k, ctx)));
            return false;
        }
        if (!s.refs.containsKey(object)) return true; // never shared: the usual path frees it
        int n = s.refs.get(object) - 1;
        t.event(
                s,
                new SharedDropped(
                        cause,
                        object,
                        t.key(),
                        n,
                        n > 0
                                ? List.of(LedgerEntry.of(
                                        object, typeOf(object), t.key(), LedgerEvent.PUT, n, t.key(), ctx))
                                : List.of()));
        return n == 0;
    }

    /** The owner's side of a put from a sharer; the last reference frees the object here. */
    public static void sharedPut(Task t, TaskState s, TaskCmd.SharedPut c) {
        String object = c.object();
        int n = s.refs.getOrDefault(object, 1) - 1;
        ObjType type = typeOf(object);
        String k = t.key();
        var reply = c.replyTo();
        if (reply != null) t.then(() -> reply.tell(new TaskCmd.SharedPutDone(t.nextId(), object, n <= 0)));
        if (n > 0) {
            t.event(
                    s,
                    new SharedDropped(
                            c.id(),
                            object,
                            c.holder(),
                            n,
                            List.of(LedgerEntry.of(object, type, k, LedgerEvent.PUT, n, c.holder(), c.ctx()))));
            return;
        }
        t.event(s, new SharedDropped(c.id(), object, c.holder(), 0, List.of()));
        Ctx at = c.ctx();
        boolean kept = s.keptFds.containsKey(object) || s.keptSigactions.containsKey(object);
        switch (type) {
            case FILES_STRUCT -> {
                // put_files_struct → close_files: fput every open file; the struct goes to the slab.
                List<String> files = (kept ? s.keptFds.get(object) : s.fds)
                        .stream().filter(Objects::nonNull).toList();
                LedgerEntry free =
                        LedgerEntry.of(object, type, k, LedgerEvent.FREE, 0, c.holder(), at.in("kmem_cache_free"));
                t.event(
                        s,
                        kept
                                ? new KeptTableFreed(c.id(), object, List.of(free))
                                : new FilesReleased(c.id(), List.of(free)));
                if (!files.isEmpty()) {
                    t.then(() -> t.env.files()
                            .tell(new FileTable.Fput(
                                    t.nextId(), files, object, at.in("close_files/filp_close"), null, true)));
                }
            }
            case FS_STRUCT ->
                t.event(
                        s,
                        new FsReleased(
                                c.id(),
                                List.of(LedgerEntry.of(
                                        object, type, k, LedgerEvent.FREE, 0, c.holder(), at.in("free_fs_struct")))));
            case SEM_UNDO_LIST -> {
                if (reply == null) Sem.applyUndo(t, object, at); // else the putter applies it
                t.event(
                        s,
                        new SemUndoReleased(
                                c.id(),
                                List.of(LedgerEntry.of(
                                        object, type, k, LedgerEvent.FREE, 0, c.holder(), at.in("kfree_rcu")))));
            }
            default -> {
                List<LedgerEntry> free = List.of(LedgerEntry.of(
                        object,
                        type,
                        k,
                        LedgerEvent.FREE,
                        0,
                        c.holder(),
                        at.in(type == ObjType.SIGNAL_STRUCT ? "free_signal_struct" : "kmem_cache_free")));
                t.event(
                        s,
                        kept
                                ? new KeptTableFreed(c.id(), object, free)
                                : new SharedDropped(c.id(), object, c.holder(), 0, free));
            }
        }
    }

    // ---- shared tables: the fd table and the signal actions ------------------------------------

    /** Is this task's table (files_struct or sighand_struct) also someone else's? */
    public static boolean tableShared(TaskState s, String object) {
        return s.sharedNow(object);
    }

    /** The owner applies a change to a shared table and sends it to every other holder, in order. */
    public static void change(Task t, TaskState s, TaskEvent change, String object) {
        boolean kept = s.keptFds.containsKey(object) || s.keptSigactions.containsKey(object);
        t.event(s, kept ? new KeptTableChanged(change.cause(), object, change) : change);
        Map<String, ActorRef<TaskCmd>> holders = s.sharers.getOrDefault(object, new LinkedHashMap<>());
        List<ActorRef<TaskCmd>> to = new ArrayList<>(holders.values());
        t.then(() -> {
            for (ActorRef<TaskCmd> h : to) h.tell(new TaskCmd.ApplyShared(t.nextId(), change, object));
        });
    }

    /** A holder applies the owner's change to its copy of the table. */
    public static void apply(Task t, TaskState s, TaskCmd.ApplyShared c) {
        MsgId cause = c.id();
        if (c.table() != null
                && !c.table().equals(s.objects.filesStruct())
                && !c.table().equals(s.objects.sighand())) {
            // The holder has left the table since the owner sent the change: an exec's unshare_files
            // (kernel/fork.c unshare_fd → dup_fd) or de_thread's sighand copy switched it to its own copy,
            // and its put of the old table is still on its way to the owner. In Linux the table is one
            // object: dup_fd copies it under files->file_lock, so this fd_install/close happened after the
            // copy and is not in it. The copy took get_file only on the files it copied (s.fds then), so
            // applying a later FilesOpened here would put a file in the copy with no reference of its own,
            // and its close_files would fput a file the old table's last fput freed.
            return;
        }
        if (c.change() instanceof FilesOpened f) {
            t.event(s, new FilesOpened(cause, f.files()));
        } else if (c.change() instanceof FileClosed f) {
            if (f.fd() < s.fds.size()) t.event(s, new FileClosed(cause, f.fd()));
        } else if (c.change() instanceof SigactionSet a) {
            t.event(s, new SigactionSet(cause, a.sig(), a.action()));
        } else if (c.change() instanceof PgidSet g) {
            t.event(s, new PgidSet(cause, g.pgid(), g.sid())); // the group's pgid, shared by its threads
        } else if (c.change() instanceof TaskEvent.SubreaperSet r) {
            // signal->is_child_subreaper, shared by the threads (prctl(PR_SET_CHILD_SUBREAPER) on any of them).
            Sys.subreaperSet(t, s, new TaskEvent.SubreaperSet(cause, r.on()));
            forwardToThreads(t, s, r);
        } else if (c.change() instanceof TaskEvent.HasChildSubreaperSet h) {
            // signal->has_child_subreaper, shared by the threads (propagate_has_child_subreaper).
            Sys.hasChildSubreaperSet(t, s, new TaskEvent.HasChildSubreaperSet(cause));
            forwardToThreads(t, s, h);
        } else if (c.change() instanceof RlimitSet r) {
            // signal->rlim, shared by the threads: a thread's setrlimit reaches the leader, which tells the rest.
            t.event(s, new RlimitSet(cause, r.resource(), r.cur(), r.max()));
            if (s.isLeader()) {
                List<ActorRef<TaskCmd>> to =
                        s.threads.values().stream().map(x -> x.ref()).toList();
                t.then(() -> {
                    for (ActorRef<TaskCmd> th : to) th.tell(new TaskCmd.ApplyShared(t.nextId(), r));
                });
            }
        }
    }

    /** A change of the process's signal_struct that reached the leader: the leader tells its threads. */
    private static void forwardToThreads(Task t, TaskState s, TaskEvent change) {
        if (!s.isLeader()) return;
        List<ActorRef<TaskCmd>> to =
                s.threads.values().stream().map(x -> x.ref()).toList();
        t.then(() -> {
            for (ActorRef<TaskCmd> th : to) th.tell(new TaskCmd.ApplyShared(t.nextId(), change));
        });
    }

    /** fd_install in a shared fd table: the next descriptor is the table's size, as the owner sees it. */
    public static void installFds(Task t, TaskState s, TaskCmd.InstallFds c) {
        int fd = fdsOf(s, c.table()).size();
        change(t, s, new FilesOpened(c.id(), c.files()), c.table());
        reply(t, c.replyTo(), fd, null, null);
    }

    /** close_fd in a shared fd table. */
    public static void closeFd(Task t, TaskState s, TaskCmd.CloseFd c) {
        int fd = c.fd();
        List<String> fds = fdsOf(s, c.table());
        if (fd < 0 || fd >= fds.size() || fds.get(fd) == null) {
            reply(t, c.replyTo(), 0, Errno.EBADF, null);
            return;
        }
        String file = fds.get(fd);
        change(t, s, new FileClosed(c.id(), fd), c.table());
        reply(t, c.replyTo(), 0, null, file);
    }

    /** do_sigaction on a shared sighand_struct. */
    public static void setSigaction(Task t, TaskState s, TaskCmd.SetSigaction c) {
        change(t, s, new SigactionSet(c.id(), c.sig(), c.action()), c.table());
        reply(t, c.replyTo(), 0, null, null);
    }

    /** The fd table named {@code table}: ours, or one we keep for others. */
    private static List<String> fdsOf(TaskState s, String table) {
        return s.keptFds.getOrDefault(table, s.fds);
    }

    private static void reply(Task t, ActorRef<TaskCmd> to, long ret, Errno errno, String file) {
        t.then(() -> to.tell(new TaskCmd.TableOpDone(t.nextId(), ret, errno, file)));
    }
}
