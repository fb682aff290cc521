package dev.kmodel.kernel.rcu;

import static dev.kmodel.ActorTests.NOTHING;
import static dev.kmodel.ActorTests.TIMEOUT;
import static org.junit.jupiter.api.Assertions.*;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import dev.kmodel.ActorTests;
import dev.kmodel.kernel.Ctx;
import dev.kmodel.kernel.MsgId;
import dev.kmodel.kernel.sched.Cpu;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The RCU manager alone (kernel/rcu/tree.c): two probes stand in for the CPUs (they receive the
 * grace-period start and the test reports their quiescent states), probes for the callbacks' owners.
 * A CPU inside an rcu_read_lock section is one that has not reported yet.
 */
class RcuManagerActorTest {
    private static ActorTestKit kit;

    @BeforeAll
    static void startKit() {
        kit = ActorTests.kit("RcuManagerActorTest");
    }

    @AfterAll
    static void stopKit() {
        ActorTests.shutdown(kit);
    }

    private final ActorTests.Ids ids = new ActorTests.Ids("test");
    private ActorRef<RcuManager.Cmd> rcu;
    private TestProbe<Cpu.Cmd> cpu0;
    private TestProbe<Cpu.Cmd> cpu1;
    private long mark;

    @BeforeEach
    void spawnRcu() {
        mark = ActorTests.mark(kit);
        cpu0 = kit.createTestProbe(Cpu.Cmd.class);
        cpu1 = kit.createTestProbe(Cpu.Cmd.class);
        rcu = kit.spawn(RcuManager.create());
        rcu.tell(new RcuManager.AttachCpus(ids.next(), List.of(cpu0.ref(), cpu1.ref())));
    }

    @AfterEach
    void stopRcu() {
        kit.stop(rcu, TIMEOUT);
    }

    /** call_rcu(head, func) from task-{@code pid} on {@code cpu}; the probe is the object's owner. */
    private TestProbe<RcuCallback> callRcu(String function, String object, int pid, int cpu) {
        TestProbe<RcuCallback> owner = kit.createTestProbe(RcuCallback.class);
        rcu.tell(new RcuManager.CallRcu(
                ids.next(),
                function,
                object,
                owner.ref(),
                new Ctx("task-" + pid, pid, cpu, "release_task/put_task_struct_rcu_user/call_rcu")));
        return owner;
    }

    private void reportQs(int cpu, long gp) {
        rcu.tell(new RcuManager.ReportQs(ids.next(), cpu, gp));
    }

    /** rcu_gp_init told the CPU a grace period began: its number. */
    private static long gpStarted(TestProbe<Cpu.Cmd> cpu) {
        Cpu.GpStart g = cpu.expectMessageClass(Cpu.GpStart.class, TIMEOUT);
        assertEquals("rcu", g.gp().id().from());
        return g.gp().gp();
    }

    /** Barrier: answered after everything sent before. True: no callback pending, no grace period running. */
    private boolean idle() {
        TestProbe<Boolean> p = kit.createTestProbe(Boolean.class);
        rcu.tell(new RcuManager.Query(MsgId.NONE, p.ref()));
        return p.receiveMessage(TIMEOUT);
    }

    // kernel/rcu/tree.c call_rcu → rcu_gp_init → rcu_report_qs_rdp → rcu_do_batch: the callback waits for every CPU's
    // quiescent state.
    @Test
    void callbackRunsOnlyAfterEveryCpuReportedAQuiescentState() {
        assertTrue(idle());
        TestProbe<RcuCallback> owner = callRcu("delayed_put_task_struct", "task_struct#task-7", 7, 1);
        assertEquals(1, gpStarted(cpu0));
        assertEquals(1, gpStarted(cpu1));
        assertFalse(idle());
        owner.expectNoMessage(NOTHING);

        reportQs(0, 1);
        assertFalse(idle(), "cpu1 has not passed a quiescent state (it may be in a read-side section)");
        owner.expectNoMessage(NOTHING);

        reportQs(1, 1);
        RcuCallback cb = owner.receiveMessage(TIMEOUT);
        assertEquals("delayed_put_task_struct", cb.function());
        assertEquals("task_struct#task-7", cb.object());
        assertEquals(1, cb.ctx().cpu(), "invoked on the CPU that queued it");
        assertEquals("rcu_core/rcu_do_batch/delayed_put_task_struct", cb.ctx().path());
        assertEquals("rcu", cb.id().from());
        assertTrue(idle());
        cpu0.expectNoMessage(NOTHING); // no further grace period was started
        cpu1.expectNoMessage(NOTHING);

        List<RcuManager.GracePeriodEnded> ended =
                ActorTests.events(kit, "rcu", mark, RcuManager.GracePeriodEnded.class);
        assertEquals(1, ended.size());
        assertEquals(1, ended.get(0).gp());
        assertEquals(1, ended.get(0).invoked());
    }

