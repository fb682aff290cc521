package dev.kmodel.ipc;

import dev.kmodel.kernel.MsgId;
import dev.kmodel.kernel.task.Task;
import dev.kmodel.kernel.task.TaskEvent.SemUndoAllocated;
import dev.kmodel.kernel.task.TaskState;
import dev.kmodel.ledger.LedgerEntry;
import dev.kmodel.ledger.ObjType;
import java.util.List;

/** ipc/sem.c, as far as process lifetime goes: the SEM_UNDO list a task owns until exit_sem. */
public final class Sem {
  private Sem() {}

  /** semop with SEM_UNDO: the first one allocates the task's sem_undo_list (get_undo_list). */
  public static void semundo(Task t, TaskState s, MsgId cause) {
    if (s.semUndo == null) getUndoList(t, s, cause, t.ctx(s, "__x64_sys_semop/do_semtimedop/find_alloc_undo/get_undo_list"));
    t.ret(s, cause, 0, null, null);
  }

  /** get_undo_list: allocates the task's sem_undo_list (shared with CLONE_SYSVSEM). */
  public static void getUndoList(Task t, TaskState s, MsgId cause, dev.kmodel.kernel.Ctx ctx) {
    String obj = ObjType.SEM_UNDO_LIST.kernelName + "#" + t.key();
    t.event(s, new SemUndoAllocated(cause, obj, List.of(LedgerEntry.of(obj, ObjType.SEM_UNDO_LIST, t.key(), "alloc",
        1, t.key(), ctx))));
  }
}
