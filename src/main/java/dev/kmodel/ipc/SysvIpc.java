package dev.kmodel.ipc;

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
import dev.kmodel.ledger.LedgerEntry;
import dev.kmodel.ledger.LedgerEvent;
import dev.kmodel.ledger.Ledgered;
import dev.kmodel.ledger.ObjType;
import dev.kmodel.uapi.Errno;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The SysV IPC state the lifecycle touches (ipc/sem.c, ipc/shm.c): one semaphore set whose values
 * and per-undo-list adjustments (struct sem_undo's semadj) live here, and the shared memory
 * segments. exit_sem applies a dying undo list's adjustments, each value clamped to [0, SEMVMX];
 * exit_shm destroys the segments its task created only when kernel.shm_rmid_forced is set (Linux's
 * default 0 leaves them, orphaned).
 */
public final class SysvIpc extends KernelActor<SysvIpc.Cmd, SysvIpc.Event, SysvIpc.State> {
    /** include/uapi/linux/sem.h: the largest semaphore value. */
    public static final int SEMVMX = 32767;

    public sealed interface Cmd {}

    /** semop(2) on semaphore {@code sem}: add {@code delta}; {@code undo} names the caller's undo list (SEM_UNDO) or null. */
    public record Semop(MsgId id, int sem, int delta, String undo, Ctx ctx, ActorRef<Reply> replyTo) implements Cmd {}

    /** semctl(GETVAL). */
    public record GetVal(MsgId id, int sem, ActorRef<Reply> replyTo) implements Cmd {}

    /** exit_sem: the undo list's last user is gone; its adjustments are applied. */
    public record ExitSem(MsgId id, String undo, Ctx ctx) implements Cmd {}

    /** shmget(IPC_PRIVATE, pages): a new segment created by {@code creator}. */
    public record ShmGet(MsgId id, int pages, String creator, Ctx ctx, ActorRef<Reply> replyTo) implements Cmd {}

    /** exit_shm: the segments {@code creator} made lose their creator. */
    public record ExitShm(MsgId id, String creator, boolean rmidForced, Ctx ctx) implements Cmd {}

    /** The answer to a task: a value, or an errno. */
    public record Reply(MsgId id, long ret, Errno errno) {}

    public sealed interface Event extends KEvent {}

    /** A semaphore changed; with SEM_UNDO, the undo list's semadj moved the other way. */
    public record SemChanged(MsgId cause, int sem, int value, String undo, int semadj) implements Event {}

    /** exit_sem: the adjustments applied (values after, clamped). */
    public record SemUndone(MsgId cause, String undo, Map<Integer, Integer> values) implements Event {}

    public record ShmCreated(MsgId cause, int shmid, String creator, int pages, List<LedgerEntry> ledger)
            implements Event, Ledgered {}

    /** exit_shm: destroyed (shm_rmid_forced) or orphaned (shm_creator = NULL). */
    public record ShmReleased(
            MsgId cause, String creator, List<Integer> destroyed, List<Integer> orphaned, List<LedgerEntry> ledger)
            implements Event, Ledgered {}

    /** Owned by this actor alone (in Linux: the sem array's and shm's locks). */
    public static final class State implements KernelActor.Folds<Event> {
        final TreeMap<Integer, Integer> semval = new TreeMap<>();
        final Map<String, TreeMap<Integer, Integer>> semadj = new TreeMap<>(); // undo list → sem → adjustment
        final TreeMap<Integer, String> shmCreator = new TreeMap<>(); // shmid → creator ("" orphaned)
        int nextShmid;

        @Override
        public void apply(Event e) {
            if (e instanceof SemChanged c) {
                semval.put(c.sem(), c.value());
                if (c.undo() != null)
                    semadj.computeIfAbsent(c.undo(), k -> new TreeMap<>()).put(c.sem(), c.semadj());
            } else if (e instanceof SemUndone u) {
                semval.putAll(u.values());
                semadj.remove(u.undo());
            } else if (e instanceof ShmCreated c) {
                shmCreator.put(c.shmid(), c.creator());
                nextShmid = c.shmid() + 1;
            } else if (e instanceof ShmReleased r) {
                for (int id : r.destroyed()) shmCreator.remove(id);
                for (int id : r.orphaned()) shmCreator.put(id, "");
            }
        }
    }

    public static Behavior<Cmd> create() {
        return Behaviors.setup(SysvIpc::new);
    }

    private SysvIpc(ActorContext<Cmd> ctx) {
        super("ipc", ctx);
    }

    @Override
    public State emptyState() {
        return new State();
    }

    @Override
    protected CommandHandler<Cmd, KEvent, State> handlers() {
        return newCommandHandlerBuilder()
                .forAnyState()
                .onCommand(Semop.class, this::semop)
                .onCommand(GetVal.class, (s, c) -> {
                    long v = s.semval.getOrDefault(c.sem(), 0);
                    later(() -> c.replyTo().tell(new Reply(send.next(), v, null)));
                    return commit();
                })
                .onCommand(ExitSem.class, this::exitSem)
                .onCommand(ShmGet.class, this::shmget)
                .onCommand(ExitShm.class, this::exitShm)
                .build();
    }

    /** do_semtimedop with IPC_NOWAIT: EAGAIN if the value would go below 0 (the model does not block). */
    private Effect<KEvent, State> semop(State s, Semop c) {
        int v = s.semval.getOrDefault(c.sem(), 0) + c.delta();
        if (v < 0 || v > SEMVMX) {
            Errno e = v < 0 ? Errno.EAGAIN : Errno.ERANGE;
            later(() -> c.replyTo().tell(new Reply(send.next(), 0, e)));
            return commit();
        }
        int adj = 0;
        if (c.undo() != null)
            adj = s.semadj.getOrDefault(c.undo(), new TreeMap<>()).getOrDefault(c.sem(), 0) - c.delta();
        emit(s, new SemChanged(c.id(), c.sem(), v, c.undo(), adj));
        later(() -> c.replyTo().tell(new Reply(send.next(), 0, null)));
        return commit();
    }

    /** exit_sem: semval += semadj for each semaphore, clamped to [0, SEMVMX]. */
    private Effect<KEvent, State> exitSem(State s, ExitSem c) {
        Map<Integer, Integer> adj = s.semadj.get(c.undo());
        if (adj == null) return Effect().none();
        Map<Integer, Integer> after = new TreeMap<>();
        adj.forEach((sem, a) -> after.put(sem, Math.max(0, Math.min(SEMVMX, s.semval.getOrDefault(sem, 0) + a))));
        emit(s, new SemUndone(c.id(), c.undo(), after));
        return commit();
    }

    private Effect<KEvent, State> shmget(State s, ShmGet c) {
        int id = s.nextShmid;
        String obj = ObjType.SHM.kernelName + "#shm." + id;
        emit(
                s,
                new ShmCreated(
                        c.id(),
                        id,
                        c.creator(),
                        c.pages(),
                        List.of(LedgerEntry.of(
                                obj,
                                ObjType.SHM,
                                c.creator(),
                                LedgerEvent.ALLOC,
                                1,
                                "ipc",
                                c.ctx().in("newseg")))));
        later(() -> c.replyTo().tell(new Reply(send.next(), id, null)));
        return commit();
    }

    /** exit_shm: with shm_rmid_forced an unattached segment the task created is destroyed; else orphaned. */
    private Effect<KEvent, State> exitShm(State s, ExitShm c) {
        List<Integer> mine = new ArrayList<>();
        s.shmCreator.forEach((id, creator) -> {
            if (creator.equals(c.creator())) mine.add(id);
        });
        if (mine.isEmpty()) return Effect().none();
        List<LedgerEntry> l = new ArrayList<>();
        if (c.rmidForced()) {
            for (int id : mine) {
                l.add(LedgerEntry.of(
                        ObjType.SHM.kernelName + "#shm." + id,
                        ObjType.SHM,
                        c.creator(),
                        LedgerEvent.FREE,
                        0,
                        "ipc",
                        c.ctx().in("do_shm_rmid/shm_destroy")));
            }
        }
        emit(
                s,
                new ShmReleased(
                        c.id(), c.creator(), c.rmidForced() ? mine : List.of(), c.rmidForced() ? List.of() : mine, l));
        return commit();
    }
}
