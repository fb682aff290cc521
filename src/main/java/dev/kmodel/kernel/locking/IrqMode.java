package dev.kmodel.kernel.locking;

/**
 * What an acquisition does to the CPU's interrupts, as the lock API's suffixes say: {@code spin_lock}
 * leaves them as they are ({@link #KEEP}), {@code spin_lock_irq} disables them and its unlock enables
 * them ({@link #IRQ}), {@code spin_lock_irqsave} disables them and its unlock restores what they were
 * ({@link #IRQSAVE}). A lock that an interrupt handler takes must be taken with interrupts off
 * everywhere else, or the handler can spin on a lock its own CPU holds.
 */
public enum IrqMode {
    KEEP(""),
    IRQ("_irq"),
    IRQSAVE("_irqsave");

    /** The suffix of the kernel's function name. */
    public final String suffix;

    IrqMode(String suffix) {
        this.suffix = suffix;
    }

    public boolean disables() {
        return this != KEEP;
    }
}