    // kernel/rcu/tree.c rcu_report_qs_rdp: a CPU counts once per grace period, and a report for an old grace period
    // counts for nothing.
    @Test
    void repeatedAndStaleQuiescentStateReportsDoNotEndTheGracePeriod() {
        TestProbe<RcuCallback> first = callRcu("delayed_put_pid", "pid#pid.1", 3, 0);
        assertEquals(1, gpStarted(cpu0));
        assertEquals(1, gpStarted(cpu1));
        reportQs(0, 1);
        reportQs(1, 1);
        first.receiveMessage(TIMEOUT);

        TestProbe<RcuCallback> second = callRcu("delayed_put_pid", "pid#pid.2", 4, 0);
        assertEquals(2, gpStarted(cpu0));
        assertEquals(2, gpStarted(cpu1));
        reportQs(0, 2);
        reportQs(0, 2); // cpu0 again: still cpu1 to go
        reportQs(1, 1); // cpu1 for the previous grace period
        assertFalse(idle(), "grace period 2 still waits for cpu1");
        second.expectNoMessage(NOTHING);

        reportQs(1, 2);
        assertEquals("pid#pid.2", second.receiveMessage(TIMEOUT).object());
        assertTrue(idle());
        first.expectNoMessage(NOTHING); // each callback runs once
        assertEquals(
                List.of("cpu0/gp1", "cpu1/gp1", "cpu0/gp2", "cpu1/gp2"),
                ActorTests.events(kit, "rcu", mark, RcuManager.QsReported.class).stream()
                        .map(q -> "cpu" + q.cpu() + "/gp" + q.gp())
                        .toList(),
                "only the first report of each CPU for the running grace period counted");
    }

    // kernel/rcu/tree.c: a callback queued while a grace period runs waits for the next one, which starts when that
    // ends.
    @Test
    void callbackQueuedDuringAGracePeriodWaitsForTheNextOne() {
        TestProbe<RcuCallback> early = callRcu("delayed_put_task_struct", "task_struct#task-2", 2, 0);
        assertEquals(1, gpStarted(cpu0));
        assertEquals(1, gpStarted(cpu1));
        reportQs(1, 1); // cpu1 passed a quiescent state before the next call_rcu

        TestProbe<RcuCallback> late = callRcu("delayed_put_task_struct", "task_struct#task-3", 3, 1);
        assertFalse(idle());
        cpu0.expectNoMessage(NOTHING); // no second grace period while the first runs
        cpu1.expectNoMessage(NOTHING);

        reportQs(0, 1);
        assertEquals("task_struct#task-2", early.receiveMessage(TIMEOUT).object());
        late.expectNoMessage(NOTHING); // cpu1's report predates this call_rcu
        assertEquals(2, gpStarted(cpu0), "the kthread starts the next grace period for the late callback");
        assertEquals(2, gpStarted(cpu1));
        assertFalse(idle());

        reportQs(1, 2);
        reportQs(0, 2);
        RcuCallback cb = late.receiveMessage(TIMEOUT);
        assertEquals("task_struct#task-3", cb.object());
        assertEquals(1, cb.ctx().cpu());
        assertTrue(idle());

        List<RcuManager.GracePeriodStarted> started =
                ActorTests.events(kit, "rcu", mark, RcuManager.GracePeriodStarted.class);
        assertEquals(
                List.of(1L, 2L),
                started.stream().map(RcuManager.GracePeriodStarted::gp).toList());
        assertEquals(
                List.of(1, 1),
                started.stream().map(RcuManager.GracePeriodStarted::callbacks).toList());
    }
}
