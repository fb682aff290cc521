package dev.kmodel.kernel.locking;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The documented lock order is an order, and the lock calls keep its interrupt rules. */
class LockOrderTest {
    @Test
    void theOrderHasNoCycle() {
        Map<LockClass, Set<LockClass>> out = new HashMap<>();
        for (LockOrder.Edge e : LockOrder.EDGES)
            out.computeIfAbsent(e.outer(), k -> new HashSet<>()).add(e.inner());
        for (LockOrder.Edge e : LockOrder.EDGES) {
            // Can the inner class reach the outer one again?
            ArrayDeque<LockClass> queue = new ArrayDeque<>(List.of(e.inner()));
            Set<LockClass> seen = new HashSet<>(queue);
            while (!queue.isEmpty()) {
                LockClass c = queue.poll();
                assertNotEquals(e.outer(), c, "a cycle through " + e);
                for (LockClass n : out.getOrDefault(c, Set.of())) if (seen.add(n)) queue.add(n);
            }
        }
    }

    @Test
    void nothingNestsInsideRcuReadLockOfItsOwnClassOrIntoIt() {
        for (LockOrder.Edge e : LockOrder.EDGES) {
            assertNotEquals(e.outer(), e.inner(), e.toString());
            // lockdep never adds a dependency into rcu_read_lock: it waits for nobody.
            assertNotEquals(LockClass.RCU_READ_LOCK, e.inner(), e.toString());
        }
    }

    @Test
    void everyClassAnInterruptTakesHasARuleForProcessContext() {
        for (LockOrder.InIrq u : LockOrder.IN_HARDIRQ) {
            assertNotNull(LockOrder.ruleFor(u.cls(), LockMode.WRITE), u.cls() + " (write)");
        }
    }

    /** Every LockCall constant (the calls the paths take locks with) is one the interrupt rules allow. */
    @Test
    void theLockCallsKeepTheInterruptRules() throws Exception {
        List<String> broken = new ArrayList<>();
        int checked = 0;
        for (Field f : LockCall.class.getDeclaredFields()) {
            if (!Modifier.isStatic(f.getModifiers()) || f.getType() != LockCall.class) continue;
            LockCall c = (LockCall) f.get(null);
            LockOrder.IrqRule r = LockOrder.ruleFor(c.cls(), c.mode());
            if (r == null) continue;
            checked++;
            // A call without a suffix is right only where interrupts are already off (nested).
            if (!r.allows(c.irq(), r.nestedOk())) broken.add(f.getName() + " (" + c.function() + ")");
        }
        assertTrue(checked >= 5, "checked " + checked);
        assertEquals(List.of(), broken);
    }

    @Test
    void sitesAreFoundByLockdepNamesWithOrWithoutASubclass() {
        assertTrue(LockOrder.documents("tasklist_lock", "&sighand->siglock"));
        assertEquals(5, LockOrder.sites("tasklist_lock", "&sighand->siglock").size());
        assertTrue(LockOrder.documents("&sig->exec_update_lock", "&mm->mmap_lock/1"));
        assertFalse(LockOrder.documents("&sighand->siglock", "tasklist_lock"));
        assertEquals("&mm->mmap_lock", LockOrder.base("&mm->mmap_lock/1"));
        assertEquals("&sighand->siglock", LockOrder.base("&sighand->siglock"));
    }
}
