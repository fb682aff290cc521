package dev.kmodel.kernel.pid;

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
import dev.kmodel.kernel.rcu.RcuCallback;
import dev.kmodel.kernel.rcu.RcuManager;
import dev.kmodel.kernel.task.TaskCmd;
import dev.kmodel.ledger.LedgerEntry;
import dev.kmodel.ledger.LedgerEvent;
import dev.kmodel.ledger.Ledgered;
import dev.kmodel.ledger.ObjType;
import dev.kmodel.uapi.Errno;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * kernel/pid.c: the pid map of the init namespace (an IDR allocated cyclically), struct pid objects
 * and the pid hash that find_task_by_vpid reads. A number is free for reuse as soon as free_pid
 * removes it; the struct pid memory is freed one grace period later (delayed_put_pid).
 */
public final class PidAllocator extends KernelActor<PidAllocator.Cmd, PidAllocator.Event, PidHash> {
    /** include/linux/threads.h: pids below this are reserved for the boot-time daemons after the first wrap. */
    public static final int RESERVED_PIDS = 300;

    public sealed interface Cmd {}

    /**
     * alloc_pid's answer: the global number, the struct pid, or an errno; {@code ns} the namespace the
     * task is in and {@code nrs} its number at each level (index 0: the init namespace).
     */
    public record PidReply(MsgId id, int pid, String object, Errno errno, int ns, List<Integer> nrs) {
        /** The number as seen from a namespace at {@code level} (an ancestor's or the task's own). */
        public int nrAt(int level) {
            return nrs.get(Math.min(level, nrs.size() - 1));
        }
    }

    /**
     * One task a lookup found; {@code orphanedPgrp}: its process group is orphaned now
     * (is_current_pgrp_orphaned), for get_signal's job-control stops. {@code pgid} and {@code sid}
     * are global numbers (task_pgrp, task_session); {@code vpgid} and {@code vsid} the same as the
     * caller's namespace sees them (pid_vnr: 0 where they have no number).
     */
    public record Target(
            int pid, String key, ActorRef<?> task, boolean orphanedPgrp, int pgid, int sid, int vpgid, int vsid) {
        public Target(int pid, String key, ActorRef<?> task) {
            this(pid, key, task, false, 0);
        }

        public Target(int pid, String key, ActorRef<?> task, boolean orphanedPgrp, int pgid) {
            this(pid, key, task, orphanedPgrp, pgid, 0, 0, 0);
        }
    }

    /** The tasks a lookup found (none: an empty list). */
    public record Found(MsgId id, List<Target> targets) {}

    /** Which tasks a lookup wants: one pid, one comm, a process group, or every process but init and the caller. */
    public enum Scope {
        PID,
        COMM,
        PGRP,
        ALL
    }

    /**
     * alloc_pid: a number in namespace {@code ns} and each of its ancestors, and a struct pid, for the
     * task {@code ctx} is creating. {@code newNs}: CLONE_NEWPID — create_pid_namespace first (a child
     * of {@code ns}), and the task is its first process (number 1, the child reaper).
     */
    public record AllocPid(MsgId id, String forTask, Ctx ctx, ActorRef<PidReply> replyTo, int ns, boolean newNs)
            implements Cmd {
        public AllocPid(MsgId id, String forTask, Ctx ctx, ActorRef<PidReply> replyTo) {
            this(id, forTask, ctx, replyTo, 0, false);
        }
    }

    /**
     * sysctl kernel.pid_max written from inside namespace {@code ns}: each pid namespace has its own
     * (Linux 6.14), between RESERVED_PIDS + 1 and its parent's; the init namespace's up to PID_MAX_LIMIT.
     */
    public record SetPidMax(MsgId id, int ns, long value, ActorRef<PidReply> replyTo) implements Cmd {}

    /** unshare(CLONE_NEWPID) → copy_pid_ns → create_pid_namespace: a child of {@code parent}, empty yet. */
    public record CreatePidNs(MsgId id, int parent, ActorRef<PidReply> replyTo) implements Cmd {}

