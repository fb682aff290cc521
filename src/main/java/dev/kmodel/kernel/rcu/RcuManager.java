package dev.kmodel.kernel.rcu;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.persistence.typed.javadsl.CommandHandler;
import akka.persistence.typed.javadsl.Effect;
import dev.kmodel.kernel.Ctx;
import dev.kmodel.kernel.KEvent;
import dev.kmodel.kernel.KernelActor;
import dev.kmodel.kernel.MsgId;
import dev.kmodel.kernel.Probe;
import dev.kmodel.kernel.sched.Cpu;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Tree RCU reduced to its contract (kernel/rcu/tree.c): call_rcu queues a callback; a grace period
 * starts, every CPU must report a quiescent state (context switch, idle, user mode) after it began,
 * and only then do the callbacks queued before it started run. Callbacks queued during a grace
 * period wait for the next one.
 */
public final class RcuManager extends KernelActor<RcuManager.Cmd, RcuManager.Event, RcuManager.State> {

    public sealed interface Cmd {}

    /** call_rcu(head, func): run {@code function} on {@code object} after a grace period. */
    public record CallRcu(MsgId id, String function, String object, ActorRef<RcuCallback> target, Ctx ctx)
            implements Cmd {}

    /** rcu_report_qs_rdp: {@code cpu} passed through a quiescent state during grace period {@code gp}. */
    public record ReportQs(MsgId id, int cpu, long gp) implements Cmd {}

    /** Boot: the CPUs whose quiescent states every grace period needs. */
    public record AttachCpus(MsgId id, List<ActorRef<Cpu.Cmd>> cpus) implements Cmd {}

    /** The grace-period kthread wakes up (rcu_gp_kthread): start a grace period for what is queued. */
    record GpKick(MsgId id) implements Cmd {}

    /** Quiescence probe (read-only): callbacks pending, grace period in progress. */
    public record Query(MsgId id, ActorRef<Boolean> idle) implements Cmd, Probe {}

    /** Sent to every CPU when a grace period begins (rcu_gp_init). */
    public record GpStarted(MsgId id, long gp) {}

    public sealed interface Event extends KEvent {}

    public record CpusAttached(MsgId cause, List<ActorRef<Cpu.Cmd>> cpus) implements Event {}

    /** Holds the callback's target ref: the journal is in memory, so events are kept as objects. */
    public record CallbackQueued(MsgId cause, String function, String object, ActorRef<RcuCallback> target, Ctx ctx)
            implements Event {}

    /** The grace-period kthread was woken; until it runs, more callbacks can join the next grace period. */
    public record GpKthreadWoken(MsgId cause) implements Event {}

    public record GracePeriodStarted(MsgId cause, long gp, int callbacks) implements Event {}

    public record QsReported(MsgId cause, int cpu, long gp) implements Event {}

    /** The grace period ended; its callbacks are invoked in queue order. */
    public record GracePeriodEnded(MsgId cause, long gp, int invoked) implements Event {}

    /** A queued callback: what to call, on which object, at whose actor, queued from where. */
    record Pending(String function, String object, ActorRef<RcuCallback> target, Ctx ctx) {}

    /** Owned by this actor alone. */
    public static final class State implements KernelActor.Folds<Event> {
        @Override
        public void apply(Event e) {
            if (e instanceof CpusAttached a) {
                cpus = a.cpus().size();
                cpuRefs = List.copyOf(a.cpus());
            } else if (e instanceof CallbackQueued q) {
                next.add(new Pending(q.function(), q.object(), q.target(), q.ctx()));
            } else if (e instanceof GpKthreadWoken) {
                kicked = true;
            } else if (e instanceof GracePeriodStarted g) {
                kicked = false;
                gp = g.gp();
                inProgress = true;
                current.addAll(next);
                next.clear();
                for (int i = 0; i < cpus; i++) waitingQs.add(i);
            } else if (e instanceof QsReported q) {
                waitingQs.remove(q.cpu());
            } else if (e instanceof GracePeriodEnded) {
                inProgress = false;
                current.clear();
            }
        }

