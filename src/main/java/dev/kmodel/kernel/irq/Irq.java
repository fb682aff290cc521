package dev.kmodel.kernel.irq;

import dev.kmodel.kernel.Ctx;
import dev.kmodel.kernel.MsgId;
import dev.kmodel.kernel.locking.LockActor;
import dev.kmodel.kernel.locking.LockCall;
import dev.kmodel.kernel.locking.LockClass;
import dev.kmodel.kernel.locking.Locking;
import dev.kmodel.kernel.task.Task;
import dev.kmodel.kernel.task.TaskEvent;
import dev.kmodel.kernel.task.TaskState;

/**
 * A device interrupt taken by a CPU between two steps of the kernel path it runs (kernel/irq/handle.c;
 * the handler runs on the interrupted task's stack, so lockdep sees it as that task in hardirq context).
 * An interrupt is taken only while interrupts are on: a task holding a lock it took with _irq or
 * _irqsave is not interrupted until it enables them again, as with local_irq_disable(). The handler is kill_fasync's
 * (fs/fcntl.c send_sigio) for an owner that is a process group (F_SETOWN with a negative pid): the walk
 * over the group under read_lock(&tasklist_lock), as send_sigio did before it moved to RCU, and
 * lock_task_sighand on a member. The model's owner is the interrupted task's own group, whose members
 * ignore SIGIO: the locks are taken and nothing is queued.
 */
public final class Irq {
    private Irq() {}

    /** handle_irq → the handler's first lock: send_sigio's read_lock(&tasklist_lock). */
    public static void enter(Task t, TaskState s, MsgId cause, IrqKind kind, String interrupted) {
        t.event(s, new TaskEvent.IrqEntered(cause, kind, s.cpu, interrupted));
        Locking.lockInIrq(
                t, s, LockCall.READ_LOCK_TASKLIST, Locking.global(LockClass.TASKLIST_LOCK), handlerCtx(t, s, kind));
    }

    /**
     * A lock the handler asked for is held: after tasklist_lock, send_sigio_to_task's lock_task_sighand;
     * after siglock, both are released and the handler returns. True when the interrupt is over.
     */
    public static boolean granted(Task t, TaskState s, LockActor.Granted g) {
        Locking.acquired(t, s, g);
        Ctx ctx = handlerCtx(t, s, s.irq);
        if (g.lock().cls() == LockClass.TASKLIST_LOCK) {
            Locking.lockInIrq(
                    t, s, LockCall.SPIN_LOCK_IRQSAVE_SIGLOCK, t.key(), ctx.in("send_sigio_to_task/lock_task_sighand"));
            return false;
        }
        Locking.unlock(t, s, g.id(), LockClass.SIGLOCK, ctx.in("send_sigio_to_task/unlock_task_sighand"));
        Locking.unlock(t, s, g.id(), LockClass.TASKLIST_LOCK, ctx);
        t.event(s, new TaskEvent.IrqExited(g.id(), s.irq));
        return true;
    }

    private static Ctx handlerCtx(Task t, TaskState s, IrqKind kind) {
        return t.ctx(s, "asm_common_interrupt/handle_irq/" + kind.path);
    }
}