    /**
     * zap_pid_ns_processes (kernel/pid_namespace.c): the namespace's init is exiting. No more pids are
     * allocated there (disable_pid_allocation) and every other process in it gets SIGKILL.
     */
    public record ZapPidNs(MsgId id, int ns, int fromPid, Ctx ctx, ActorRef<PidReply> replyTo) implements Cmd {}

    /**
     * zap_pid_ns_processes, after its kernel_wait4 loop: are the namespace's numbers down to the
     * init's own ({@code initPids}: 1, or 2 when a thread reaps for an exited leader)? The answer's errno
     * is null when they are; EAGAIN when not, and then {@code waiter} is woken (WakeChldexit) by the
     * free_pid that brings them down ("free_pid() will awaken this task").
     */
    public record NsSettle(MsgId id, int ns, int initPids, ActorRef<TaskCmd> waiter, ActorRef<PidReply> replyTo)
            implements Cmd {}

    /**
     * copy_process under tasklist_lock: does namespace {@code ns} still admit tasks (PIDNS_ADDING)? The
     * answer's errno is ENOMEM when zap_pid_ns_processes has disabled it.
     */
    public record NsAdding(MsgId id, int ns, ActorRef<PidReply> replyTo) implements Cmd {}

    /** attach_pid under write_lock(tasklist_lock): the pid now finds the task. */
    public record AttachPid(
            MsgId id,
            int pid,
            int tgid,
            String key,
            String comm,
            int pgid,
            int sid,
            int ppid,
            ActorRef<?> task,
            Ctx ctx)
            implements Cmd {}

    /** What kill_orphaned_pgrp reads of a task, from the task itself: zombie, stopped. */
    public record SetTaskFlags(MsgId id, int pid, boolean zombie, boolean stopped) implements Cmd {}

    /** The task's real_parent changed (reparent_leader), from the exiting parent under tasklist_lock. */
    public record SetParentPid(MsgId id, int pid, int ppid) implements Cmd {}

    /**
     * kill_orphaned_pgrp (kernel/exit.c) for {@code pid}'s process group: if {@code parent} links the group
     * to its session from outside, the group will become orphaned without {@code ignored} (0: none), and
     * it has stopped members, SIGHUP then SIGCONT go to the whole group.
     */
    public record KillOrphanedPgrp(MsgId id, int pid, int parent, int ignored, int fromPid, Ctx ctx) implements Cmd {}

    /** change_pid(PIDTYPE_PGID) from setpgid / setsid: the task is found in its new group. */
    public record SetPgid(MsgId id, int pid, int pgid, int sid) implements Cmd {}

    /** __unhash_process → detach_pid: the task is no longer found by its pid. */
    public record DetachPid(MsgId id, int pid, Ctx ctx) implements Cmd {}

    /**
     * free_pid: the number is reusable at once; the struct pid goes after a grace period. free_pid is a
     * call under pidmap_lock in Linux: {@code replyTo} (if any) is answered once it is done, so whatever
     * the pid hash sent the task before (a SIGKILL of zap_pid_ns_processes, kill_orphaned_pgrp's SIGHUP)
     * is queued before release_task goes on to put_task_struct_rcu_user.
     */
    public record FreePid(MsgId id, int pid, Ctx ctx, ActorRef<PidReply> replyTo) implements Cmd {
        public FreePid(MsgId id, int pid, Ctx ctx) {
            this(id, pid, ctx, null);
        }
    }

    /** __set_task_comm at exec: "@comm" lookups find the task by its new name. */
    public record SetComm(MsgId id, int pid, String comm) implements Cmd {}

    /** exchange_tids (kernel/pid.c) in de_thread: the two tasks swap their pids. */
    public record ExchangePids(MsgId id, int leaderPid, int threadPid, Ctx ctx) implements Cmd {}

    /** find_task_by_vpid, or by comm for "@name" in scenarios. */
    public record Lookup(MsgId id, Scope scope, int pid, String comm, int caller, ActorRef<Found> replyTo, int callerNs)
            implements Cmd {
        public Lookup(MsgId id, Scope scope, int pid, String comm, int caller, ActorRef<Found> replyTo) {
            this(id, scope, pid, comm, caller, replyTo, 0);
        }
    }

