package dev.kmodel.kernel.pid;

import static dev.kmodel.ActorTests.NOTHING;
import static dev.kmodel.ActorTests.TIMEOUT;
import static org.junit.jupiter.api.Assertions.*;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import dev.kmodel.ActorTests;
import dev.kmodel.kernel.Ctx;
import dev.kmodel.kernel.pid.PidAllocator.Found;
import dev.kmodel.kernel.pid.PidAllocator.PidReply;
import dev.kmodel.kernel.pid.PidAllocator.Scope;
import dev.kmodel.kernel.pid.PidAllocator.Target;
import dev.kmodel.kernel.rcu.RcuCallback;
import dev.kmodel.kernel.rcu.RcuManager;
import dev.kmodel.kernel.task.TaskCmd;
import dev.kmodel.ledger.LedgerEntry;
import dev.kmodel.ledger.LedgerEvent;
import dev.kmodel.uapi.Errno;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The pid allocator alone (kernel/pid.c, kernel/pid_namespace.c): a probe stands in for the RCU
 * manager (call_rcu of delayed_put_pid) and probes for the tasks a lookup or a zap finds.
 */
class PidAllocatorActorTest {
    private static ActorTestKit kit;

    @BeforeAll
    static void startKit() {
        kit = ActorTests.kit("PidAllocatorActorTest");
    }

    @AfterAll
    static void stopKit() {
        ActorTests.shutdown(kit);
    }

    private final ActorTests.Ids ids = new ActorTests.Ids("task-1");
    private TestProbe<RcuManager.Cmd> rcu;
    private ActorRef<PidAllocator.Cmd> pids;
    private long mark;

    @BeforeEach
    void probes() {
        mark = ActorTests.mark(kit);
        rcu = kit.createTestProbe(RcuManager.Cmd.class);
    }

    @AfterEach
    void stopAllocator() {
        if (pids != null) kit.stop(pids, TIMEOUT);
        pids = null;
    }

    private void start(int pidMax) {
        pids = kit.spawn(PidAllocator.create(pidMax, rcu.ref()));
    }

    private static Ctx ctx(String task) {
        return new Ctx(task, 0, 0, "kernel_clone/copy_process");
    }

    /** alloc_pid for a task being created in namespace {@code ns} ({@code newNs}: CLONE_NEWPID). */
    private PidReply alloc(String forTask, int ns, boolean newNs) {
        TestProbe<PidReply> p = kit.createTestProbe(PidReply.class);
        pids.tell(new PidAllocator.AllocPid(ids.next(), forTask, ctx(forTask), p.ref(), ns, newNs));
        return p.receiveMessage(TIMEOUT);
    }

    private PidReply alloc(String forTask) {
        return alloc(forTask, 0, false);
    }

    private int allocOk(String forTask) {
        PidReply r = alloc(forTask);
        assertNull(r.errno(), () -> forTask + ": " + r);
        return r.pid();
    }

    private void attach(int pid, int tgid, String key, String comm, ActorRef<TaskCmd> task) {
        pids.tell(
                new PidAllocator.AttachPid(ids.next(), pid, tgid, key, comm, 0, 0, 1, task, ctx(key).in("attach_pid")));
    }

    private void free(int pid) {
        pids.tell(new PidAllocator.FreePid(ids.next(), pid, new Ctx("task-1", 1, 0, "release_task")));
    }

    /** find_task_by_vpid(nr) from namespace {@code callerNs}; also a barrier (answered after what came before). */
    private List<Target> lookup(Scope scope, int nr, String comm, int caller, int callerNs) {
        TestProbe<Found> p = kit.createTestProbe(Found.class);
        pids.tell(new PidAllocator.Lookup(ids.next(), scope, nr, comm, caller, p.ref(), callerNs));
        return p.receiveMessage(TIMEOUT).targets();
    }

    private List<Target> findByVpid(int nr, int callerNs) {
        return lookup(Scope.PID, nr, null, 0, callerNs);
    }

    private <T> List<T> journal(Class<T> type) {
        return ActorTests.events(kit, "pid", mark, type);
    }

