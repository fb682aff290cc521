package dev.kmodel.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmodel.journal.JournalEntry;
import dev.kmodel.kernel.MsgId;
import dev.kmodel.kernel.locking.HeldLock;
import dev.kmodel.kernel.locking.IrqMode;
import dev.kmodel.kernel.locking.LockClass;
import dev.kmodel.kernel.locking.LockMode;
import dev.kmodel.kernel.task.TaskEvent;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The model's lockdep on hand-made journals (Documentation/locking/lockdep-design.rst): what each rule
 * reports and what it lets pass, independently of the kernel paths that produce such journals.
 */
class LockdepTest {
    private final List<JournalEntry> journal = new ArrayList<>();

    private void take(
            String task,
            LockClass c,
            String instance,
            LockMode m,
            int subclass,
            IrqMode irq,
            boolean inIrq,
            boolean irqsOn) {
        HeldLock h = new HeldLock(c, instance, m, subclass, irq, inIrq, "lock", "path/of/" + task);
        add(task, new TaskEvent.LockAcquired(MsgId.NONE, h, 0, irqsOn, false));
    }

    private void take(String task, LockClass c) {
        take(task, c, c.lockdepName, LockMode.WRITE, 0, IrqMode.KEEP, false, true);
    }

    private void drop(String task, LockClass c, String instance) {
        add(task, new TaskEvent.LockReleased(MsgId.NONE, c, instance, "unlock", "path/of/" + task, 0));
    }

    private void drop(String task, LockClass c) {
        drop(task, c, c.lockdepName);
    }

    private void add(String task, TaskEvent e) {
        journal.add(new JournalEntry(journal.size() + 1, task, journal.size() + 1, e));
    }

    private List<String> kinds() {
        return Lockdep.run(journal, k -> k + "/1", k -> 1).splats().stream()
                .map(s -> s.kind().word)
                .toList();
    }

    @Test
    void aCycleOfThreeClassesIsFoundWhenItsLastEdgeIsAdded() {
        take("a", LockClass.TASKLIST_LOCK);
        take("a", LockClass.SIGLOCK);
        drop("a", LockClass.SIGLOCK);
        drop("a", LockClass.TASKLIST_LOCK);
        take("b", LockClass.SIGLOCK);
        take("b", LockClass.PIDMAP_LOCK);
        drop("b", LockClass.PIDMAP_LOCK);
        drop("b", LockClass.SIGLOCK);
        assertEquals(List.of(), kinds(), "tasklist → siglock → pidmap is an order");
        take("c", LockClass.PIDMAP_LOCK);
        take("c", LockClass.TASKLIST_LOCK); // pidmap → tasklist closes the cycle
        Lockdep d = Lockdep.run(journal, k -> k + "/1", k -> 1);
        assertEquals(
                List.of("circular-dependency"),
                d.splats().stream().map(s -> s.kind().word).toList());
        Lockdep.Splat s = d.splats().get(0);
        assertEquals(3, s.chains().get(0).size(), "two existing links and the new one: " + s.chains());
        assertTrue(s.text().contains("Chain exists of:"), String.join("\n", s.text()));
        assertTrue(s.text().contains(" *** DEADLOCK ***"));
    }

    @Test
    void aSubclassMakesANestingOfOneClassLegitimateWithoutItItIsRecursive() {
        take("a", LockClass.MMAP_LOCK, "mm-1", LockMode.WRITE, 0, IrqMode.KEEP, false, true);
        take("a", LockClass.MMAP_LOCK, "mm-2", LockMode.WRITE, 1, IrqMode.KEEP, false, true); // SINGLE_DEPTH_NESTING
        assertEquals(List.of(), kinds());
        take("b", LockClass.ALLOC_LOCK, "task-1", LockMode.WRITE, 0, IrqMode.KEEP, false, true);
        take("b", LockClass.ALLOC_LOCK, "task-2", LockMode.WRITE, 0, IrqMode.KEEP, false, true);
        assertEquals(List.of("recursive-locking"), kinds());
    }

    @Test
    void readersOfASharedLockMayNestAndRcuNeverDependsOnAnything() {
        take("a", LockClass.TASKLIST_LOCK, "tasklist_lock", LockMode.READ, 0, IrqMode.KEEP, false, true);
        take("a", LockClass.TASKLIST_LOCK, "tasklist_lock", LockMode.READ, 0, IrqMode.KEEP, false, true);
        take("b", LockClass.SIGLOCK);
        take("b", LockClass.RCU_READ_LOCK, "rcu_read_lock", LockMode.READ, 0, IrqMode.KEEP, false, false);
        assertEquals(List.of(), kinds());
    }

    @Test
    void aLockTakenInAnInterruptAndWithInterruptsOnIsInconsistent() {
        take("a", LockClass.SIGLOCK, "s", LockMode.WRITE, 0, IrqMode.IRQSAVE, true, false); // IN-HARDIRQ-W
        drop("a", LockClass.SIGLOCK, "s");
        take("b", LockClass.SIGLOCK, "s", LockMode.WRITE, 0, IrqMode.KEEP, false, true); // HARDIRQ-ON-W
        Lockdep d = Lockdep.run(journal, k -> k + "/1", k -> 1);
        assertEquals(
                List.of("inconsistent-lock-state"),
                d.splats().stream().map(s -> s.kind().word).toList());
        assertTrue(d.splats().get(0).text().contains("inconsistent {IN-HARDIRQ-W} -> {HARDIRQ-ON-W} usage."));
    }

