package dev.kmodel.kernel.locking;

import dev.kmodel.fs.Exec;
import dev.kmodel.kernel.Ctx;
import dev.kmodel.kernel.MsgId;
import dev.kmodel.kernel.task.Frame;
import dev.kmodel.kernel.task.Task;
import dev.kmodel.kernel.task.TaskEvent;
import dev.kmodel.kernel.task.TaskState;
import java.util.ArrayList;
import java.util.List;

/**
 * A task's side of the locks: asking for one (the path then waits at one of its steps for the
 * {@link LockActor.Granted}), recording it on the held-lock stack when it comes, and releasing it.
 * Lockdep's lock_acquire / lock_release (kernel/locking/lockdep.c) are these events; the report's
 * lockdep (report/Lockdep.java) reads them back.
 */
public final class Locking {
    private Locking() {}

    /** The instance of a global lock. */
    public static String global(LockClass c) {
        return c.lockdepName;
    }

    /** Asks for {@code instance} of {@code call}'s class; the grant comes to the task's path. */
    public static void lock(Task t, TaskState s, LockCall call, String instance, Ctx ctx) {
        ask(t, s, call, instance, ctx, false);
    }

    /** The same from the interrupt handler running on the task's stack. */
    public static void lockInIrq(Task t, TaskState s, LockCall call, String instance, Ctx ctx) {
        ask(t, s, call, instance, ctx, true);
    }

    private static void ask(Task t, TaskState s, LockCall call, String instance, Ctx ctx, boolean inIrq) {
        HeldLock want = new HeldLock(
                call.cls(), instance, call.mode(), call.subclass(), call.irq(), inIrq, call.function(), ctx.path());
        List<String> held = labels(s);
        t.then(() -> t.env.lock(call.cls()).tell(new LockActor.Acquire(t.nextId(), want, ctx, held, t.grants)));
    }

    /** The grant came: the lock is on the held stack (lock_acquire). */
    public static void acquired(Task t, TaskState s, LockActor.Granted g) {
        // spin_lock_irq / _irqsave turn interrupts off before they take the lock: lockdep sees them off.
        boolean on = !s.irqsOff() && !g.lock().irq().disables();
        t.event(s, new TaskEvent.LockAcquired(g.id(), g.lock(), s.cpu, on, g.waited()));
    }

    /**
     * Releases the innermost held lock of class {@code c}: a message to its actor and the release on the
     * held stack. A release of a class the task does not hold is journaled as such (bad unlock balance).
     */
    public static void unlock(Task t, TaskState s, MsgId cause, LockClass c, Ctx ctx) {
        HeldLock h = innermost(s, c);
        if (h == null) {
            t.event(s, new TaskEvent.LockNotHeld(cause, c, "unlock", ctx.path()));
            return;
        }
        t.event(s, new TaskEvent.LockReleased(cause, c, h.instance(), LockCall.unlockName(h), ctx.path(), s.cpu));
        if (c.actor == null) return; // rcu_read_unlock: nobody to tell
        String instance = h.instance();
        LockMode mode = h.mode();
        t.then(() -> t.env.lock(c).tell(new LockActor.Release(t.nextId(), instance, mode, ctx)));
    }

    /**
     * Releases the innermost lock of class {@code c} if the task holds one: for a path whose earlier steps
     * may or may not have taken it (no old mm to lock, a fault that took it elsewhere).
     */
    public static void unlockIfHeld(Task t, TaskState s, MsgId cause, LockClass c, Ctx ctx) {
        if (holds(s, c)) unlock(t, s, cause, c, ctx);
    }

    /** rcu_read_lock(): a recursive read lock lockdep tracks; it excludes nobody, so no actor is asked. */
    public static void rcuReadLock(Task t, TaskState s, MsgId cause, Ctx ctx) {
        LockCall c = LockCall.RCU_READ_LOCK;
        HeldLock h =
                new HeldLock(c.cls(), global(c.cls()), c.mode(), 0, c.irq(), s.irq != null, c.function(), ctx.path());
        t.event(s, new TaskEvent.LockAcquired(cause, h, s.cpu, !s.irqsOff(), false));
    }

    /** rcu_read_unlock(). */
    public static void rcuReadUnlock(Task t, TaskState s, MsgId cause, Ctx ctx) {
        unlock(t, s, cause, LockClass.RCU_READ_LOCK, ctx);
    }

    /** lockdep_assert_held: the path reads what {@code c} guards; not holding it is journaled for lockdep. */
    public static void assertHeld(Task t, TaskState s, MsgId cause, LockClass c, Ctx ctx) {
        if (!holds(s, c)) t.event(s, new TaskEvent.LockAssertFailed(cause, c, ctx.function(), ctx.path()));
    }

    /**
     * A system call abandoned for a fatal signal returns through its error path, which drops what it
     * holds (innermost first) before the signal is acted on; the model kills the task where it stands,
     * so the unwinding is done here.
     */
    public static void unwind(Task t, TaskState s, MsgId cause, Ctx ctx) {
        for (int i = s.held.size() - 1; i >= 0; i--)
            unlock(t, s, cause, s.held.get(i).cls(), ctx);
    }

    /**
     * A fatal signal for a task asleep on a sleeping lock it asked for killably (mutex_lock_interruptible,
     * *_killable): the wait is cancelled and the task runs, to die. An uninterruptible wait (down_read,
     * mmap_read_lock) goes on sleeping until the lock comes.
     */
    public static void cancelWait(Task t, TaskState s, MsgId cause) {
        TaskEvent.LockSlept l = s.lockSleep;
        if (l == null || !killableWait(s)) return;
        t.event(s, new TaskEvent.LockWaitCancelled(cause, l.cls(), l.instance()));
        t.event(s, new TaskEvent.Woken(cause, "signal_wake_up"));
        leaveQueue(t, s, l.cls(), l.instance());
        t.enqueueSelf(s);
    }

    /** Takes the task out of the lock's queue (or, if it was handed the lock meanwhile, nothing). */
    public static void leaveQueue(Task t, TaskState s, LockClass cls, String instance) {
        Ctx ctx = t.ctx(s, "signal_wake_up");
        t.then(() -> t.env.lock(cls).tell(new LockActor.Cancel(t.nextId(), instance, ctx)));
    }

    /**
     * Which of the model's sleeping-lock waits are killable: exec's cred_guard_mutex
     * (mutex_lock_interruptible) and mmap's mmap_write_lock_killable, whose paths have nothing to undo
     * yet. dup_mmap's and exec_mmap's killable waits are modelled as uninterruptible (their error paths,
     * bad_fork_* and free_bprm, are not).
     */
    public static boolean killableWait(TaskState s) {
        return (s.frame instanceof Frame.Execing e && e.step() == Exec.At.CRED_GUARD_MUTEX)
                || (s.frame instanceof Frame.MmCalling m && !m.fault());
    }

    /** Does the task hold a lock of class {@code c}? */
    public static boolean holds(TaskState s, LockClass c) {
        return innermost(s, c) != null;
    }

    private static HeldLock innermost(TaskState s, LockClass c) {
        for (int i = s.held.size() - 1; i >= 0; i--) {
            if (s.held.get(i).cls() == c) return s.held.get(i);
        }
        return null;
    }

    /** The held stack as the lock actors journal it. */
    static List<String> labels(TaskState s) {
        if (s.held.isEmpty()) return List.of();
        List<String> l = new ArrayList<>(s.held.size());
        for (HeldLock h : s.held) l.add(h.label());
        return l;
    }
}