    // kernel/pid.c alloc_pid → idr_alloc_cyclic: the first pid is 1 and numbers go up from the cursor.
    @Test
    void allocPidHandsOutOneFirstThenTheNextNumbers() {
        start(32768);
        List<PidReply> replies = new ArrayList<>();
        for (int i = 1; i <= 3; i++) replies.add(alloc("task-" + i));
        assertEquals(List.of(1, 2, 3), replies.stream().map(PidReply::pid).toList());
        for (PidReply r : replies) {
            assertNull(r.errno());
            assertEquals(0, r.ns(), "init_pid_ns");
            assertEquals(List.of(r.pid()), r.nrs(), "one level: one number");
        }
        assertEquals(3, replies.stream().map(PidReply::object).distinct().count(), "a struct pid each");

        // The struct pid allocation is a ledger entry owned by the task being created.
        List<PidAllocator.PidAllocated> allocated = journal(PidAllocator.PidAllocated.class);
        assertEquals(
                List.of(1, 2, 3),
                allocated.stream().map(PidAllocator.PidAllocated::pid).toList());
        LedgerEntry e = allocated.get(1).entry();
        assertEquals(replies.get(1).object(), e.object());
        assertEquals(LedgerEvent.ALLOC, e.event());
        assertEquals("task-2", e.owner());
        assertEquals("alloc_pid", e.function());
    }

    // kernel/pid.c free_pid + idr_alloc_cyclic: a freed number is not handed out again until the cursor wraps; full →
    // EAGAIN.
    @Test
    void aFreedNumberIsReusedOnlyAfterTheCursorWrapsAndAFullMapGivesEagain() {
        start(8); // numbers 1..7
        for (int i = 1; i <= 5; i++) assertEquals(i, allocOk("task-" + i));
        free(2);
        assertEquals(6, allocOk("task-6"), "the cursor goes on; 2 is not reused yet");
        assertEquals(7, allocOk("task-7"));
        assertEquals(2, allocOk("task-8"), "at pid_max the search wraps and finds 2");
        PidReply full = alloc("task-9");
        assertEquals(Errno.EAGAIN, full.errno());
        assertEquals(0, full.pid());
        assertNull(full.object());
        assertEquals(
                List.of("task-9"),
                journal(PidAllocator.PidAllocFailed.class).stream()
                        .map(PidAllocator.PidAllocFailed::forTask)
                        .toList());
    }

    // kernel/pid.c alloc_pid: once the cursor passed RESERVED_PIDS, the cyclic search restarts at RESERVED_PIDS, not 1.
    @Test
    void afterTheFirstLapNumbersBelowReservedPidsAreNotReused() {
        int pidMax = PidAllocator.RESERVED_PIDS + 5; // 1..304
        start(pidMax);
        TestProbe<PidReply> p = kit.createTestProbe(PidReply.class);
        for (int i = 1; i < pidMax; i++) {
            pids.tell(new PidAllocator.AllocPid(ids.next(), "task-" + i, ctx("task-" + i), p.ref()));
        }
        for (int i = 1; i < pidMax; i++)
            assertEquals(i, p.receiveMessage(TIMEOUT).pid());
        assertEquals(Errno.EAGAIN, alloc("task-x").errno(), "every number is taken");

        free(5);
        free(302);
        assertEquals(302, allocOk("task-a"), "the wrap starts at RESERVED_PIDS: 5 is skipped");
        assertEquals(Errno.EAGAIN, alloc("task-b").errno(), "5 is free but below RESERVED_PIDS");
        free(PidAllocator.RESERVED_PIDS);
        assertEquals(PidAllocator.RESERVED_PIDS, allocOk("task-c"), "RESERVED_PIDS itself is the lowest");
    }