    record RcuDone(RcuCallback cb) implements Cmd {}

    public sealed interface Event extends KEvent {}

    public record PidAllocated(
            MsgId cause,
            int pid,
            String object,
            String forTask,
            int cursor,
            LedgerEntry entry,
            int ns,
            List<Integer> nrs)
            implements Event, Ledgered {
        public List<LedgerEntry> ledger() {
            return List.of(entry);
        }
    }

    public record PidAllocFailed(MsgId cause, String forTask) implements Event {}

    /** create_pid_namespace: a child of {@code parent}, one level deeper; pid_max as its parent's. */
    public record NsCreated(MsgId cause, int ns, int parent, int level, int pidMax) implements Event {}

    /** A namespace's pid_max changed (0: the init namespace). */
    public record PidMaxSet(MsgId cause, int ns, int pidMax) implements Event {}

    /** zap_pid_ns_processes: allocation disabled; SIGKILL sent to {@code killed} (global pids). */
    public record NsZapped(MsgId cause, int ns, List<Integer> killed) implements Event {}

    /** A dying namespace's init waits for the rest of its namespace to be freed. */
    public record NsSettleWaited(MsgId cause, int ns, int initPids, ActorRef<TaskCmd> waiter) implements Event {}

    /** The namespace is down to its init: the waiting init is woken. */
    public record NsSettled(MsgId cause, int ns) implements Event {}

    public record PidAttached(
            MsgId cause, int pid, int tgid, String key, String comm, int pgid, int sid, int ppid, ActorRef<?> task)
            implements Event {}

    public record PgidChanged(MsgId cause, int pid, int pgid, int sid) implements Event {}

    public record TaskFlagsChanged(MsgId cause, int pid, boolean zombie, boolean stopped) implements Event {}

    public record ParentPidChanged(MsgId cause, int pid, int ppid) implements Event {}

    /** kill_orphaned_pgrp found a newly orphaned group with stopped members: SIGHUP and SIGCONT sent. */
    public record OrphanedPgrpSignalled(MsgId cause, int pgrp, List<Integer> members) implements Event {}

    public record PidDetached(MsgId cause, int pid) implements Event {}

    public record CommSet(MsgId cause, int pid, String comm) implements Event {}

    /** Each struct pid now belongs to the other task: a reference taken by the new one, dropped by the old. */
    public record PidsExchanged(MsgId cause, int leaderPid, int threadPid, List<LedgerEntry> ledger)
            implements Event, Ledgered {}

    public record PidFreed(MsgId cause, int pid, String object) implements Event {}

    public record PidStructFreed(MsgId cause, String object, LedgerEntry entry) implements Event, Ledgered {
        public List<LedgerEntry> ledger() {
            return List.of(entry);
        }
    }

    private final int pidMax;
    private final ActorRef<RcuManager.Cmd> rcu;
    private final ActorRef<RcuCallback> rcuCallbacks;

    public static Behavior<Cmd> create(int pidMax, ActorRef<RcuManager.Cmd> rcu) {
        return Behaviors.setup(ctx -> new PidAllocator(ctx, pidMax, rcu));
    }

    private PidAllocator(ActorContext<Cmd> context, int pidMax, ActorRef<RcuManager.Cmd> rcu) {
        super("pid", context);
        this.pidMax = pidMax;
        this.rcu = rcu;
        this.rcuCallbacks = context.messageAdapter(RcuCallback.class, RcuDone::new);
    }

    @Override
    public PidHash emptyState() {
        PidHash s = new PidHash();
        s.pidMax = pidMax;
        return s;
    }

