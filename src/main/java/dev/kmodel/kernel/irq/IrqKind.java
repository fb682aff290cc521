package dev.kmodel.kernel.irq;

/** The interrupts the model's CPUs take, and what each handler does that touches the lifecycle's locks. */
public enum IrqKind {
    /**
     * A device interrupt whose driver signals the file's owner: kill_fasync → send_sigio (fs/fcntl.c),
     * which walked a process group under read_lock(&tasklist_lock) (before the walk moved to RCU,
     * after v4.19), then lock_task_sighand on each member. Such readers are why tasklist_lock is
     * written with interrupts off and why pidmap_lock, nested in it, disables them too (kernel/pid.c's
     * comment on pidmap_lock still says so in v6.1).
     */
    IO("kill_fasync/send_sigio");

    /** The handler's kernel path below the interrupt entry. */
    public final String path;

    IrqKind(String path) {
        this.path = path;
    }
}
