package dev.kmodel.scenario;

/**
 * Named switches that put a wrong locking back into one kernel path, for teaching and for testing the
 * model's lockdep (a scenario's {@code kernel { faults = [ ... ] }}, or {@code --faults a,b}). Each says
 * what it changes and what lockdep says about it; docs/locking.md has the exercises built on them.
 */
public enum Fault {
    /**
     * exit_notify takes the parent's siglock before tasklist_lock (kernel/exit.c takes tasklist_lock
     * first): copy_process and release_task nest them the other way round, a circular dependency.
     */
    EXIT_NOTIFY_SIGLOCK_FIRST("exit-notify-siglock-first"),
    /**
     * alloc_pid takes pidmap_lock with spin_lock, leaving interrupts on (kernel/pid.c uses
     * spin_lock_irq): pidmap_lock nests inside the interrupt-safe tasklist_lock in release_task, so an
     * interrupt that reads tasklist_lock while the CPU holds pidmap_lock can deadlock.
     */
    PIDMAP_LOCK_IRQS_ON("pidmap-lock-irqs-on"),
    /**
     * release_task runs __exit_signal without write_lock_irq(&tasklist_lock): the process tree changes
     * under readers (lockdep's assertion in __exit_signal's rcu_dereference_check fires).
     */
    RELEASE_TASK_NO_TASKLIST_LOCK("release-task-no-tasklist-lock"),
    /**
     * kill's lock_task_sighand takes siglock with spin_lock, leaving interrupts on (kernel/signal.c uses
     * spin_lock_irqsave): an interrupt that signals takes siglock too, an inconsistent lock state.
     */
    KILL_SIGLOCK_IRQS_ON("kill-siglock-irqs-on"),
    /**
     * exit_mm takes task_lock before mmap_read_lock (kernel/exit.c takes the mmap_lock first): a sleeping
     * lock under a spinlock, and the reverse of the order the rest of the kernel uses.
     */
    EXIT_MM_TASK_LOCK_FIRST("exit-mm-task-lock-first");

    /** The scenario's and the command line's name. */
    public final String word;

    Fault(String word) {
        this.word = word;
    }

    /** The fault a scenario or a command line names, or null. */
    public static Fault named(String word) {
        for (Fault f : values()) {
            if (f.word.equals(word)) return f;
        }
        return null;
    }

    /** Every name, for messages. */
    public static String names() {
        StringBuilder b = new StringBuilder();
        for (Fault f : values()) b.append(b.length() == 0 ? "" : ", ").append(f.word);
        return b.toString();
    }
}
