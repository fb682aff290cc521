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
import dev.kmodel.ledger.ObjType;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The holder of every instance of one lock class (tasklist_lock, each sighand's siglock, each task's
 * alloc_lock, pidmap_lock, each mm's mmap_lock, ...). A lock is taken and released by message; waiters
 * are served in arrival order, as the kernel's queued locks serve them (kernel/locking/qspinlock.c,
 * qrwlock.c; rwsem.c and mutex.c hand off to the first waiter): readers of a shared lock are granted
 * together, a writer alone. One exception, as qrwlock has it: a reader in interrupt context takes a
 * read-held rwlock even when a writer waits (queued_read_lock_slowpath), since the interrupted CPU may
 * hold it for read already. Every acquisition that had to wait is journaled as contention, with who
 * held the lock and what the waiter held.
 */
public final class LockActor extends KernelActor<LockActor.Cmd, LockActor.Event, LockActor.State> {

    public sealed interface Cmd {}

    /**
     * Take {@code instance} (for siglock: the key of the task whose {@code ->sighand} is meant, which the
     * lock resolves as lock_task_sighand reads {@code tsk->sighand}). {@code held}: what the taker holds.
     */
    public record Acquire(MsgId id, HeldLock lock, Ctx ctx, List<String> held, ActorRef<Reply> replyTo) implements Cmd {
        String instance() {
            return lock.instance();
        }

        LockMode mode() {
            return lock.mode();
        }

        boolean inIrq() {
            return lock.inIrq();
        }
    }

    /** Release a lock the sender holds. */
    public record Release(MsgId id, String instance, LockMode mode, Ctx ctx) implements Cmd {}

    /**
     * A killable or interruptible sleeper gives up its wait (a fatal signal woke it: __mutex_lock's
     * signal_pending_state, rwsem_down_*_slowpath's -EINTR). If it is still queued it leaves the queue;
     * if the lock was already handed to it, nothing changes and its Granted makes it release the lock.
     */
    public record Cancel(MsgId id, String instance, Ctx ctx) implements Cmd {}

    /** siglock only: {@code task->sighand} is now {@code sighand} (copy_process, unshare_sighand). */
    public record SetSighand(MsgId id, String task, String sighand) implements Cmd {}

    public record Query(MsgId id, ActorRef<Status> replyTo) implements Cmd, Probe {}

    /** For the driver: no instance held, and how many requests wait. */
    public record Status(LockClass cls, boolean free, int waiting) {}

    /** What a taker is told. */
    public sealed interface Reply {
        MsgId id();
    }

    /** The answer: the lock is held; {@code lock} names the instance taken (siglock: resolved). */
    public record Granted(MsgId id, HeldLock lock, boolean waited) implements Reply {}

    /** A sleeping lock (mutex, rw_semaphore) is contended: the taker sleeps until its Granted comes. */
    public record MustSleep(MsgId id, LockClass cls, String instance) implements Reply {}

    public sealed interface Event extends KEvent {}

    /** The lock was taken; {@code waited}: it was contended first. */
    public record Acquired(
            MsgId cause,
            String instance,
            LockMode mode,
            String task,
            int pid,
            int cpu,
            String path,
            boolean waited,
            List<String> held)
            implements Event {}

    /** The request had to queue. Keeps the reply ref: the journal is in memory. */
    public record Contended(
            MsgId cause, HeldLock lock, Ctx ctx, List<String> heldBy, List<String> held, ActorRef<Reply> replyTo)
            implements Event {
        /** The lock waited for (siglock: resolved). */
        public String instance() {
            return lock.instance();
        }

        public LockMode mode() {
            return lock.mode();
        }

        /** The waiter, where it spins or sleeps, and along which path. */
        public String task() {
            return ctx.task();
        }

        public int pid() {
            return ctx.pid();
        }

        public int cpu() {
            return ctx.cpu();
        }

        public String path() {
            return ctx.path();
        }
    }

    public record Released(MsgId cause, String instance, LockMode mode, String task, int pid, int cpu)
            implements Event {}

    /**
     * A release by a task that does not hold the lock in that mode: lockdep's "WARNING: bad unlock balance
     * detected!" (kernel/locking/lockdep.c print_unlock_imbalance_bug). Nothing is released.
     */
    public record BadUnlock(
            MsgId cause, String instance, LockMode mode, String task, int pid, String path, List<String> heldBy)
            implements Event {}

