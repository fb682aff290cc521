package dev.kmodel.kernel.locking;

import static dev.kmodel.ActorTests.NOTHING;
import static dev.kmodel.ActorTests.TIMEOUT;
import static org.junit.jupiter.api.Assertions.*;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import dev.kmodel.ActorTests;
import dev.kmodel.kernel.Ctx;
import dev.kmodel.kernel.locking.TasklistLock.Acquired;
import dev.kmodel.kernel.locking.TasklistLock.Contended;
import dev.kmodel.kernel.locking.TasklistLock.Granted;
import dev.kmodel.kernel.locking.TasklistLock.Mode;
import dev.kmodel.kernel.locking.TasklistLock.Released;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * tasklist_lock alone (kernel/locking/qrwlock.c): probes stand in for the tasks that take it. Whether
 * a request waits is checked after a barrier (a Query the lock answers after it has handled, journaled
 * and answered everything sent before), so "no grant yet" is exact, not a guess about timing.
 */
class TasklistLockActorTest {
    private static ActorTestKit kit;

    @BeforeAll
    static void startKit() {
        kit = ActorTests.kit("TasklistLockActorTest");
    }

    @AfterAll
    static void stopKit() {
        ActorTests.shutdown(kit);
    }

    private final ActorTests.Ids ids = new ActorTests.Ids("test");
    private ActorRef<TasklistLock.Cmd> lock;
    private long mark;

    @BeforeEach
    void spawnLock() {
        mark = ActorTests.mark(kit);
        lock = kit.spawn(TasklistLock.create());
    }

    @AfterEach
    void stopLock() {
        kit.stop(lock, TIMEOUT);
    }

    private static Ctx ctx(int pid) {
        return new Ctx("task-" + pid, pid, pid % 2, "do_exit/exit_notify");
    }

    /** read_lock / write_lock by task-{@code pid}; the probe receives the grant. */
    private TestProbe<Granted> lock(int pid, Mode mode) {
        TestProbe<Granted> p = kit.createTestProbe(Granted.class);
        lock.tell(new TasklistLock.Lock(ids.next(), mode, ctx(pid), p.ref()));
        return p;
    }

    private void unlock(int pid, Mode mode) {
        lock.tell(new TasklistLock.Unlock(ids.next(), mode, ctx(pid)));
    }

    /**
     * Barrier: the lock answers a Query only after it handled (and journaled, and sent the grants of)
     * every message sent before it. Returns whether the lock is free with nobody waiting.
     */
    private boolean free() {
        TestProbe<Boolean> p = kit.createTestProbe(Boolean.class);
        lock.tell(new TasklistLock.Query(dev.kmodel.kernel.MsgId.NONE, p.ref()));
        return p.receiveMessage(TIMEOUT);
    }

    private static void granted(TestProbe<Granted> p, Mode mode) {
        Granted g = p.receiveMessage(TIMEOUT);
        assertEquals(mode, g.mode());
        assertEquals("tasklist_lock", g.id().from(), "the grant is a model message from the lock");
    }

    private List<Object> journal() {
        return ActorTests.events(kit, "tasklist_lock", mark);
    }

    private List<String> acquiredOrder() {
        return ActorTests.events(kit, "tasklist_lock", mark, Acquired.class).stream()
                .map(Acquired::task)
                .toList();
    }

    private Contended contention(String task) {
        return ActorTests.events(kit, "tasklist_lock", mark, Contended.class).stream()
                .filter(c -> c.task().equals(task))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no contention of " + task));
    }

    // kernel/locking/qrwlock.c queued_read_lock: readers only add to the reader count; they never exclude each other.
    @Test
    void readersShareTheLockWithoutWaiting() {
        TestProbe<Granted> r1 = lock(1, Mode.READ);
        granted(r1, Mode.READ);
        TestProbe<Granted> r2 = lock(2, Mode.READ);
        granted(r2, Mode.READ);
        assertFalse(free(), "two readers hold it");
        List<Acquired> acquired = ActorTests.events(kit, "tasklist_lock", mark, Acquired.class);
        assertEquals(
                List.of("task-1", "task-2"),
                acquired.stream().map(Acquired::task).toList());
        assertTrue(acquired.stream().noneMatch(Acquired::waited), "no reader waited");
        assertTrue(
                ActorTests.events(kit, "tasklist_lock", mark, Contended.class).isEmpty());

        unlock(1, Mode.READ);
        assertFalse(free(), "task-2 still reads");
        unlock(2, Mode.READ);
        assertTrue(free());
        assertEquals(
                2, ActorTests.events(kit, "tasklist_lock", mark, Released.class).size());
    }

    // kernel/locking/qrwlock.c queued_write_lock: a writer excludes readers and other writers; write_unlock lets the
    // queue go.
    @Test
    void writerExcludesReadersAndWritersUntilItUnlocks() {
        TestProbe<Granted> w1 = lock(1, Mode.WRITE);
        granted(w1, Mode.WRITE);
        TestProbe<Granted> r2 = lock(2, Mode.READ);
        TestProbe<Granted> w3 = lock(3, Mode.WRITE);
        assertFalse(free());
        r2.expectNoMessage(NOTHING);
        w3.expectNoMessage(NOTHING);

        // Each contended request is journaled with who held the lock when it arrived, and where it spins.
        Contended c2 = contention("task-2");
        assertEquals(Mode.READ, c2.mode());
        assertEquals(List.of("task-1"), c2.heldBy());
        assertEquals(2, c2.pid());
        assertEquals(0, c2.cpu());
        assertEquals("do_exit/exit_notify", c2.path());
        Contended c3 = contention("task-3");
        assertEquals(Mode.WRITE, c3.mode());
        assertEquals(List.of("task-1"), c3.heldBy());

        unlock(1, Mode.WRITE);
        granted(r2, Mode.READ);
        assertFalse(free());
        w3.expectNoMessage(NOTHING); // the reader that went first now excludes the writer

        unlock(2, Mode.READ);
        granted(w3, Mode.WRITE);
        assertFalse(free());
        unlock(3, Mode.WRITE);
        assertTrue(free());

        assertEquals(List.of("task-1", "task-2", "task-3"), acquiredOrder());
        List<Acquired> acquired = ActorTests.events(kit, "tasklist_lock", mark, Acquired.class);
        assertEquals(
                List.of(false, true, true),
                acquired.stream().map(Acquired::waited).toList(),
                "the two that queued are journaled as contended acquisitions");
    }

