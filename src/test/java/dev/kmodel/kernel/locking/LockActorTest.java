package dev.kmodel.kernel.locking;

import static dev.kmodel.ActorTests.NOTHING;
import static dev.kmodel.ActorTests.TIMEOUT;
import static org.junit.jupiter.api.Assertions.*;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import dev.kmodel.ActorTests;
import dev.kmodel.kernel.Ctx;
import dev.kmodel.kernel.locking.LockActor.Acquired;
import dev.kmodel.kernel.locking.LockActor.Contended;
import dev.kmodel.kernel.locking.LockActor.Granted;
import dev.kmodel.kernel.locking.LockActor.Released;
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
class LockActorTest {
    private static ActorTestKit kit;

    @BeforeAll
    static void startKit() {
        kit = ActorTests.kit("LockActorTest");
    }

    @AfterAll
    static void stopKit() {
        ActorTests.shutdown(kit);
    }

    private final ActorTests.Ids ids = new ActorTests.Ids("test");
    private ActorRef<LockActor.Cmd> lock;
    private long mark;

    @BeforeEach
    void spawnLock() {
        mark = ActorTests.mark(kit);
        lock = kit.spawn(LockActor.create(LockClass.TASKLIST_LOCK));
    }

    @AfterEach
    void stopLock() {
        kit.stop(lock, TIMEOUT);
    }

    private static Ctx ctx(int pid) {
        return new Ctx("task-" + pid, pid, pid % 2, "do_exit/exit_notify");
    }

    /** read_lock / write_lock by task-{@code pid}; the probe receives the grant. */
    private TestProbe<LockActor.Reply> lock(int pid, LockMode mode) {
        return lock(pid, mode, false);
    }

    private TestProbe<LockActor.Reply> lock(int pid, LockMode mode, boolean inIrq) {
        TestProbe<LockActor.Reply> p = kit.createTestProbe(LockActor.Reply.class);
        HeldLock want = new HeldLock(
                LockClass.TASKLIST_LOCK, "tasklist_lock", mode, 0, IrqMode.IRQ, inIrq, "write_lock_irq", "do_exit");
        lock.tell(new LockActor.Acquire(ids.next(), want, ctx(pid), List.of(), p.ref()));
        return p;
    }

    private void unlock(int pid, LockMode mode) {
        lock.tell(new LockActor.Release(ids.next(), "tasklist_lock", mode, ctx(pid)));
    }

    /**
     * Barrier: the lock answers a Query only after it handled (and journaled, and sent the grants of)
     * every message sent before it. Returns whether the lock is free with nobody waiting.
     */
    private boolean free() {
        TestProbe<LockActor.Status> p = kit.createTestProbe(LockActor.Status.class);
        lock.tell(new LockActor.Query(dev.kmodel.kernel.MsgId.NONE, p.ref()));
        return p.receiveMessage(TIMEOUT).free();
    }

    private static void granted(TestProbe<LockActor.Reply> p, LockMode mode) {
        Granted g = (Granted) p.receiveMessage(TIMEOUT);
        assertEquals(mode, g.lock().mode());
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
        TestProbe<LockActor.Reply> r1 = lock(1, LockMode.READ);
        granted(r1, LockMode.READ);
        TestProbe<LockActor.Reply> r2 = lock(2, LockMode.READ);
        granted(r2, LockMode.READ);
        assertFalse(free(), "two readers hold it");
        List<Acquired> acquired = ActorTests.events(kit, "tasklist_lock", mark, Acquired.class);
        assertEquals(
                List.of("task-1", "task-2"),
                acquired.stream().map(Acquired::task).toList());
        assertTrue(acquired.stream().noneMatch(Acquired::waited), "no reader waited");
        assertTrue(
                ActorTests.events(kit, "tasklist_lock", mark, Contended.class).isEmpty());

        unlock(1, LockMode.READ);
        assertFalse(free(), "task-2 still reads");
        unlock(2, LockMode.READ);
        assertTrue(free());
        assertEquals(
                2, ActorTests.events(kit, "tasklist_lock", mark, Released.class).size());
    }