    /** A sleeper left the queue without the lock (its wait was cancelled by a fatal signal). */
    public record Cancelled(MsgId cause, String instance, String task, int pid) implements Event {}

    /** siglock: a task's sighand pointer. */
    public record SighandSet(MsgId cause, String task, String sighand) implements Event {}

    record Waiter(MsgId cause, LockMode mode, HeldLock lock, Ctx ctx, List<String> held, ActorRef<Reply> replyTo) {}

    /** One lock: its holders and its queue. */
    static final class Instance {
        String writer; // the task holding it for write, or null
        final TreeMap<String, Integer> readers = new TreeMap<>(); // task → read holds
        final ArrayDeque<Waiter> queue = new ArrayDeque<>();

        boolean idle() {
            return writer == null && readers.isEmpty() && queue.isEmpty();
        }

        List<String> holders() {
            List<String> h = new ArrayList<>(readers.keySet());
            if (writer != null) h.add(writer);
            return h;
        }

        int readHolds() {
            int n = 0;
            for (int r : readers.values()) n += r;
            return n;
        }
    }

    /** Owned by this actor alone. */
    public static final class State implements KernelActor.Folds<Event> {
        final Map<String, Instance> locks = new HashMap<>(); // only instances held or waited for
        final Map<String, String> sighand = new HashMap<>(); // siglock: task → its sighand_struct

        Instance of(String instance) {
            return locks.computeIfAbsent(instance, k -> new Instance());
        }

        @Override
        public void apply(Event e) {
            if (e instanceof Acquired a) {
                Instance l = of(a.instance());
                if (a.waited()) l.queue.removeIf(w -> w.cause().equals(a.cause()));
                if (a.mode() == LockMode.WRITE) l.writer = a.task();
                else l.readers.merge(a.task(), 1, Integer::sum);
            } else if (e instanceof Contended c) {
                of(c.instance())
                        .queue
                        .addLast(new Waiter(c.cause(), c.mode(), c.lock(), c.ctx(), c.held(), c.replyTo()));
            } else if (e instanceof Released r) {
                Instance l = of(r.instance());
                if (r.mode() == LockMode.WRITE) l.writer = null;
                else l.readers.computeIfPresent(r.task(), (k, n) -> n > 1 ? n - 1 : null);
                if (l.idle()) locks.remove(r.instance());
            } else if (e instanceof Cancelled c) {
                Instance l = of(c.instance());
                l.queue.removeIf(w -> w.ctx().task().equals(c.task()));
                if (l.idle()) locks.remove(c.instance());
            } else if (e instanceof SighandSet s) {
                sighand.put(s.task(), s.sighand());
            }
        }

        /** Nobody holds any instance and nobody waits. */
        public boolean free() {
            return locks.values().stream().allMatch(Instance::idle);
        }

        int waiting() {
            int n = 0;
            for (Instance l : locks.values()) n += l.queue.size();
            return n;
        }
    }

    public static Behavior<Cmd> create(LockClass cls) {
        return Behaviors.setup(ctx -> new LockActor(ctx, cls));
    }

    private final LockClass cls;

    private LockActor(ActorContext<Cmd> ctx, LockClass cls) {
        super(cls.actor, ctx);
        this.cls = cls;
    }

    @Override
    public State emptyState() {
        return new State();
    }

    @Override
    protected CommandHandler<Cmd, KEvent, State> handlers() {
        return newCommandHandlerBuilder()
                .forAnyState()
                .onCommand(Acquire.class, this::acquire)
                .onCommand(Release.class, this::release)
                .onCommand(Cancel.class, this::cancel)
                .onCommand(SetSighand.class, (s, c) -> {
                    emit(s, new SighandSet(c.id(), c.task(), c.sighand()));
                    return commit();
                })
                .onCommand(Query.class, (s, c) -> {
                    c.replyTo().tell(new Status(cls, s.free(), s.waiting()));
                    return Effect().none();
                })
                .build();
    }

    /** What {@code instance} names: for siglock, lock_task_sighand's {@code tsk->sighand}. */
    private String resolve(State s, String instance) {
        if (cls != LockClass.SIGLOCK) return instance;
        String own = s.sighand.get(instance);
        return own != null ? own : ObjType.SIGHAND_STRUCT.kernelName + "#" + instance; // its own sighand_struct
    }