    @Override
    protected CommandHandler<Cmd, KEvent, PidHash> handlers() {
        return newCommandHandlerBuilder()
                .forAnyState()
                .onCommand(AllocPid.class, this::allocPid)
                .onCommand(AttachPid.class, (s, c) -> {
                    emit(
                            s,
                            new PidAttached(
                                    c.id(), c.pid(), c.tgid(), c.key(), c.comm(), c.pgid(), c.sid(), c.ppid(),
                                    c.task()));
                    return commit();
                })
                .onCommand(SetPgid.class, (s, c) -> {
                    emit(s, new PgidChanged(c.id(), c.pid(), c.pgid(), c.sid()));
                    return commit();
                })
                .onCommand(SetTaskFlags.class, (s, c) -> {
                    emit(s, new TaskFlagsChanged(c.id(), c.pid(), c.zombie(), c.stopped()));
                    return commit();
                })
                .onCommand(SetParentPid.class, (s, c) -> {
                    emit(s, new ParentPidChanged(c.id(), c.pid(), c.ppid()));
                    return commit();
                })
                .onCommand(KillOrphanedPgrp.class, this::killOrphanedPgrp)
                .onCommand(SetComm.class, (s, c) -> {
                    emit(s, new CommSet(c.id(), c.pid(), c.comm()));
                    return commit();
                })
                .onCommand(ExchangePids.class, this::exchangePids)
                .onCommand(DetachPid.class, (s, c) -> {
                    emit(s, new PidDetached(c.id(), c.pid()));
                    return commit();
                })
                .onCommand(FreePid.class, this::freePid)
                .onCommand(RcuDone.class, this::delayedPutPid)
                .onCommand(Lookup.class, this::lookup)
                .onCommand(ZapPidNs.class, this::zapPidNs)
                .onCommand(NsSettle.class, this::nsSettle)
                .onCommand(NsAdding.class, (s, c) -> {
                    PidNamespace n = s.namespaces.get(c.ns());
                    Errno e = n != null && !n.adding ? Errno.ENOMEM : null;
                    later(() -> c.replyTo().tell(new PidReply(send.next(), 0, null, e, c.ns(), List.of())));
                    return commit();
                })
                .onCommand(SetPidMax.class, (s, c) -> {
                    PidNamespace n = c.ns() == 0 ? null : s.namespaces.get(c.ns());
                    long max =
                            n == null ? 4 * 1024 * 1024 : n.parent == 0 ? s.pidMax : s.namespaces.get(n.parent).pidMax;
                    Errno e = c.value() <= RESERVED_PIDS || c.value() > max ? Errno.EINVAL : null;
                    if (e == null) emit(s, new PidMaxSet(c.id(), c.ns(), (int) c.value()));
                    later(() -> c.replyTo().tell(new PidReply(send.next(), 0, null, e, c.ns(), List.of())));
                    return commit();
                })
                .onCommand(CreatePidNs.class, (s, c) -> {
                    int id = createNs(s, c.id(), c.parent());
                    later(() -> c.replyTo().tell(new PidReply(send.next(), 0, null, null, id, List.of())));
                    return commit();
                })
                .build();
    }

    /**
     * alloc_pid → idr_alloc_cyclic in [pid_min, pid_max) in the task's namespace and each ancestor up
     * to init_pid_ns; pid_min becomes RESERVED_PIDS past the first lap. A namespace whose init has
     * died (PIDNS_ADDING cleared) gives ENOMEM; no free number gives EAGAIN.
     */
    private Effect<KEvent, PidHash> allocPid(PidHash s, AllocPid c) {
        int ns = c.ns();
        PidNamespace target = ns == 0 ? null : s.namespaces.get(ns);
        if (target != null && !target.adding) return allocFailed(s, c, Errno.ENOMEM);
        int pidMin = s.cursor > RESERVED_PIDS ? RESERVED_PIDS : 1;
        int nr = findFree(s.used.keySet(), Math.max(s.cursor, pidMin), s.pidMax);
        if (nr < 0 && s.cursor > pidMin) nr = findFree(s.used.keySet(), pidMin, s.pidMax);
        if (nr < 0) return allocFailed(s, c, Errno.EAGAIN); // idr_alloc_cyclic's -ENOSPC becomes -EAGAIN
        List<PidNamespace> chain = new ArrayList<>(); // the task's namespace first, then its ancestors
        if (c.newNs()) ns = createNs(s, c.id(), ns);
        for (PidNamespace n = ns == 0 ? null : s.namespaces.get(ns);
                n != null;
                n = n.parent == 0 ? null : s.namespaces.get(n.parent)) {
            chain.add(n);
        }
        Integer[] nrs = new Integer[chain.isEmpty() ? 1 : chain.get(0).level + 1];
        nrs[0] = nr;
        for (PidNamespace n : chain) {
            int min = n.cursor > RESERVED_PIDS ? RESERVED_PIDS : 1;
            int x = findFree(n.nrs.keySet(), Math.max(n.cursor, min), n.pidMax);
            if (x < 0 && n.cursor > min) x = findFree(n.nrs.keySet(), min, n.pidMax);
            if (x < 0) return allocFailed(s, c, Errno.EAGAIN);
            nrs[n.level] = x;
        }
        int pid = nr;
        String object = ObjType.PID.kernelName + "#pid." + (s.ids + 1);
        LedgerEntry entry = LedgerEntry.of(
                object,
                ObjType.PID,
                c.forTask(),
                LedgerEvent.ALLOC,
                1,
                c.forTask(),
                c.ctx().in("alloc_pid"));
        List<Integer> numbers = List.of(nrs);
        int taskNs = ns;
        emit(s, new PidAllocated(c.id(), pid, object, c.forTask(), pid + 1, entry, taskNs, numbers));
        later(() -> c.replyTo().tell(new PidReply(send.next(), pid, object, null, taskNs, numbers)));
        return commit();
    }

