package dev.kmodel.kernel.irq;

/** The interrupts the model's CPUs take, and what each handler does that touches the lifecycle's locks. */
public enum IrqKind {
    /**
     * A device interrupt whose driver signals the file's owner: kill_fasync → send_sigio (fs/fcntl.c),
     * which walks a process group under read_lock(&tasklist_lock). This is why tasklist_lock is taken
     * with interrupts off by every writer: a reader can come from any interrupt.
     */
    IO("kill_fasync/send_sigio");

    /** The handler's kernel path below the interrupt entry. */
    public final String path;

    IrqKind(String path) {
        this.path = path;
    }
}
