package dev.kmodel.kernel.locking;

/** Which side of a lock is taken: READ (read_lock, down_read, rcu_read_lock) or WRITE (everything else). */
public enum LockMode {
    READ,
    WRITE
}
