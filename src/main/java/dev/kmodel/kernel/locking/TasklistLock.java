package dev.kmodel.kernel.locking;

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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * The holder of tasklist_lock, a queued reader-writer spinlock (kernel/locking/qrwlock.c): readers
 * share it, a writer excludes everyone, and waiters are served in arrival order. Every acquisition
 * that had to wait is journaled as contention, with who held the lock.
 */
public final class TasklistLock extends KernelActor<TasklistLock.Cmd, TasklistLock.Event, TasklistLock.State> {

    public enum Mode {
        READ,
        WRITE
    }

    public sealed interface Cmd {}

    /** read_lock / write_lock(&tasklist_lock): the grant arrives when the lock is held. */
    public record Lock(MsgId id, Mode mode, Ctx ctx, ActorRef<Granted> replyTo) implements Cmd {}

    /** read_unlock / write_unlock. */
    public record Unlock(MsgId id, Mode mode, Ctx ctx) implements Cmd {}

    public record Query(MsgId id, ActorRef<Boolean> free) implements Cmd, Probe {}

    public record Granted(MsgId id, Mode mode) {}

    public sealed interface Event extends KEvent {}

    /** The lock was taken; {@code waited}: it was contended, {@code heldBy}: who held it on arrival. */
    public record Acquired(MsgId cause, Mode mode, String task, int pid, int cpu, String path, boolean waited)
            implements Event {}

    /** The request had to queue (the waiter spins on its CPU). Keeps the reply ref: the journal is in memory. */
    public record Contended(
            MsgId cause,
            Mode mode,
            String task,
            int pid,
            int cpu,
            String path,
            List<String> heldBy,
            Ctx ctx,
            ActorRef<Granted> replyTo)
            implements Event {}

    public record Released(MsgId cause, Mode mode, String task, int pid, int cpu) implements Event {}

    /**
     * An unlock by a task that does not hold the lock in that mode: lockdep's "WARNING: bad unlock
     * balance detected!" (kernel/locking/lockdep.c print_unlock_imbalance_bug). Nothing is released.
     */
    public record BadUnlock(MsgId cause, Mode mode, String task, int pid, String path, List<String> heldBy)
            implements Event {}

    record Waiter(MsgId cause, Mode mode, Ctx ctx, ActorRef<Granted> replyTo) {}

    /** Owned by this actor alone. */
    public static final class State implements KernelActor.Folds<Event> {
        @Override
        public void apply(Event e) {
            if (e instanceof Acquired a) {
                if (a.waited()) queue.pollFirst();
                if (a.mode() == Mode.WRITE) writer = a.task();
                else readers.merge(a.task(), 1, Integer::sum);
            } else if (e instanceof Contended c) {
                queue.addLast(new Waiter(c.cause(), c.mode(), c.ctx(), c.replyTo()));
            } else if (e instanceof Released r) {
                if (r.mode() == Mode.WRITE) writer = null;
                else readers.computeIfPresent(r.task(), (k, n) -> n > 1 ? n - 1 : null);
            }
        }

        String writer; // task holding it for write, or null
        final TreeMap<String, Integer> readers = new TreeMap<>(); // task → read holds
        final ArrayDeque<Waiter> queue = new ArrayDeque<>();

        boolean canGrant(Mode m) {
            return writer == null && (m == Mode.READ || readers.isEmpty());
        }

        List<String> holders() {
            List<String> h = new ArrayList<>(readers.keySet());
            if (writer != null) h.add(writer);
            return h;
        }
    }

    public static Behavior<Cmd> create() {
        return Behaviors.setup(TasklistLock::new);
    }

    private TasklistLock(ActorContext<Cmd> ctx) {
        super("tasklist_lock", ctx);
    }

    @Override
    public State emptyState() {
        return new State();
    }

    @Override
    protected CommandHandler<Cmd, KEvent, State> handlers() {
        return newCommandHandlerBuilder()
                .forAnyState()
                .onCommand(Lock.class, this::lock)
                .onCommand(Unlock.class, this::unlock)
                .onCommand(Query.class, (s, c) -> {
                    c.free().tell(s.writer == null && s.readers.isEmpty() && s.queue.isEmpty());
                    return Effect().none();
                })
                .build();
    }

    private Effect<KEvent, State> lock(State s, Lock c) {
        Ctx x = c.ctx();
        if (s.queue.isEmpty() && s.canGrant(c.mode())) {
            emit(s, new Acquired(c.id(), c.mode(), x.task(), x.pid(), x.cpu(), x.path(), false));
            later(() -> c.replyTo().tell(new Granted(send.next(), c.mode())));
            return commit();
        }
        emit(s, new Contended(c.id(), c.mode(), x.task(), x.pid(), x.cpu(), x.path(), s.holders(), x, c.replyTo()));
        return commit();
    }

    private Effect<KEvent, State> unlock(State s, Unlock c) {
        List<Event> events = new ArrayList<>();
        Ctx x = c.ctx();
        boolean holds = c.mode() == Mode.WRITE ? x.task().equals(s.writer) : s.readers.containsKey(x.task());
        if (!holds) {
            emit(s, new BadUnlock(c.id(), c.mode(), x.task(), x.pid(), x.path(), s.holders()));
            return commit();
        }
        events.add(new Released(c.id(), c.mode(), x.task(), x.pid(), x.cpu()));
        // Who can go next, judged on the state after this release (queue order, readers batched).
        String writer = c.mode() == Mode.WRITE ? null : s.writer;
        int readers = s.readers.values().stream().mapToInt(Integer::intValue).sum() - (c.mode() == Mode.READ ? 1 : 0);
        List<Waiter> grant = new ArrayList<>();
        for (Waiter w : s.queue) {
            boolean ok = writer == null && (w.mode() == Mode.READ || (readers == 0 && grant.isEmpty()));
            if (!ok) break;
            grant.add(w);
            if (w.mode() == Mode.WRITE) break;
            readers++;
        }
        for (Waiter w : grant) {
            events.add(new Acquired(
                    w.cause(),
                    w.mode(),
                    w.ctx().task(),
                    w.ctx().pid(),
                    w.ctx().cpu(),
                    w.ctx().path(),
                    true));
        }
        emitAll(s, events);
        later(() -> {
            for (Waiter w : grant) w.replyTo().tell(new Granted(send.next(), w.mode()));
        });
        return commit();
    }
}
