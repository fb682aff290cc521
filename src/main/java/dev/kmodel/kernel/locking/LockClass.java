package dev.kmodel.kernel.locking;

/**
 * The lock classes of the lifecycle, as lockdep names them (Documentation/locking/lockdep-design.rst: a
 * class is the lock's static key, every instance of it shares one place in the dependency graph). Each
 * class with a real lock is held by one actor, named {@link #actor}, which keeps every instance of it
 * (one siglock per sighand_struct, one alloc_lock per task, ...). {@code rcu_read_lock} excludes
 * nobody: it is a class lockdep tracks (rcu_lock_map), acquired and released on the task itself.
 */
public enum LockClass {
    /** kernel/fork.c: the process tree; a queued rwlock (kernel/locking/qrwlock.c), read in interrupts. */
    TASKLIST_LOCK("tasklist_lock", "tasklist_lock", Kind.RWLOCK, "kernel/fork.c"),
    /** include/linux/sched/signal.h struct sighand_struct: pending signals, actions, the group's state. */
    SIGLOCK("&sighand->siglock", "siglock", Kind.SPINLOCK, "include/linux/sched/signal.h"),
    /** include/linux/sched/task.h task_lock(p): ->mm, ->comm, ->fs, ->files of one task. */
    ALLOC_LOCK("&p->alloc_lock", "alloc_lock", Kind.SPINLOCK, "include/linux/sched/task.h"),
    /** kernel/pid.c: the pid IDRs of every namespace. */
    PIDMAP_LOCK("pidmap_lock", "pidmap_lock", Kind.SPINLOCK, "kernel/pid.c"),
    /** include/linux/mmap_lock.h: an mm's VMAs; a sleeping reader-writer semaphore. */
    MMAP_LOCK("&mm->mmap_lock", "mmap_lock", Kind.RWSEM, "include/linux/mmap_lock.h"),
    /** kernel/cgroup/cgroup.c: fork, exec and exit of threads against a cgroup migration. */
    CGROUP_THREADGROUP_RWSEM(
            "cgroup_threadgroup_rwsem", "cgroup_threadgroup_rwsem", Kind.RWSEM, "kernel/cgroup/cgroup.c"),
    /** include/linux/sched/signal.h signal_struct: one exec (or ptrace attach) at a time. */
    CRED_GUARD_MUTEX("&sig->cred_guard_mutex", "cred_guard_mutex", Kind.MUTEX, "include/linux/sched/signal.h"),
    /** include/linux/sched/signal.h signal_struct: exec's mm and creds change under its write side. */
    EXEC_UPDATE_LOCK("&sig->exec_update_lock", "exec_update_lock", Kind.RWSEM, "include/linux/sched/signal.h"),
    /** include/linux/rcupdate.h rcu_lock_map: a read-side critical section, a recursive read lock. */
    RCU_READ_LOCK("rcu_read_lock", null, Kind.RCU, "include/linux/rcupdate.h");

    /** How a class's lock behaves when it is taken. */
    public enum Kind {
        /** spinlock_t: the waiter spins, keeping its CPU. */
        SPINLOCK,
        /** rwlock_t (queued): readers share, a writer excludes; the waiter spins. */
        RWLOCK,
        /** struct mutex: the waiter sleeps, giving its CPU up. */
        MUTEX,
        /** struct rw_semaphore: readers share, a writer excludes; the waiter sleeps. */
        RWSEM,
        /** rcu_read_lock: excludes nobody (only grace periods wait for it). */
        RCU
    }

    /** The name lockdep prints (the lock's expression in the kernel source). */
    public final String lockdepName;
    /** The persistence id of the actor that holds every instance; null for rcu_read_lock. */
    public final String actor;

    public final Kind kind;
    /** Where the lock is declared. */
    public final String file;

    LockClass(String lockdepName, String actor, Kind kind, String file) {
        this.lockdepName = lockdepName;
        this.actor = actor;
        this.kind = kind;
        this.file = file;
    }

    /** A waiter gives its CPU up (mutex, rw_semaphore) instead of spinning on it. */
    public boolean sleeps() {
        return kind == Kind.MUTEX || kind == Kind.RWSEM;
    }

    /** Readers share it. */
    public boolean shared() {
        return kind == Kind.RWLOCK || kind == Kind.RWSEM || kind == Kind.RCU;
    }

    /** The class an actor's persistence id names, or null. */
    public static LockClass ofActor(String persistenceId) {
        for (LockClass c : values()) {
            if (persistenceId.equals(c.actor)) return c;
        }
        return null;
    }

    /** The class of a scenario's or a user's word: its actor name or lockdep name, any case. */
    public static LockClass named(String word) {
        for (LockClass c : values()) {
            if (word.equalsIgnoreCase(c.name()) || word.equals(c.lockdepName) || word.equals(c.actor)) return c;
        }
        return null;
    }
}