    /** create_pid_namespace: one level below {@code parent}, with its pid_max. */
    private int createNs(PidHash s, MsgId cause, int parent) {
        PidNamespace p = parent == 0 ? null : s.namespaces.get(parent);
        int id = s.namespaces.size() + 1;
        emit(s, new NsCreated(cause, id, parent, (p == null ? 0 : p.level) + 1, p == null ? s.pidMax : p.pidMax));
        return id;
    }

    private Effect<KEvent, PidHash> allocFailed(PidHash s, AllocPid c, Errno errno) {
        emit(s, new PidAllocFailed(c.id(), c.forTask()));
        later(() -> c.replyTo().tell(new PidReply(send.next(), 0, null, errno, c.ns(), List.of())));
        return commit();
    }

    /** zap_pid_ns_processes: disable_pid_allocation, then SIGKILL to every process of the namespace but its init. */
    private Effect<KEvent, PidHash> zapPidNs(PidHash s, ZapPidNs c) {
        PidNamespace n = s.namespaces.get(c.ns());
        ActorRef<PidReply> reply = c.replyTo();
        if (n == null) {
            if (reply != null) later(() -> reply.tell(new PidReply(send.next(), 0, null, null, c.ns(), List.of())));
            return commit();
        }
        List<Integer> killed = new ArrayList<>();
        List<ActorRef<?>> refs = new ArrayList<>();
        int init = s.global(c.ns(), 1);
        for (Map.Entry<Integer, PidHash.Entry> e : s.used.entrySet()) {
            PidHash.Entry en = e.getValue();
            if (en.key == null || en.tgid != e.getKey() || e.getKey() == init || !s.within(en.ns, c.ns())) continue;
            killed.add(e.getKey());
            refs.add(en.task);
        }
        emit(s, new NsZapped(c.id(), c.ns(), List.copyOf(killed)));
        Ctx ctx = c.ctx().in("zap_pid_ns_processes/group_send_sig_info");
        later(() -> {
            for (ActorRef<?> r : refs) {
                @SuppressWarnings("unchecked")
                ActorRef<TaskCmd> t = (ActorRef<TaskCmd>) r;
                t.tell(new TaskCmd.Signal(send.next(), 9, c.fromPid(), ctx));
            }
            // The signals are queued: the dying init may drop tasklist_lock.
            if (reply != null) reply.tell(new PidReply(send.next(), 0, null, null, c.ns(), List.of()));
        });
        return commit();
    }

    private static int findFree(Set<Integer> used, int from, int to) {
        for (int n = from; n < to; n++) {
            if (!used.contains(n)) return n;
        }
        return -1;
    }