        int cpus;
        long gp; // number of the current or last grace period
        boolean inProgress;
        boolean kicked; // rcu_gp_kthread woken, not yet run
        List<ActorRef<Cpu.Cmd>> cpuRefs = List.of(); // whose quiescent states a grace period needs
        final TreeSet<Integer> waitingQs = new TreeSet<>(); // CPUs yet to report for gp
        final List<Pending> next = new ArrayList<>(); // queued, not yet in a grace period
        final List<Pending> current = new ArrayList<>(); // waiting for gp to end
    }

    public static Behavior<Cmd> create() {
        return Behaviors.setup(RcuManager::new);
    }

    private final ActorRef<Cmd> self;

    private RcuManager(ActorContext<Cmd> ctx) {
        super("rcu", ctx);
        this.self = ctx.getSelf();
    }

    @Override
    public State emptyState() {
        return new State();
    }

    @Override
    protected CommandHandler<Cmd, KEvent, State> handlers() {
        return newCommandHandlerBuilder()
                .forAnyState()
                .onCommand(AttachCpus.class, (s, c) -> {
                    emit(s, new CpusAttached(c.id(), List.copyOf(c.cpus())));
                    return commit();
                })
                .onCommand(CallRcu.class, this::callRcu)
                .onCommand(ReportQs.class, this::reportQs)
                .onCommand(GpKick.class, this::gpKthread)
                .onCommand(Query.class, (s, c) -> {
                    c.idle().tell(!s.inProgress && !s.kicked && s.next.isEmpty());
                    return Effect().none();
                })
                .build();
    }

    /** call_rcu (kernel/rcu/tree.c): queue; start a grace period if none is running. */
    private Effect<KEvent, State> callRcu(State s, CallRcu c) {
        emit(s, new CallbackQueued(c.id(), c.function(), c.object(), c.target(), c.ctx()));
        if (!s.inProgress && !s.kicked) {
            // Wake the grace-period kthread; callbacks queued before it runs share its grace period.
            emit(s, new GpKthreadWoken(c.id()));
            later(() -> self.tell(new GpKick(send.next())));
        }
        return commit();
    }

    /** rcu_gp_kthread → rcu_gp_init: a new grace period for every callback queued so far. */
    private Effect<KEvent, State> gpKthread(State s, GpKick c) {
        if (s.inProgress || s.next.isEmpty()) return Effect().none();
        long gp = s.gp + 1;
        emit(s, new GracePeriodStarted(c.id(), gp, s.next.size()));
        later(() -> startGp(s, gp));
        return commit();
    }

    private void startGp(State s, long gp) {
        for (ActorRef<Cpu.Cmd> cpu : s.cpuRefs) cpu.tell(new Cpu.GpStart(new GpStarted(send.next(), gp)));
    }

    /** rcu_report_qs_rdp: the last CPU's report ends the grace period and runs its callbacks. */
    private Effect<KEvent, State> reportQs(State s, ReportQs c) {
        if (!s.inProgress || c.gp() != s.gp || !s.waitingQs.contains(c.cpu()))
            return Effect().none();
        List<Event> events = new ArrayList<>();
        events.add(new QsReported(c.id(), c.cpu(), c.gp()));
        if (s.waitingQs.size() > 1) {
            emitAll(s, events);
            return commit();
        }
        List<Pending> done = new ArrayList<>(s.current);
        events.add(new GracePeriodEnded(c.id(), s.gp, done.size()));
        boolean again = !s.next.isEmpty();
        if (again) events.add(new GpKthreadWoken(c.id()));
        emitAll(s, events);
        later(() -> {
            // rcu_do_batch: each callback runs on the CPU that queued it, in softirq context.
            for (Pending p : done) {
                p.target()
                        .tell(new RcuCallback(
                                send.next(),
                                p.function(),
                                p.object(),
                                Ctx.cpu(p.ctx().cpu(), "rcu_core/rcu_do_batch/" + p.function())));
            }
            if (again) self.tell(new GpKick(send.next()));
        });
        return commit();
    }
}