    // kernel/pid.c free_pid: idr_remove now (the number is reusable at once), call_rcu(delayed_put_pid) frees struct
    // pid later.
    @Test
    void freePidReleasesTheNumberAtOnceAndTheStructPidAfterAGracePeriod() {
        start(2); // one number: 1
        TestProbe<TaskCmd> task = kit.createTestProbe(TaskCmd.class);
        PidReply first = alloc("task-1");
        assertEquals(1, first.pid());
        attach(1, 0, "task-1", "child", task.ref());
        pids.tell(new PidAllocator.DetachPid(ids.next(), 1, ctx("task-1")));
        free(1);

        RcuManager.CallRcu cb = rcu.expectMessageClass(RcuManager.CallRcu.class, TIMEOUT);
        assertEquals("delayed_put_pid", cb.function());
        assertEquals(first.object(), cb.object());
        assertTrue(cb.ctx().path().endsWith("free_pid"), cb.ctx().path());

        PidReply again = alloc("task-2");
        assertEquals(1, again.pid(), "the number came back before the grace period ended");
        assertNotEquals(first.object(), again.object(), "with a new struct pid");
        assertTrue(journal(PidAllocator.PidStructFreed.class).isEmpty(), "the old struct pid is not freed yet");

        // rcu_do_batch runs delayed_put_pid: put_pid frees the struct pid.
        RcuCallback done = new RcuCallback(
                new dev.kmodel.kernel.MsgId("rcu", 1),
                cb.function(),
                cb.object(),
                Ctx.cpu(0, "rcu_core/rcu_do_batch/delayed_put_pid"));
        cb.target().tell(done);
        findByVpid(1, 0); // barrier
        List<PidAllocator.PidStructFreed> freed = journal(PidAllocator.PidStructFreed.class);
        assertEquals(1, freed.size());
        LedgerEntry e = freed.get(0).entry();
        assertEquals(first.object(), e.object());
        assertEquals(LedgerEvent.FREE, e.event());
        assertEquals("task-1", e.owner());
        assertEquals("put_pid", e.function());

        // A second callback for the same struct pid is a use of freed memory, and the ledger says so.
        cb.target()
                .tell(new RcuCallback(
                        new dev.kmodel.kernel.MsgId("rcu", 2),
                        cb.function(),
                        cb.object(),
                        Ctx.cpu(0, "rcu_core/rcu_do_batch/delayed_put_pid")));
        findByVpid(1, 0);
        List<PidAllocator.PidStructFreed> twice = journal(PidAllocator.PidStructFreed.class);
        assertEquals(2, twice.size());
        assertEquals(LedgerEvent.USE, twice.get(1).entry().event());
    }

    // kernel/pid.c attach_pid / detach_pid / find_task_by_vpid: only a hashed pid finds its task; a thread's id finds
    // its group.
    @Test
    void findTaskByVpidSeesOnlyAttachedPids() {
        start(32768);
        TestProbe<TaskCmd> leader = kit.createTestProbe(TaskCmd.class);
        TestProbe<TaskCmd> thread = kit.createTestProbe(TaskCmd.class);
        assertEquals(1, allocOk("task-1"));
        assertEquals(2, allocOk("task-2"));
        assertTrue(findByVpid(1, 0).isEmpty(), "allocated but not attached: not found");

        attach(1, 0, "task-1", "leader", leader.ref());
        List<Target> found = findByVpid(1, 0);
        assertEquals(1, found.size());
        assertEquals("task-1", found.get(0).key());
        assertEquals(leader.ref(), found.get(0).task());
        assertEquals("task-1", lookup(Scope.COMM, 0, "leader", 0, 0).get(0).key());

        attach(2, 1, "task-2", "worker", thread.ref()); // a thread of task-1's group
        List<Target> viaThread = findByVpid(2, 0);
        assertEquals(1, viaThread.size());
        assertEquals(1, viaThread.get(0).pid(), "kill(2) on a thread id signals the group's leader");
        assertEquals(leader.ref(), viaThread.get(0).task());
        assertTrue(findByVpid(3, 0).isEmpty(), "never allocated");

        pids.tell(new PidAllocator.DetachPid(ids.next(), 1, ctx("task-1")));
        assertTrue(findByVpid(1, 0).isEmpty(), "unhashed: __unhash_process");
        assertTrue(lookup(Scope.COMM, 0, "leader", 0, 0).isEmpty());
    }

