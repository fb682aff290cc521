package dev.kmodel.kernel.locking;

/**
 * One entry of a task's held-lock stack (struct held_lock, include/linux/lockdep_types.h).
 *
 * @param cls      the lock class
 * @param instance which lock of the class ("pidmap_lock", a sighand_struct, an mm, a task)
 * @param mode     READ or WRITE
 * @param subclass lockdep's subclass, for a legitimate nesting of two locks of one class (0: none)
 * @param irq      what the acquisition did to interrupts
 * @param inIrq    taken by an interrupt handler (hardirq context) running on the task's CPU
 * @param acquire  the kernel function that took it ({@code write_lock_irq}, {@code spin_lock_irqsave}, ...)
 * @param path     the kernel path it was taken on
 */
public record HeldLock(
        LockClass cls,
        String instance,
        LockMode mode,
        int subclass,
        IrqMode irq,
        boolean inIrq,
        String acquire,
        String path) {

    /** As lockdep prints a held lock: {@code &sighand->siglock} or {@code tasklist_lock}, with its subclass. */
    public String className() {
        return subclass == 0 ? cls.lockdepName : cls.lockdepName + "/" + subclass;
    }

    /** The same acquisition of another instance (lock_task_sighand resolved the task's sighand). */
    public HeldLock at(String resolved) {
        return resolved.equals(instance)
                ? this
                : new HeldLock(cls, resolved, mode, subclass, irq, inIrq, acquire, path);
    }

    /** As the journal lists a held lock: the class and the instance. */
    public String label() {
        return cls.lockdepName + " " + instance + (mode == LockMode.READ ? " (read)" : "");
    }

    /** The same lock, as a release names it. */
    public boolean sameLock(LockClass c, String i) {
        return cls == c && instance.equals(i);
    }
}