    // kernel/locking/qrwlock.c queued_write_lock: a writer excludes readers and other writers; write_unlock lets the
    // queue go.
    @Test
    void writerExcludesReadersAndWritersUntilItUnlocks() {
        TestProbe<LockActor.Reply> w1 = lock(1, LockMode.WRITE);
        granted(w1, LockMode.WRITE);
        TestProbe<LockActor.Reply> r2 = lock(2, LockMode.READ);
        TestProbe<LockActor.Reply> w3 = lock(3, LockMode.WRITE);
        assertFalse(free());
        r2.expectNoMessage(NOTHING);
        w3.expectNoMessage(NOTHING);

        // Each contended request is journaled with who held the lock when it arrived, and where it spins.
        Contended c2 = contention("task-2");
        assertEquals(LockMode.READ, c2.mode());
        assertEquals(List.of("task-1"), c2.heldBy());
        assertEquals(2, c2.pid());
        assertEquals(0, c2.cpu());
        assertEquals("do_exit/exit_notify", c2.path());
        Contended c3 = contention("task-3");
        assertEquals(LockMode.WRITE, c3.mode());
        assertEquals(List.of("task-1"), c3.heldBy());

        unlock(1, LockMode.WRITE);
        granted(r2, LockMode.READ);
        assertFalse(free());
        w3.expectNoMessage(NOTHING); // the reader that went first now excludes the writer

        unlock(2, LockMode.READ);
        granted(w3, LockMode.WRITE);
        assertFalse(free());
        unlock(3, LockMode.WRITE);
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
        TestProbe<LockActor.Reply> r1 = lock(1, LockMode.READ);
        granted(r1, LockMode.READ);
        TestProbe<LockActor.Reply> w2 = lock(2, LockMode.WRITE);
        TestProbe<LockActor.Reply> r3 = lock(3, LockMode.READ);
        assertFalse(free());
        w2.expectNoMessage(NOTHING);
        r3.expectNoMessage(NOTHING); // read-held only, yet the reader does not overtake the queued writer
        assertEquals(List.of("task-1"), contention("task-3").heldBy());

        unlock(1, LockMode.READ);
        granted(w2, LockMode.WRITE);
        assertFalse(free());
        r3.expectNoMessage(NOTHING);

        unlock(2, LockMode.WRITE);
        granted(r3, LockMode.READ);
        unlock(3, LockMode.READ);
        assertTrue(free());
        assertEquals(List.of("task-1", "task-2", "task-3"), acquiredOrder());
    }

    // kernel/locking/qrwlock.c: the unlock wakes the head of the queue; consecutive queued readers enter together, up
    // to the next writer.
    @Test
    void unlockGrantsTheQueuedReadersAtTheHeadTogetherAndStopsAtTheNextWriter() {
        TestProbe<LockActor.Reply> w1 = lock(1, LockMode.WRITE);
        granted(w1, LockMode.WRITE);
        TestProbe<LockActor.Reply> r2 = lock(2, LockMode.READ);
        TestProbe<LockActor.Reply> r3 = lock(3, LockMode.READ);
        TestProbe<LockActor.Reply> w4 = lock(4, LockMode.WRITE);
        TestProbe<LockActor.Reply> r5 = lock(5, LockMode.READ);
        assertFalse(free());
        for (TestProbe<LockActor.Reply> p : List.of(r2, r3, w4, r5)) p.expectNoMessage(NOTHING);
        assertEquals(List.of("task-1"), contention("task-5").heldBy());

        unlock(1, LockMode.WRITE);
        granted(r2, LockMode.READ);
        granted(r3, LockMode.READ);
        assertFalse(free());
        w4.expectNoMessage(NOTHING);
        r5.expectNoMessage(NOTHING); // behind the writer, although readers hold the lock

        unlock(2, LockMode.READ);
        assertFalse(free());
        w4.expectNoMessage(NOTHING); // task-3 still reads

        unlock(3, LockMode.READ);
        granted(w4, LockMode.WRITE);
        assertFalse(free());
        r5.expectNoMessage(NOTHING);

        unlock(4, LockMode.WRITE);
        granted(r5, LockMode.READ);
        unlock(5, LockMode.READ);
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
        TestProbe<LockActor.Reply> reader = lock(1, LockMode.READ);
        granted(reader, LockMode.READ);
        TestProbe<LockActor.Reply> writer = lock(2, LockMode.WRITE);
        unlock(9, LockMode.READ); // task-9 never took it
        assertFalse(free());
        writer.expectNoMessage(NOTHING);
        LockActor.BadUnlock bad = ActorTests.events(kit, "tasklist_lock", mark, LockActor.BadUnlock.class)
                .get(0);
        assertEquals("task-9", bad.task());
        assertEquals(List.of("task-1"), bad.heldBy());
        unlock(1, LockMode.READ);
        granted(writer, LockMode.WRITE);
        unlock(2, LockMode.WRITE);
        assertTrue(free());
    }