    // kernel/locking/qrwlock.c queued_read_lock_slowpath: with a writer queued, a new reader queues behind it
    // (fairness).
    @Test
    void readerArrivingAfterAQueuedWriterWaitsBehindIt() {
        TestProbe<Granted> r1 = lock(1, Mode.READ);
        granted(r1, Mode.READ);
        TestProbe<Granted> w2 = lock(2, Mode.WRITE);
        TestProbe<Granted> r3 = lock(3, Mode.READ);
        assertFalse(free());
        w2.expectNoMessage(NOTHING);
        r3.expectNoMessage(NOTHING); // read-held only, yet the reader does not overtake the queued writer
        assertEquals(List.of("task-1"), contention("task-3").heldBy());

        unlock(1, Mode.READ);
        granted(w2, Mode.WRITE);
        assertFalse(free());
        r3.expectNoMessage(NOTHING);

        unlock(2, Mode.WRITE);
        granted(r3, Mode.READ);
        unlock(3, Mode.READ);
        assertTrue(free());
        assertEquals(List.of("task-1", "task-2", "task-3"), acquiredOrder());
    }

    // kernel/locking/qrwlock.c: the unlock wakes the head of the queue; consecutive queued readers enter together, up
    // to the next writer.
    @Test
    void unlockGrantsTheQueuedReadersAtTheHeadTogetherAndStopsAtTheNextWriter() {
        TestProbe<Granted> w1 = lock(1, Mode.WRITE);
        granted(w1, Mode.WRITE);
        TestProbe<Granted> r2 = lock(2, Mode.READ);
        TestProbe<Granted> r3 = lock(3, Mode.READ);
        TestProbe<Granted> w4 = lock(4, Mode.WRITE);
        TestProbe<Granted> r5 = lock(5, Mode.READ);
        assertFalse(free());
        for (TestProbe<Granted> p : List.of(r2, r3, w4, r5)) p.expectNoMessage(NOTHING);
        assertEquals(List.of("task-1"), contention("task-5").heldBy());

        unlock(1, Mode.WRITE);
        granted(r2, Mode.READ);
        granted(r3, Mode.READ);
        assertFalse(free());
        w4.expectNoMessage(NOTHING);
        r5.expectNoMessage(NOTHING); // behind the writer, although readers hold the lock

        unlock(2, Mode.READ);
        assertFalse(free());
        w4.expectNoMessage(NOTHING); // task-3 still reads

        unlock(3, Mode.READ);
        granted(w4, Mode.WRITE);
        assertFalse(free());
        r5.expectNoMessage(NOTHING);

        unlock(4, Mode.WRITE);
        granted(r5, Mode.READ);
        unlock(5, Mode.READ);
        assertTrue(free());

        assertEquals(List.of("task-1", "task-2", "task-3", "task-4", "task-5"), acquiredOrder(), "FIFO");
        // The journal holds the lock's history in its receive order: who waited, who got it, who released.
        List<Object> j = journal();
        int releasedW1 = indexOf(j, Released.class, "task-1");
        int acquiredR2 = indexOf(j, Acquired.class, "task-2");
        int acquiredR3 = indexOf(j, Acquired.class, "task-3");
        assertTrue(releasedW1 < acquiredR2 && acquiredR2 < acquiredR3, j.toString());
        assertEquals(acquiredR2 + 1, acquiredR3, "both readers were let in by the same write_unlock");
    }

    // kernel/locking/lockdep.c print_unlock_imbalance_bug: an unlock by a task that holds nothing is
    // reported and releases nothing, so a queued writer still waits for the real reader.
    @Test
    void anUnlockByATaskThatDoesNotHoldTheLockIsABadUnlockAndReleasesNothing() {
        TestProbe<Granted> reader = lock(1, Mode.READ);
        granted(reader, Mode.READ);
        TestProbe<Granted> writer = lock(2, Mode.WRITE);
        unlock(9, Mode.READ); // task-9 never took it
        assertFalse(free());
        writer.expectNoMessage(NOTHING);
        TasklistLock.BadUnlock bad = ActorTests.events(kit, "tasklist_lock", mark, TasklistLock.BadUnlock.class)
                .get(0);
        assertEquals("task-9", bad.task());
        assertEquals(List.of("task-1"), bad.heldBy());
        unlock(1, Mode.READ);
        granted(writer, Mode.WRITE);
        unlock(2, Mode.WRITE);
        assertTrue(free());
    }

    private static int indexOf(List<Object> j, Class<?> type, String task) {
        for (int i = 0; i < j.size(); i++) {
            Object e = j.get(i);
            String t = e instanceof Acquired a ? a.task() : e instanceof Released r ? r.task() : null;
            if (type.isInstance(e) && task.equals(t)) return i;
        }
        throw new AssertionError("no " + type.getSimpleName() + " of " + task + " in " + j);
    }
}
