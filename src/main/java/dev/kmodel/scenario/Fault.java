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
    EXIT_MM_TASK_LOCK_FIRST("exit-mm-task-lock-first"),

    // ---- bugs from kernel history (docs/faults.md: the fix, the race, the outcome, the oracle) ----------

    /**
     * copy_process(CLONE_PARENT) reads the caller's exit_signal before it takes tasklist_lock, so a child
     * created while the caller's parent exits keeps the old, non-SIGCHLD exit signal under its new parent.
     */
    CLONE_PARENT_EXIT_SIGNAL_EARLY("clone-parent-exit-signal-early", "b4e00444cab4", "v5.10"),
    /**
     * copy_process does not check, under tasklist_lock, that the child's pid namespace still admits
     * tasks: a child attached after zap_pid_ns_processes swept the namespace lives on in a dead one.
     */
    FORK_PIDNS_CHECK_BEFORE_TASKLIST_LOCK("fork-pidns-check-before-tasklist-lock", "3fd372262166", "v4.12"),
    /**
     * When a pid namespace init's group leader exits, child_reaper stays the leader (a zombie) instead of
     * passing to a live thread of its group (find_child_reaper / find_alive_thread).
     */
    CHILD_REAPER_DEAD_LEADER("child-reaper-dead-leader", "950bbabb5a80", "v2.6.27"),
    /**
     * prctl(PR_SET_CHILD_SUBREAPER) does not propagate has_child_subreaper to the existing descendants, so
     * their orphans skip the subreaper and go to init.
     */
    SUBREAPER_FLAG_NOT_PROPAGATED("subreaper-flag-not-propagated", "749860ce2427", "v4.11"),
    /**
     * do_notify_parent takes SIGCHLD's si_pid from the current task, not from the child it reports: a
     * delayed group leader reported by its last thread's release_task names the wrong pid (0).
     */
    NOTIFY_PARENT_SI_PID_FROM_CURRENT("notify-parent-si-pid-from-current", "61e713bdca36", "v5.7"),
    /**
     * copy_process does not check fatal_signal_pending under siglock: a thread or child created while its
     * group is being killed starts running in a group that has exited.
     */
    FORK_NO_FATAL_SIGNAL_CHECK("fork-no-fatal-signal-check", "7673bf553b27", "v4.19"),
    /**
     * copy_process links a new thread into its group after dropping siglock: a group-wide SIGKILL in the
     * window misses it, and the thread survives the kill of its process.
     */
    CLONE_THREAD_ATTACH_OUTSIDE_SIGLOCK("clone-thread-attach-outside-siglock", "3f17da699431", "v2.6.17"),
    /**
     * fork is not atomic with respect to process-group signals: a kill(-pgrp) that runs while a member
     * forks misses the child, which is hashed into the group after the signal was sent.
     */
    FORK_PGRP_KILL_NOT_ATOMIC("fork-pgrp-kill-not-atomic", "4a2c7a7837da", "v2.6.17"),
    /**
     * de_thread marks the group SIGNAL_GROUP_EXIT while it kills the other threads and clears the flags
     * after: a fatal signal that comes in between is taken for the exec's and lost.
     */
    DE_THREAD_LOST_GROUP_EXIT("de-thread-lost-group-exit", "ed5d2cac1142", "v2.6.25"),
    /**
     * The old leader's exit_notify does not wake the exec'ing thread waiting in de_thread (notify_count
     * < 0): a lost wake-up, the exec sleeps for ever beside a zombie leader.
     */
    DE_THREAD_NO_LEADER_WAKEUP("de-thread-no-leader-wakeup", "6db840fa7887", "v2.6.23"),
    /** wait4(INT_MIN) negates the pid into a process group id (undefined behaviour) instead of ESRCH. */
    WAIT4_INT_MIN_PGID("wait4-int-min-pgid", "dd83c161fbcc", "v4.13"),
    /**
     * zap_pid_ns_processes returns once the init's own children are reaped, not when every task of the
     * namespace is gone: the init is reaped while tasks of its namespace still run.
     */
    ZAP_RETURNS_AFTER_OWN_CHILDREN("zap-returns-after-own-children", null, "v3.8"),
    /**
     * release_task frees the task_struct at once instead of through call_rcu(delayed_put_task_struct):
     * an RCU reader that found the task (find_task_by_vpid) uses freed memory.
     */
    RELEASE_TASK_PUT_WITHOUT_RCU("release-task-put-without-rcu", null, "v5.4");

    /** The scenario's and the command line's name. */
    public final String word;

    /** For a bug from kernel history: the upstream fix's commit id (null: not verified) and first release. */
    public final String fix;

    public final String fixedIn;

    Fault(String word) {
        this(word, null, null);
    }

    Fault(String word, String fix, String fixedIn) {
        this.word = word;
        this.fix = fix;
        this.fixedIn = fixedIn;
    }

    /** A bug from kernel history (docs/faults.md), not a locking exercise (docs/locking.md). */
    public boolean historical() {
        return fixedIn != null;
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