    // kernel/locking/qrwlock.c queued_read_lock_slowpath: "if (unlikely(in_interrupt()))" a reader takes a
    // read-held lock at once even with a writer queued (the interrupted CPU may hold it for read itself).
    @Test
    void aReaderInAnInterruptDoesNotQueueBehindAWaitingWriter() {
        TestProbe<LockActor.Reply> r1 = lock(1, LockMode.READ);
        granted(r1, LockMode.READ);
        TestProbe<LockActor.Reply> w2 = lock(2, LockMode.WRITE);
        TestProbe<LockActor.Reply> irq = lock(3, LockMode.READ, true);
        granted(irq, LockMode.READ);
        w2.expectNoMessage(NOTHING);
        TestProbe<LockActor.Reply> r4 = lock(4, LockMode.READ); // not in an interrupt: fair, behind the writer
        r4.expectNoMessage(NOTHING);
        unlock(3, LockMode.READ);
        unlock(1, LockMode.READ);
        granted(w2, LockMode.WRITE);
        unlock(2, LockMode.WRITE);
        granted(r4, LockMode.READ);
        unlock(4, LockMode.READ);
        assertTrue(free());
    }

    // kernel/locking/rwsem.c: a contended rw_semaphore puts its waiter to sleep (it is told so, and gives its
    // CPU up); the grant comes when the holder releases it.
    @Test
    void aContendedSleepingLockTellsTheWaiterToSleep() {
        ActorRef<LockActor.Cmd> mmap = kit.spawn(LockActor.create(LockClass.MMAP_LOCK));
        HeldLock write = new HeldLock(
                LockClass.MMAP_LOCK,
                "mm_struct#task-1",
                LockMode.WRITE,
                0,
                IrqMode.KEEP,
                false,
                "mmap_write_lock",
                "x");
        TestProbe<LockActor.Reply> a = kit.createTestProbe(LockActor.Reply.class);
        TestProbe<LockActor.Reply> b = kit.createTestProbe(LockActor.Reply.class);
        mmap.tell(new LockActor.Acquire(ids.next(), write, ctx(1), List.of(), a.ref()));
        assertInstanceOf(Granted.class, a.receiveMessage(TIMEOUT));
        mmap.tell(new LockActor.Acquire(ids.next(), write, ctx(2), List.of("tasklist_lock"), b.ref()));
        LockActor.MustSleep sleep = (LockActor.MustSleep) b.receiveMessage(TIMEOUT);
        assertEquals(LockClass.MMAP_LOCK, sleep.cls());
        mmap.tell(new LockActor.Release(ids.next(), "mm_struct#task-1", LockMode.WRITE, ctx(1)));
        Granted g = (Granted) b.receiveMessage(TIMEOUT);
        assertTrue(g.waited());
        kit.stop(mmap, TIMEOUT);
    }