    private Effect<KEvent, State> acquire(State s, Acquire c) {
        Ctx x = c.ctx();
        String name = resolve(s, c.instance());
        Instance l = s.locks.get(name);
        boolean free = l == null || (l.writer == null && (c.mode() == LockMode.READ || l.readers.isEmpty()));
        // qrwlock: a reader in interrupt context ignores the queue; everyone else queues behind it.
        boolean queueFirst = l != null && !l.queue.isEmpty() && !(c.inIrq() && c.mode() == LockMode.READ);
        if (free && !queueFirst) {
            emit(s, new Acquired(c.id(), name, c.mode(), x.task(), x.pid(), x.cpu(), x.path(), false, c.held()));
            later(() -> c.replyTo().tell(new Granted(send.next(), c.lock().at(name), false)));
            return commit();
        }
        emit(
                s,
                new Contended(
                        c.id(), c.lock().at(name), x, l == null ? List.of() : l.holders(), c.held(), c.replyTo()));
        if (cls.sleeps()) later(() -> c.replyTo().tell(new MustSleep(send.next(), cls, name)));
        return commit();
    }

    private Effect<KEvent, State> cancel(State s, Cancel c) {
        Instance l = s.locks.get(c.instance());
        String task = c.ctx().task();
        if (l == null || l.queue.stream().noneMatch(w -> w.ctx().task().equals(task))) {
            return commit(); // already granted: the Granted on its way makes the task release it
        }
        List<Event> events = new ArrayList<>();
        events.add(new Cancelled(c.id(), c.instance(), task, c.ctx().pid()));
        // The waiters behind it may now go (a cancelled writer at the head let readers wait).
        List<Waiter> after = new ArrayList<>(l.queue);
        after.removeIf(w -> w.ctx().task().equals(task));
        List<Waiter> grant = grantable(l.writer, l.readHolds(), after);
        for (Waiter w : grant) events.add(acquired(c.instance(), w));
        emitAll(s, events);
        later(() -> {
            for (Waiter w : grant) w.replyTo().tell(new Granted(send.next(), w.lock(), true));
        });
        return commit();
    }

    /** The head of the queue that can have the lock now: queued readers together, or one writer. */
    private static List<Waiter> grantable(String writer, int readers, Iterable<Waiter> queue) {
        List<Waiter> grant = new ArrayList<>();
        for (Waiter w : queue) {
            boolean ok = writer == null && (w.mode() == LockMode.READ || (readers == 0 && grant.isEmpty()));
            if (!ok) break;
            grant.add(w);
            if (w.mode() == LockMode.WRITE) break;
            readers++;
        }
        return grant;
    }

    private static Acquired acquired(String name, Waiter w) {
        Ctx wx = w.ctx();
        return new Acquired(w.cause(), name, w.mode(), wx.task(), wx.pid(), wx.cpu(), wx.path(), true, w.held());
    }

    private Effect<KEvent, State> release(State s, Release c) {
        Ctx x = c.ctx();
        String name = c.instance();
        Instance l = s.locks.get(name);
        boolean holds =
                l != null && (c.mode() == LockMode.WRITE ? x.task().equals(l.writer) : l.readers.containsKey(x.task()));
        if (!holds) {
            emit(
                    s,
                    new BadUnlock(
                            c.id(), name, c.mode(), x.task(), x.pid(), x.path(), l == null ? List.of() : l.holders()));
            return commit();
        }
        List<Event> events = new ArrayList<>();
        events.add(new Released(c.id(), name, c.mode(), x.task(), x.pid(), x.cpu()));
        // Who can go next, judged on the state after this release (queue order, readers batched).
        String writer = c.mode() == LockMode.WRITE ? null : l.writer;
        int readers = l.readHolds() - (c.mode() == LockMode.READ ? 1 : 0);
        List<Waiter> grant = grantable(writer, readers, l.queue);
        for (Waiter w : grant) events.add(acquired(name, w));
        emitAll(s, events);
        later(() -> {
            for (Waiter w : grant) w.replyTo().tell(new Granted(send.next(), w.lock(), true));
        });
        return commit();
    }
}
