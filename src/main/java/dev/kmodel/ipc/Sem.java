package dev.kmodel.ipc;

import dev.kmodel.kernel.Ctx;
import dev.kmodel.kernel.MsgId;
import dev.kmodel.kernel.task.Frame;
import dev.kmodel.kernel.task.Task;
import dev.kmodel.kernel.task.TaskEvent.SemUndoAllocated;
import dev.kmodel.kernel.task.TaskEvent.ShmSegmentCreated;
import dev.kmodel.kernel.task.TaskState;
import dev.kmodel.ledger.LedgerEntry;
import dev.kmodel.ledger.LedgerEvent;
import dev.kmodel.ledger.ObjType;
import dev.kmodel.scenario.Step;
import java.util.List;

/** ipc/sem.c, as far as process lifetime goes: the SEM_UNDO list a task owns until exit_sem. */
public final class Sem {
    private Sem() {}

    /**
     * semop(2) on semaphore {@code sem} (default 0) of the one set, adding {@code count} (default 1);
     * with SEM_UNDO the first call allocates the task's sem_undo_list (find_alloc_undo → get_undo_list)
     * and the semaphore's semadj records the opposite, for exit_sem. IPC_NOWAIT semantics: EAGAIN
     * instead of blocking.
     */
    public static void semop(Task t, TaskState s, MsgId cause, Step st, boolean undo) {
        int sem = (int) t.resolveOr(s, st, "sem", 0);
        int delta = (int) t.resolveOr(s, st, "count", 1);
        Ctx ctx = t.ctx(s, "__x64_sys_semop/do_semtimedop");
        if (undo && s.semUndo == null) getUndoList(t, s, cause, ctx.in("find_alloc_undo/get_undo_list"));
        String list = undo ? s.semUndo : null;
        t.enter(s, cause, new Frame.Calling(Frame.Syscall.IPC_CALL));
        t.then(() -> t.env.ipc().tell(new SysvIpc.Semop(t.nextId(), sem, delta, list, ctx, t.ipcReplies)));
    }

    /** semctl(sem, GETVAL). */
    public static void semval(Task t, TaskState s, MsgId cause, Step st) {
        int sem = (int) t.resolveOr(s, st, "sem", 0);
        t.enter(s, cause, new Frame.Calling(Frame.Syscall.IPC_CALL));
        t.then(() -> t.env.ipc().tell(new SysvIpc.GetVal(t.nextId(), sem, t.ipcReplies)));
    }

    /** shmget(IPC_PRIVATE, count pages): a segment this task created (exit_shm looks for them). */
    public static void shmget(Task t, TaskState s, MsgId cause, Step st) {
        int pages = (int) t.resolveOr(s, st, "count", 1);
        t.enter(s, cause, new Frame.Calling(Frame.Syscall.IPC_CALL));
        Ctx ctx = t.ctx(s, "__x64_sys_shmget/ipcget");
        String k = t.key();
        t.then(() -> t.env.ipc().tell(new SysvIpc.ShmGet(t.nextId(), pages, k, ctx, t.ipcReplies)));
    }

    /** exit_sem's last user: the adjustments are applied (the undo list itself is freed by the caller). */
    public static void applyUndo(Task t, String undoList, Ctx ctx) {
        t.then(() -> t.env.ipc().tell(new SysvIpc.ExitSem(t.nextId(), undoList, ctx)));
    }

    /** exit_shm (ipc/shm.c): the segments this task created are orphaned, or destroyed with shm_rmid_forced. */
    public static void exitShm(Task t, TaskState s, Ctx ctx) {
        String k = t.key();
        boolean forced = t.env.scenario().shmRmidForced();
        t.then(() -> t.env.ipc().tell(new SysvIpc.ExitShm(t.nextId(), k, forced, ctx)));
    }

    /** get_undo_list: allocates the task's sem_undo_list (shared with CLONE_SYSVSEM). */
    public static void getUndoList(Task t, TaskState s, MsgId cause, Ctx ctx) {
        String obj = ObjType.SEM_UNDO_LIST.kernelName + "#" + t.key();
        t.event(
                s,
                new SemUndoAllocated(
                        cause,
                        obj,
                        List.of(LedgerEntry.of(
                                obj, ObjType.SEM_UNDO_LIST, t.key(), LedgerEvent.ALLOC, 1, t.key(), ctx))));
    }

    /** The SysV IPC actor answered a semop, semctl or shmget; a new segment is remembered for exit_shm. */
    public static void done(Task t, TaskState s, SysvIpc.Reply r) {
        if (s.op.equals("shmget") && r.errno() == null) t.event(s, new ShmSegmentCreated(r.id(), (int) r.ret()));
        t.ret(s, r.id(), r.ret(), r.errno(), null);
    }
}
