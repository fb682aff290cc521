package dev.kmodel.kernel.time;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.persistence.typed.javadsl.CommandHandler;
import akka.persistence.typed.javadsl.Effect;
import dev.kmodel.kernel.Activity;
import dev.kmodel.kernel.KEvent;
import dev.kmodel.kernel.KernelActor;
import dev.kmodel.kernel.MsgId;
import dev.kmodel.kernel.RunContext;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The machine's clock (kernel/time/timekeeping.c, hrtimers): virtual time that every CPU shares, as
 * jiffies is one global counter in Linux. System calls take no time; computation and sleeps do.
 * Time moves only when nothing else can happen: when no model message is in flight, the clock jumps
 * to the earliest instant a CPU waits for (a timer's expiry, the end of a computation or of a
 * timeslice) and those CPUs go on. So a sleep of 10 ticks ends after everything that takes no time,
 * on every CPU, and before a computation of 20 ends elsewhere — the order Linux would give.
 */
public final class TimeKeeper extends KernelActor<TimeKeeper.Cmd, TimeKeeper.Event, TimeKeeper.State> {
    public sealed interface Cmd {}

    /** A CPU needs the clock to reach {@code at} (-1: it needs nothing). */
    public record WaitUntil(MsgId id, int cpu, long at, ActorRef<TimeReached> replyTo) implements Cmd {}

    /** Nothing is in flight (sent by the quiescence listener). */
    record Quiet(MsgId id) implements Cmd {}

    /** The clock has reached the time this CPU waited for. */
    public record TimeReached(MsgId id, long now) {}

    public sealed interface Event extends KEvent {}

    public record Waiting(MsgId cause, int cpu, long at, ActorRef<TimeReached> replyTo) implements Event {}

    /** The clock moved to {@code now}; {@code cpus} are the CPUs whose wait ended. */
    public record Advanced(MsgId cause, long now, List<Integer> cpus) implements Event {}

    /** The waits of the CPUs and the time, owned by this actor alone. */
    public static final class State implements KernelActor.Folds<Event> {
        long now;
        final TreeMap<Integer, Long> waits = new TreeMap<>();
        final Map<Integer, ActorRef<TimeReached>> cpus = new TreeMap<>();

        @Override
        public void apply(Event e) {
            if (e instanceof Waiting w) {
                cpus.put(w.cpu(), w.replyTo());
                if (w.at() < 0) waits.remove(w.cpu());
                else waits.put(w.cpu(), w.at());
            } else if (e instanceof Advanced a) {
                now = a.now();
                for (int cpu : a.cpus()) waits.remove(cpu);
            }
        }
    }

    private final AtomicLong jiffies;
    private final RunContext run;
    private final AtomicBoolean quietQueued = new AtomicBoolean();
    private final AtomicLong waiters = new AtomicLong();
    private final Activity activity;

    public static Behavior<Cmd> create() {
        return Behaviors.setup(TimeKeeper::new);
    }

    private TimeKeeper(ActorContext<Cmd> ctx) {
        super("time", ctx);
        this.run = RunContext.of(ctx.getSystem());
        this.jiffies = run.jiffies();
        this.activity = send.activity();
        ActorRef<Cmd> self = ctx.getSelf();
        activity.onQuiet(() -> {
            if (waiters.get() > 0 && quietQueued.compareAndSet(false, true)) {
                activity.sent();
                self.tell(new Quiet(MsgId.NONE));
            }
        });
    }

    @Override
    public State emptyState() {
        return new State();
    }

    @Override
    protected CommandHandler<Cmd, KEvent, State> handlers() {
        return newCommandHandlerBuilder()
                .forAnyState()
                .onCommand(WaitUntil.class, (s, c) -> {
                    emit(s, new Waiting(c.id(), c.cpu(), c.at(), c.replyTo()));
                    waiters.set(s.waits.size());
                    return commit();
                })
                .onCommand(Quiet.class, this::quiet)
                .build();
    }

    /** Nothing else can happen before the earliest wait ends: the clock jumps there. */
    private Effect<KEvent, State> quiet(State s, Quiet q) {
        quietQueued.set(false);
        // Only this message in flight: every CPU is idle, or computing, or asleep on timers.
        if (activity.inFlight() != 1 || s.waits.isEmpty()) return Effect().none();
        long at = Math.max(
                s.now,
                s.waits.values().stream().mapToLong(Long::longValue).min().orElseThrow());
        if (at > run.maxTicks()) {
            // The run's bound on model time (kmodel.bounds.ticks): the clock stays; the machine stops the run.
            run.clockStopped(at);
            quietQueued.set(true); // and no more Quiet messages: nothing can move any more
            return Effect().none();
        }
        List<Integer> due = s.waits.entrySet().stream()
                .filter(e -> e.getValue() <= at)
                .map(Map.Entry::getKey)
                .toList();
        emit(s, new Advanced(q.id(), at, due));
        waiters.set(s.waits.size());
        jiffies.set(at);
        List<ActorRef<TimeReached>> to = due.stream().map(s.cpus::get).toList();
        later(() -> {
            for (ActorRef<TimeReached> cpu : to) cpu.tell(new TimeReached(send.next(), at));
        });
        return commit();
    }
}
