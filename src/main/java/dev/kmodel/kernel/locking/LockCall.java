package dev.kmodel.kernel.locking;

/**
 * One way the kernel takes a lock: the class, the side, what it does to interrupts, lockdep's subclass
 * and the function's name as the source spells it. The lifecycle's paths take their locks through
 * these constants, so the name a student greps for ({@code write_lock_irq}) is the one the journal shows.
 */
public record LockCall(LockClass cls, LockMode mode, IrqMode irq, int subclass, String function) {
    /** write_lock_irq(&tasklist_lock): copy_process, exit_notify, release_task, de_thread, setpgid, setsid. */
    public static final LockCall WRITE_LOCK_IRQ_TASKLIST =
            new LockCall(LockClass.TASKLIST_LOCK, LockMode.WRITE, IrqMode.IRQ, 0, "write_lock_irq");
    /** read_lock(&tasklist_lock): do_wait, kill of a group, zap_pid_ns_processes, the interrupt; interrupts stay on. */
    public static final LockCall READ_LOCK_TASKLIST =
            new LockCall(LockClass.TASKLIST_LOCK, LockMode.READ, IrqMode.KEEP, 0, "read_lock");
    /** spin_lock(&sighand->siglock), with interrupts already off (under write_lock_irq(&tasklist_lock)). */
    public static final LockCall SPIN_LOCK_SIGLOCK =
            new LockCall(LockClass.SIGLOCK, LockMode.WRITE, IrqMode.KEEP, 0, "spin_lock");
    /** spin_lock_irq(&current->sighand->siglock): wait_task_zombie's accounting, do_sigaction. */
    public static final LockCall SPIN_LOCK_IRQ_SIGLOCK =
            new LockCall(LockClass.SIGLOCK, LockMode.WRITE, IrqMode.IRQ, 0, "spin_lock_irq");
    /** spin_lock_irqsave(&sighand->siglock): lock_task_sighand (kill, the interrupt), do_notify_parent. */
    public static final LockCall SPIN_LOCK_IRQSAVE_SIGLOCK =
            new LockCall(LockClass.SIGLOCK, LockMode.WRITE, IrqMode.IRQSAVE, 0, "spin_lock_irqsave");
    /** task_lock(p): spin_lock(&p->alloc_lock). */
    public static final LockCall TASK_LOCK =
            new LockCall(LockClass.ALLOC_LOCK, LockMode.WRITE, IrqMode.KEEP, 0, "task_lock");
    /** spin_lock_irq(&pidmap_lock): alloc_pid. */
    public static final LockCall SPIN_LOCK_IRQ_PIDMAP =
            new LockCall(LockClass.PIDMAP_LOCK, LockMode.WRITE, IrqMode.IRQ, 0, "spin_lock_irq");
    /** spin_lock_irqsave(&pidmap_lock): free_pid (called with tasklist_lock write-held, interrupts off). */
    public static final LockCall SPIN_LOCK_IRQSAVE_PIDMAP =
            new LockCall(LockClass.PIDMAP_LOCK, LockMode.WRITE, IrqMode.IRQSAVE, 0, "spin_lock_irqsave");
    /** mmap_read_lock(mm): exit_mm, exec_mmap (the old mm), a page fault (lock_mm_and_find_vma). */
    public static final LockCall MMAP_READ_LOCK =
            new LockCall(LockClass.MMAP_LOCK, LockMode.READ, IrqMode.KEEP, 0, "mmap_read_lock");
    /** mmap_write_lock_killable(mm): dup_mmap (the parent's mm), mmap (vm_mmap_pgoff). */
    public static final LockCall MMAP_WRITE_LOCK =
            new LockCall(LockClass.MMAP_LOCK, LockMode.WRITE, IrqMode.KEEP, 0, "mmap_write_lock_killable");
    /** cgroup_threadgroup_change_begin: percpu_down_read(&cgroup_threadgroup_rwsem). */
    public static final LockCall THREADGROUP_CHANGE_BEGIN =
            new LockCall(LockClass.CGROUP_THREADGROUP_RWSEM, LockMode.READ, IrqMode.KEEP, 0, "percpu_down_read");
    /** mutex_lock_interruptible(&current->signal->cred_guard_mutex): prepare_bprm_creds. */
    public static final LockCall CRED_GUARD_MUTEX =
            new LockCall(LockClass.CRED_GUARD_MUTEX, LockMode.WRITE, IrqMode.KEEP, 0, "mutex_lock_interruptible");
    /** down_write_killable(&me->signal->exec_update_lock): begin_new_exec. */
    public static final LockCall EXEC_UPDATE_LOCK =
            new LockCall(LockClass.EXEC_UPDATE_LOCK, LockMode.WRITE, IrqMode.KEEP, 0, "down_write_killable");
    /** rcu_read_lock(). */
    public static final LockCall RCU_READ_LOCK =
            new LockCall(LockClass.RCU_READ_LOCK, LockMode.READ, IrqMode.KEEP, 0, "rcu_read_lock");

    /** The same call with interrupts left as they are (a fault that drops the _irq). */
    public LockCall irqsOn() {
        return new LockCall(
                cls,
                mode,
                IrqMode.KEEP,
                subclass,
                function.replace("_irqsave", "").replace("_irq", ""));
    }

    /** The kernel's name of the release that matches this acquisition. */
    public static String unlockName(HeldLock h) {
        if (h.cls() == LockClass.RCU_READ_LOCK) return "rcu_read_unlock";
        if (h.cls() == LockClass.ALLOC_LOCK) return "task_unlock";
        if (h.cls() == LockClass.MMAP_LOCK) return h.mode() == LockMode.READ ? "mmap_read_unlock" : "mmap_write_unlock";
        if (h.cls() == LockClass.CGROUP_THREADGROUP_RWSEM) return "percpu_up_read";
        if (h.cls() == LockClass.CRED_GUARD_MUTEX) return "mutex_unlock";
        if (h.cls() == LockClass.EXEC_UPDATE_LOCK) return "up_write";
        String base = h.cls().kind == LockClass.Kind.RWLOCK
                ? (h.mode() == LockMode.READ ? "read_unlock" : "write_unlock")
                : "spin_unlock";
        return base + (h.irq() == IrqMode.IRQ ? "_irq" : h.irq() == IrqMode.IRQSAVE ? "_irqrestore" : "");
    }
}