    /** Is the namespace down to its init's own numbers, or past it? */
    private Effect<KEvent, PidHash> nsSettle(PidHash s, NsSettle c) {
        PidNamespace n = s.namespaces.get(c.ns());
        boolean settled = n == null || n.nrs.size() <= c.initPids();
        if (!settled) emit(s, new NsSettleWaited(c.id(), c.ns(), c.initPids(), c.waiter()));
        ActorRef<PidReply> reply = c.replyTo();
        Errno e = settled ? null : Errno.EAGAIN;
        later(() -> reply.tell(new PidReply(send.next(), 0, null, e, c.ns(), List.of())));
        return commit();
    }

    /** free_pid: idr_remove (reusable now), then call_rcu(delayed_put_pid). */
    private Effect<KEvent, PidHash> freePid(PidHash s, FreePid c) {
        PidHash.Entry en = s.used.get(c.pid());
        ActorRef<PidReply> reply = c.replyTo();
        if (en != null) {
            emit(s, new PidFreed(c.id(), c.pid(), en.object));
            later(() -> rcu.tell(new RcuManager.CallRcu(
                    send.next(),
                    "delayed_put_pid",
                    en.object,
                    rcuCallbacks,
                    c.ctx().in("free_pid"))));
            // free_pid: "case 2: case 1: wake_up_process(ns->child_reaper)" — a dying init waits for it.
            for (PidHash.SettleWaiter w : List.copyOf(s.settleWaiters.values())) {
                PidNamespace n = s.namespaces.get(w.ns());
                if (n != null && n.nrs.size() > w.initPids()) continue;
                emit(s, new NsSettled(c.id(), w.ns()));
                ActorRef<TaskCmd> waiter = w.waiter();
                later(() -> waiter.tell(new TaskCmd.WakeChldexit(send.next(), "")));
            }
        }
        if (reply != null) later(() -> reply.tell(new PidReply(send.next(), c.pid(), null, null, 0, List.of())));
        return commit();
    }

    /** delayed_put_pid → put_pid: the last reference frees struct pid (kmem_cache_free). */
    private Effect<KEvent, PidHash> delayedPutPid(PidHash s, RcuDone d) {
        String object = d.cb().object();
        String owner = s.dying.getOrDefault(object, "");
        LedgerEvent event = s.dying.containsKey(object) ? LedgerEvent.FREE : LedgerEvent.USE;
        LedgerEntry entry = LedgerEntry.of(
                object, ObjType.PID, owner, event, 0, owner, d.cb().ctx().in("put_pid"));
        emit(s, new PidStructFreed(d.cb().id(), object, entry));
        return commit();
    }

    /** exchange_tids: the leader's number goes to the exec'ing thread and the thread's to the old leader. */
    private Effect<KEvent, PidHash> exchangePids(PidHash s, ExchangePids c) {
        PidHash.Entry a = s.used.get(c.leaderPid());
        PidHash.Entry b = s.used.get(c.threadPid());
        if (a == null || b == null) return Effect().none();
        Ctx at = c.ctx().in("exchange_tids");
        List<LedgerEntry> l = List.of(
                LedgerEntry.of(a.object, ObjType.PID, a.owner, LedgerEvent.GET, 2, b.key, at),
                LedgerEntry.of(a.object, ObjType.PID, a.owner, LedgerEvent.PUT, 1, a.key, at),
                LedgerEntry.of(b.object, ObjType.PID, b.owner, LedgerEvent.GET, 2, a.key, at),
                LedgerEntry.of(b.object, ObjType.PID, b.owner, LedgerEvent.PUT, 1, b.key, at));
        emit(s, new PidsExchanged(c.id(), c.leaderPid(), c.threadPid(), l));
        return commit();
    }

    /**
     * will_become_orphaned_pgrp (kernel/exit.c): no member (but {@code ignored}) has a parent in another
     * group of the same session; zombies and init's children don't count.
     */
    private static boolean willBeOrphaned(PidHash s, int pgrp, int ignored) {
        for (Map.Entry<Integer, PidHash.Entry> e : s.used.entrySet()) {
            PidHash.Entry p = e.getValue();
            if (p.key == null || p.pgid != pgrp || p.tgid != e.getKey()) continue;
            if (e.getKey() == ignored || p.zombie || p.ppid == 1) continue;
            PidHash.Entry pp = s.used.get(p.ppid);
            if (pp != null && pp.pgid != pgrp && pp.sid == p.sid) return false;
        }
        return true;
    }