    // lock_task_sighand reads tsk->sighand: a task that shares its sighand_struct (CLONE_SIGHAND) locks its
    // owner's siglock; one that does not locks its own.
    @Test
    void siglockIsResolvedThroughTheTasksSighandPointer() {
        ActorRef<LockActor.Cmd> siglock = kit.spawn(LockActor.create(LockClass.SIGLOCK));
        siglock.tell(new LockActor.SetSighand(ids.next(), "task-5", "sighand_struct#task-4"));
        TestProbe<LockActor.Reply> p = kit.createTestProbe(LockActor.Reply.class);
        HeldLock want = new HeldLock(
                LockClass.SIGLOCK, "task-5", LockMode.WRITE, 0, IrqMode.IRQSAVE, false, "spin_lock_irqsave", "x");
        siglock.tell(new LockActor.Acquire(ids.next(), want, ctx(5), List.of(), p.ref()));
        assertEquals(
                "sighand_struct#task-4",
                ((Granted) p.receiveMessage(TIMEOUT)).lock().instance());
        HeldLock other = new HeldLock(
                LockClass.SIGLOCK, "task-4", LockMode.WRITE, 0, IrqMode.IRQSAVE, false, "spin_lock_irqsave", "x");
        TestProbe<LockActor.Reply> q = kit.createTestProbe(LockActor.Reply.class);
        siglock.tell(new LockActor.Acquire(ids.next(), other, ctx(4), List.of(), q.ref()));
        q.expectNoMessage(NOTHING); // the same lock: task-4's own sighand is the one task-5 holds
        siglock.tell(new LockActor.Release(ids.next(), "sighand_struct#task-4", LockMode.WRITE, ctx(5)));
        assertEquals(
                "sighand_struct#task-4",
                ((Granted) q.receiveMessage(TIMEOUT)).lock().instance());
        kit.stop(siglock, TIMEOUT);
    }

    // kernel/locking/mutex.c __mutex_lock: a waiter with a fatal signal leaves the wait list (-EINTR); the
    // waiters behind it are not held up by it, and a cancel that comes after the hand-over changes nothing.
    @Test
    void aCancelledWaiterLeavesTheQueueAndTheNextOneGoesOnRelease() {
        ActorRef<LockActor.Cmd> mutex = kit.spawn(LockActor.create(LockClass.CRED_GUARD_MUTEX));
        HeldLock m = new HeldLock(
                LockClass.CRED_GUARD_MUTEX, "sig", LockMode.WRITE, 0, IrqMode.KEEP, false, "mutex_lock", "x");
        TestProbe<LockActor.Reply> a = kit.createTestProbe(LockActor.Reply.class);
        TestProbe<LockActor.Reply> b = kit.createTestProbe(LockActor.Reply.class);
        TestProbe<LockActor.Reply> c = kit.createTestProbe(LockActor.Reply.class);
        mutex.tell(new LockActor.Acquire(ids.next(), m, ctx(1), List.of(), a.ref()));
        assertInstanceOf(Granted.class, a.receiveMessage(TIMEOUT));
        mutex.tell(new LockActor.Acquire(ids.next(), m, ctx(2), List.of(), b.ref()));
        mutex.tell(new LockActor.Acquire(ids.next(), m, ctx(3), List.of(), c.ref()));
        assertInstanceOf(LockActor.MustSleep.class, b.receiveMessage(TIMEOUT));
        assertInstanceOf(LockActor.MustSleep.class, c.receiveMessage(TIMEOUT));
        mutex.tell(new LockActor.Cancel(ids.next(), "sig", ctx(2))); // task-2 is killed while it sleeps
        mutex.tell(new LockActor.Release(ids.next(), "sig", LockMode.WRITE, ctx(1)));
        assertInstanceOf(Granted.class, c.receiveMessage(TIMEOUT), "task-3 is next: task-2 left the queue");
        b.expectNoMessage(NOTHING);
        mutex.tell(new LockActor.Cancel(ids.next(), "sig", ctx(3))); // too late: task-3 holds it
        mutex.tell(new LockActor.Release(ids.next(), "sig", LockMode.WRITE, ctx(3)));
        TestProbe<LockActor.Status> st = kit.createTestProbe(LockActor.Status.class);
        mutex.tell(new LockActor.Query(dev.kmodel.kernel.MsgId.NONE, st.ref()));
        assertTrue(st.receiveMessage(TIMEOUT).free());
        assertEquals(
                1,
                ActorTests.events(kit, "cred_guard_mutex", mark, LockActor.Cancelled.class)
                        .size());
        kit.stop(mutex, TIMEOUT);
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