    // kernel/pid.c alloc_pid: one upid per level, from the task's namespace up to init_pid_ns; kernel/pid_namespace.c
    // create_pid_namespace.
    @Test
    void nestedNamespacesGiveOneNumberPerLevelAndLookupsReadTheCallersNumbers() {
        start(32768);
        PidReply a = alloc("task-a", 0, false);
        PidReply b = alloc("task-b", 0, true); // CLONE_NEWPID: init of namespace 1
        PidReply c = alloc("task-c", b.ns(), false);
        PidReply d = alloc("task-d", b.ns(), true); // init of a namespace inside namespace 1
        PidReply e = alloc("task-e", d.ns(), false);

        assertEquals(List.of(1), a.nrs());
        assertEquals(List.of(2, 1), b.nrs(), "global 2, and 1 in its new namespace");
        assertEquals(List.of(3, 2), c.nrs());
        assertEquals(List.of(4, 3, 1), d.nrs());
        assertEquals(List.of(5, 4, 2), e.nrs());
        assertEquals(List.of(1, 2, 3, 4, 5), List.of(a.pid(), b.pid(), c.pid(), d.pid(), e.pid()));
        assertNotEquals(0, b.ns());
        assertNotEquals(b.ns(), d.ns());
        assertEquals(b.ns(), c.ns());
        assertEquals(4, e.nrAt(1), "task_pid_nr_ns as seen from the namespace at level 1");
        assertEquals(2, e.nrAt(3), "from a deeper level: its own number");

        List<PidAllocator.NsCreated> created = journal(PidAllocator.NsCreated.class);
        assertEquals(
                List.of(1, 2),
                created.stream().map(PidAllocator.NsCreated::level).toList());
        assertEquals(b.ns(), created.get(1).parent());

        TestProbe<TaskCmd> any = kit.createTestProbe(TaskCmd.class);
        for (PidReply r : List.of(a, b, c, d, e)) attach(r.pid(), 0, "task-" + r.pid(), "t" + r.pid(), any.ref());

        // The same number names different tasks in different namespaces.
        assertEquals(2, findByVpid(2, 0).get(0).pid());
        assertEquals(3, findByVpid(2, b.ns()).get(0).pid());
        assertEquals(5, findByVpid(2, d.ns()).get(0).pid());
        assertEquals(4, findByVpid(1, d.ns()).get(0).pid(), "pid 1 there is its init");
        assertTrue(findByVpid(3, d.ns()).isEmpty(), "no number 3 in the innermost namespace");

        // kill(-1) sees only the processes inside the caller's namespace, not its init.
        assertEquals(
                List.of(3, 4, 5),
                lookup(Scope.ALL, 0, null, 0, b.ns()).stream().map(Target::pid).toList());
        assertEquals(
                List.of(5),
                lookup(Scope.ALL, 0, null, 0, d.ns()).stream().map(Target::pid).toList());
    }

    // kernel/pid_namespace.c zap_pid_ns_processes: disable_pid_allocation, SIGKILL the rest; then alloc_pid there gives
    // ENOMEM.
    @Test
    void afterTheNamespaceInitDiedAllocPidThereFailsWithEnomem() {
        start(32768);
        TestProbe<TaskCmd> nsInit = kit.createTestProbe(TaskCmd.class);
        TestProbe<TaskCmd> member = kit.createTestProbe(TaskCmd.class);
        TestProbe<TaskCmd> outsider = kit.createTestProbe(TaskCmd.class);
        assertEquals(1, allocOk("task-1"));
        attach(1, 0, "task-1", "init", outsider.ref());
        PidReply init = alloc("task-2", 0, true);
        PidReply child = alloc("task-3", init.ns(), false);
        assertEquals(List.of(3, 2), child.nrs());
        attach(init.pid(), 0, "task-2", "nsinit", nsInit.ref());
        attach(child.pid(), 0, "task-3", "member", member.ref());

        TestProbe<PidReply> zapped = kit.createTestProbe(PidReply.class);
        pids.tell(new PidAllocator.ZapPidNs(
                ids.next(), init.ns(), init.pid(), new Ctx("task-2", 2, 1, "do_exit/exit_notify"), zapped.ref()));
        // The dying init is answered once the SIGKILLs are queued (it holds tasklist_lock until then).
        zapped.expectMessageClass(PidReply.class, TIMEOUT);
        TaskCmd.Signal kill = member.expectMessageClass(TaskCmd.Signal.class, TIMEOUT);
        assertEquals(9, kill.sig(), "SIGKILL");
        assertEquals(init.pid(), kill.fromPid());
        assertTrue(
                kill.ctx().path().endsWith("zap_pid_ns_processes/group_send_sig_info"),
                kill.ctx().path());

        PidReply late = alloc("task-4", init.ns(), false);
        assertEquals(Errno.ENOMEM, late.errno(), "PIDNS_ADDING is cleared");
        assertEquals(0, late.pid());
        nsInit.expectNoMessage(NOTHING); // its own init is not killed
        outsider.expectNoMessage(NOTHING); // nor anything outside the namespace
        assertEquals(List.of(3), journal(PidAllocator.NsZapped.class).get(0).killed());
        assertEquals(4, allocOk("task-5"), "the parent namespace still allocates");
    }
}