    /** kill_orphaned_pgrp + will_become_orphaned_pgrp + has_stopped_jobs, over the pid hash. */
    private Effect<KEvent, PidHash> killOrphanedPgrp(PidHash s, KillOrphanedPgrp c) {
        PidHash.Entry tsk = s.used.get(c.pid());
        PidHash.Entry parent = s.used.get(c.parent());
        if (tsk == null || parent == null) return Effect().none();
        int pgrp = tsk.pgid;
        if (parent.pgid == pgrp || parent.sid != tsk.sid) return Effect().none();
        if (!willBeOrphaned(s, pgrp, c.ignored())) return Effect().none();
        List<Integer> members = new ArrayList<>();
        boolean stoppedJobs = false;
        for (Map.Entry<Integer, PidHash.Entry> e : s.used.entrySet()) {
            PidHash.Entry p = e.getValue();
            if (p.key == null || p.pgid != pgrp || p.tgid != e.getKey()) continue; // processes: their leaders
            members.add(e.getKey());
            if (p.stopped) stoppedJobs = true;
        }
        if (!stoppedJobs) return Effect().none();
        emit(s, new OrphanedPgrpSignalled(c.id(), pgrp, List.copyOf(members)));
        List<ActorRef<?>> refs =
                members.stream().<ActorRef<?>>map(m -> s.used.get(m).task).toList();
        Ctx ctx = c.ctx().in("kill_orphaned_pgrp/__kill_pgrp_info");
        later(() -> {
            for (int sig : new int[] {1, 18}) { // SIGHUP, then SIGCONT
                for (ActorRef<?> r : refs) {
                    @SuppressWarnings("unchecked")
                    ActorRef<TaskCmd> t = (ActorRef<TaskCmd>) r;
                    t.tell(new TaskCmd.Signal(send.next(), sig, c.fromPid(), ctx));
                }
            }
        });
        return commit();
    }

    /** find_task_by_vpid, a process group (do_each_pid_task), or every process for kill(-1). */
    private Effect<KEvent, PidHash> lookup(PidHash s, Lookup c) {
        List<Target> out = new ArrayList<>();
        int callerNs = c.callerNs();
        // Numbers are read in the caller's namespace (find_vpid); tasks outside it are not seen.
        int wanted = c.scope() == Scope.PID || c.scope() == Scope.PGRP ? s.global(callerNs, c.pid()) : -1;
        for (Map.Entry<Integer, PidHash.Entry> e : s.used.entrySet()) {
            PidHash.Entry en = e.getValue();
            int pid = e.getKey();
            if (en.key == null || !s.within(en.ns, callerNs)) continue; // not hashed, or not visible
            if (en.tgid != pid) {
                // A thread's id: kill(2) signals its whole group, through the leader (group_send_sig_info).
                PidHash.Entry leader = s.used.get(en.tgid);
                if (c.scope() == Scope.PID && pid == wanted && leader != null && leader.key != null) {
                    out.add(new Target(
                            en.tgid,
                            leader.key,
                            leader.task,
                            false,
                            leader.pgid,
                            leader.sid,
                            s.vnr(leader.pgid, callerNs),
                            s.vnr(leader.sid, callerNs)));
                    break;
                }
                continue;
            }
            boolean match = switch (c.scope()) {
                case PID -> pid == wanted;
                case COMM -> c.comm().equals(en.comm);
                case PGRP -> en.pgid == wanted;
                // kill(-1): every process the caller sees but its namespace's init and itself.
                case ALL -> pid != s.global(callerNs, 1) && pid != c.caller() && pid > 1;
            };
            if (match) {
                out.add(new Target(
                        pid,
                        en.key,
                        en.task,
                        willBeOrphaned(s, en.pgid, 0),
                        en.pgid,
                        en.sid,
                        s.vnr(en.pgid, callerNs),
                        s.vnr(en.sid, callerNs)));
                if (c.scope() == Scope.PID || c.scope() == Scope.COMM) break;
            }
        }
        List<Target> found = List.copyOf(out);
        later(() -> c.replyTo().tell(new Found(send.next(), found)));
        return commit();
    }
}