    @Test
    void readInAnInterruptAndReadWithInterruptsOnIsFineForAnRwlock() {
        take("a", LockClass.TASKLIST_LOCK, "t", LockMode.READ, 0, IrqMode.KEEP, true, false); // IN-HARDIRQ-R
        drop("a", LockClass.TASKLIST_LOCK, "t");
        take("b", LockClass.TASKLIST_LOCK, "t", LockMode.READ, 0, IrqMode.KEEP, false, true); // HARDIRQ-ON-R
        drop("b", LockClass.TASKLIST_LOCK, "t");
        assertEquals(List.of(), kinds());
        take("c", LockClass.TASKLIST_LOCK, "t", LockMode.WRITE, 0, IrqMode.KEEP, false, true); // HARDIRQ-ON-W
        assertEquals(List.of("inconsistent-lock-state"), kinds());
    }

    @Test
    void anIrqSafeLockOrderedBeforeAnIrqUnsafeOneIsReported() {
        take("a", LockClass.TASKLIST_LOCK, "t", LockMode.READ, 0, IrqMode.KEEP, true, false); // safe
        drop("a", LockClass.TASKLIST_LOCK, "t");
        take("b", LockClass.PIDMAP_LOCK, "p", LockMode.WRITE, 0, IrqMode.KEEP, false, true); // unsafe
        drop("b", LockClass.PIDMAP_LOCK, "p");
        assertEquals(List.of(), kinds());
        take("c", LockClass.TASKLIST_LOCK, "t", LockMode.WRITE, 0, IrqMode.IRQ, false, false);
        take("c", LockClass.PIDMAP_LOCK, "p", LockMode.WRITE, 0, IrqMode.IRQSAVE, false, false);
        assertEquals(List.of("irq-safe-unsafe"), kinds());
    }

    @Test
    void aClassBecomingIrqSafeAfterTheOrderWasSeenIsAnIrqLockInversion() {
        take("b", LockClass.PIDMAP_LOCK, "p", LockMode.WRITE, 0, IrqMode.KEEP, false, true); // unsafe
        drop("b", LockClass.PIDMAP_LOCK, "p");
        take("c", LockClass.TASKLIST_LOCK, "t", LockMode.WRITE, 0, IrqMode.IRQ, false, false);
        take("c", LockClass.PIDMAP_LOCK, "p", LockMode.WRITE, 0, IrqMode.IRQSAVE, false, false);
        drop("c", LockClass.PIDMAP_LOCK, "p");
        drop("c", LockClass.TASKLIST_LOCK, "t");
        assertEquals(List.of(), kinds(), "tasklist_lock is not irq-safe yet");
        take("a", LockClass.TASKLIST_LOCK, "t", LockMode.READ, 0, IrqMode.KEEP, true, false); // now it is
        Lockdep d = Lockdep.run(journal, k -> k + "/1", k -> 1);
        assertEquals(
                List.of("irq-lock-inversion"),
                d.splats().stream().map(s -> s.kind().word).toList());
        assertTrue(d.splats().get(0).text().contains("but this lock took another, HARDIRQ-unsafe lock in the past:"));
    }

    @Test
    void noDependencyCrossesIntoAnInterruptHandler() {
        take("a", LockClass.PIDMAP_LOCK, "p", LockMode.WRITE, 0, IrqMode.IRQ, false, false);
        take("a", LockClass.TASKLIST_LOCK, "t", LockMode.READ, 0, IrqMode.KEEP, true, false); // the handler
        Lockdep d = Lockdep.run(journal, k -> k, k -> 1);
        assertTrue(d.edges().isEmpty(), d.edges().toString());
    }

    @Test
    void locksLeftHeldAtTheReturnToUserOrAtExitAndUnbalancedUnlocksAreReported() {
        take("a", LockClass.ALLOC_LOCK);
        add("a", new TaskEvent.SyscallReturned(MsgId.NONE, 0, "getpid", 0, null, null, null, 0, List.of(), null));
        take("b", LockClass.CRED_GUARD_MUTEX);
        add("b", new TaskEvent.TaskDead(MsgId.NONE));
        drop("c", LockClass.SIGLOCK);
        assertEquals(List.of("held-at-return-to-user", "held-at-exit", "bad-unlock-balance"), kinds());
    }

    @Test
    void aSleepingLockUnderASpinlockIsASleepInAtomicContext() {
        take("a", LockClass.ALLOC_LOCK);
        take("a", LockClass.MMAP_LOCK, "mm", LockMode.READ, 0, IrqMode.KEEP, false, true);
        List<String> k = kinds();
        assertEquals(List.of("sleep-in-atomic"), k);
        take("b", LockClass.MMAP_LOCK, "mm2", LockMode.READ, 0, IrqMode.KEEP, false, true);
        take("b", LockClass.ALLOC_LOCK, "x", LockMode.WRITE, 0, IrqMode.KEEP, false, true);
        assertEquals(List.of("sleep-in-atomic", "circular-dependency"), kinds(), "and the two orders make a cycle");
    }
}
