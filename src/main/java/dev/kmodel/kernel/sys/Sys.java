package dev.kmodel.kernel.sys;

import static dev.kmodel.kernel.task.PathStep.Continue.on;

import akka.actor.typed.ActorRef;
import dev.kmodel.kernel.MsgId;
import dev.kmodel.kernel.exit.Threads;
import dev.kmodel.kernel.locking.LockActor;
import dev.kmodel.kernel.locking.LockCall;
import dev.kmodel.kernel.locking.LockClass;
import dev.kmodel.kernel.locking.Locking;
import dev.kmodel.kernel.pid.PidAllocator;
import dev.kmodel.kernel.task.ChildInfo;
import dev.kmodel.kernel.task.ExitState;
import dev.kmodel.kernel.task.Frame;
import dev.kmodel.kernel.task.PathStep;
import dev.kmodel.kernel.task.Task;
import dev.kmodel.kernel.task.TaskCmd;
import dev.kmodel.kernel.task.TaskEvent;
import dev.kmodel.kernel.task.TaskEvent.ChildChanged;
import dev.kmodel.kernel.task.TaskEvent.HasChildSubreaperSet;
import dev.kmodel.kernel.task.TaskEvent.PgidSet;
import dev.kmodel.kernel.task.TaskEvent.PidNsUnshared;
import dev.kmodel.kernel.task.TaskEvent.SubreaperSet;
import dev.kmodel.kernel.task.TaskState;
import dev.kmodel.scenario.Fault;
import dev.kmodel.scenario.Step;
import dev.kmodel.uapi.CloneFlags;
import dev.kmodel.uapi.Errno;
import dev.kmodel.uapi.Prctl;
import dev.kmodel.uapi.Rlimit;
import dev.kmodel.uapi.Sig;
import java.util.List;

/** kernel/sys.c: process groups and sessions (setpgid, setsid). */
public final class Sys {
    private Sys() {}

    /** Where setpgid, setsid and getpgid wait, for which answer, and the function that goes on. */
    public enum At implements PathStep {
        /** ksys_setpgid: write_lock_irq(&tasklist_lock) before the process is looked up. */
        TASKLIST_LOCK(on(LockActor.Granted.class, (t, s, g) -> setpgidLocked(t, s, g.id()))),
        /** ksys_setsid: write_lock_irq(&tasklist_lock). */
        SETSID_LOCK(on(LockActor.Granted.class, (t, s, g) -> setsidLocked(t, s, g.id()))),
        /** find_vpid(pgid) with PIDTYPE_PGID: does the group exist? */
        FIND_PGRP(on(PidAllocator.Found.class, Sys::groupFound)),
        /** ksys_setsid: pid_task(sid, PIDTYPE_PGID) — does a group numbered like the caller exist? */
        SETSID_FIND_PGRP(on(PidAllocator.Found.class, Sys::setsidFound)),
        /** do_getpgid / getsid: find_task_by_vpid in the caller's namespace. */
        GETPGID_FIND_TASK(on(PidAllocator.Found.class, Sys::getpgidFound)),
        /** change_pid(PIDTYPE_PGID), on the process whose group changes. */
        CHANGE_PID(on(TaskCmd.TableOpDone.class, (t, s, c) -> unlockAndReturn(t, s, c.id(), SETPGID, c.errno())));

        private final PathStep.Continue next;

        At(PathStep.Continue next) {
            this.next = next;
        }

        @Override
        public PathStep.Continue next() {
            return next;
        }
    }

    private static final String SETPGID = "__x64_sys_setpgid/ksys_setpgid", SETSID = "__x64_sys_setsid/ksys_setsid";

    /**
     * write_unlock_irq(&tasklist_lock) and the call returns {@code errno} (or 0). The pid hash's copy
     * of a task's group was sent before this unlock, so whoever takes the lock next reads it current.
     */
    private static void unlockAndReturn(Task t, TaskState s, MsgId cause, String path, Errno errno) {
        Locking.unlock(t, s, cause, LockClass.TASKLIST_LOCK, t.ctx(s, path));
        t.ret(s, cause, 0, errno, null);
    }

    /**
     * setpgid(2) (kernel/sys.c): on the caller itself (pid 0 or its own pid), or on one of its
     * children: ESRCH for any other task; the child must not have exec'd (EACCES), must be in the
     * caller's session and not lead one (EPERM); a pgid other than the target's own pid must name an
     * existing group of the caller's session (EPERM). pgid 0 means the target's pid; a negative pgid
     * (after that) is EINVAL, a negative pid names nobody (ESRCH).
     */
    public static void setpgid(Task t, TaskState s, MsgId cause, Step st) {
        long pid = t.resolveOr(s, st, "pid", 0);
        long pgid = t.resolveOr(s, st, "pgid", 0);
        if ((pgid == 0 ? (pid == 0 ? s.vtgid : pid) : pgid) < 0) {
            t.ret(s, cause, 0, Errno.EINVAL, null);
            return;
        }
        // ksys_setpgid looks the process up and changes its group under write_lock_irq(&tasklist_lock).
        t.enter(s, cause, Frame.Setpgid.called(pid, pgid));
        Locking.lock(
                t, s, LockCall.WRITE_LOCK_IRQ_TASKLIST, Locking.global(LockClass.TASKLIST_LOCK), t.ctx(s, SETPGID));
    }

    /** Holding the lock: find the process (the caller, or one of its children) and the group. */
    static void setpgidLocked(Task t, TaskState s, MsgId cause) {
        Frame.Setpgid called = (Frame.Setpgid) s.frame;
        long pid = called.pidArg(), pgid = called.pgidArg();
        // pid 0 is the caller's process (its group leader); a thread's own tid names no process: EINVAL.
        boolean self = pid == 0 || pid == s.vtgid;
        if (!self && pid == s.vpid) {
            unlockAndReturn(t, s, cause, SETPGID, Errno.EINVAL);
            return;
        }
        ActorRef<TaskCmd> targetRef;
        int targetPid;
        if (self) {
            targetRef = Threads.leader(t, s);
            targetPid = s.tgid;
        } else {
            ChildInfo child = s.children.values().stream()
                    .filter(c -> c.vpid() == pid && c.exitState() != ExitState.DEAD)
                    .findFirst()
                    .orElse(null);
            if (child == null) {
                unlockAndReturn(t, s, cause, SETPGID, Errno.ESRCH);
                return;
            }
            targetRef = child.ref();
            targetPid = child.pid();
        }
        int target = pgid == 0 || pgid == pid || (self && pgid == s.vtgid) ? targetPid : (int) pgid;
        Frame.Setpgid f = called.found(target == targetPid ? At.CHANGE_PID : At.FIND_PGRP, target, targetRef, self);
        t.enter(s, cause, f);
        if (target == targetPid) {
            askChild(t, s, f);
        } else {
            // find_vpid(pgid) with PIDTYPE_PGID: the group must exist; its number is read in our namespace.
            int caller = s.pid, ns = s.nsId;
            t.then(() -> t.env.pids()
                    .tell(new PidAllocator.Lookup(
                            t.nextId(), PidAllocator.Scope.PGRP, target, null, caller, t.lookups, ns)));
        }
    }

    /**
     * The group exists (or not), and is in the caller's session (or not): ask the child to change (it
     * owns its pgid). ksys_setpgid: {@code g = pid_task(pgrp, PIDTYPE_PGID); if (!g ||
     * task_session(g) != task_session(group_leader))} is EPERM, but only after the target's own checks
     * (EACCES for a child that exec'd comes first), so the child is asked with pgid -1 and answers it.
     */
    static void groupFound(Task t, TaskState s, PidAllocator.Found f) {
        boolean ours = !f.targets().isEmpty() && f.targets().get(0).sid() == s.sid;
        // The group's global number, or -1: no group of the caller's session.
        Frame.Setpgid g =
                ((Frame.Setpgid) s.frame).pgid(ours ? f.targets().get(0).pgid() : -1);
        t.enter(s, f.id(), g);
        askChild(t, s, g);
    }

    private static void askChild(Task t, TaskState s, Frame.Setpgid f) {
        ActorRef<TaskCmd> child = f.target();
        int pgid = f.pgid();
        boolean self = f.self();
        int sid = s.sid;
        t.then(() -> child.tell(new TaskCmd.SetPgidBy(t.nextId(), pgid, sid, t.self, self)));
    }

    /**
     * On the process whose group changes, in ksys_setpgid's order: EPERM outside the caller's session,
     * EACCES if a parent asks after execve, EPERM for a session leader or when the caller found no
     * group of its session with that number ({@code pgid} -1); the threads share the group (signal->pids).
     */
    public static void setPgidBy(Task t, TaskState s, TaskCmd.SetPgidBy c) {
        Errno e = s.sid != c.callerSid()
                ? Errno.EPERM
                : s.didExec && !c.self() ? Errno.EACCES : s.sid == s.pid || c.pgid() < 0 ? Errno.EPERM : null;
        if (e == null) {
            PgidSet set = new PgidSet(c.id(), c.pgid(), s.sid);
            t.event(s, set);
            notifyParent(t, s);
            List<ActorRef<TaskCmd>> threads =
                    s.threads.values().stream().map(x -> x.ref()).toList();
            t.then(() -> {
                for (ActorRef<TaskCmd> th : threads) th.tell(new TaskCmd.ApplyShared(t.nextId(), set));
            });
        }
        var reply = c.replyTo();
        t.then(() -> reply.tell(new TaskCmd.TableOpDone(t.nextId(), 0, e, null)));
    }

    /**
     * setsid(2) → ksys_setsid (kernel/sys.c): EPERM for a session leader, and whenever a process group
     * numbered like the caller exists ({@code pid_task(sid, PIDTYPE_PGID)}): the caller's own group if
     * it leads it, or a group it left that still has members (a child it forked while leading it).
     * The pid hash is asked; a caller that leads its group knows the answer itself.
     */
    public static void setsid(Task t, TaskState s, MsgId cause) {
        t.enter(s, cause, new Frame.PgrpLookup(At.SETSID_LOCK));
        Locking.lock(t, s, LockCall.WRITE_LOCK_IRQ_TASKLIST, Locking.global(LockClass.TASKLIST_LOCK), t.ctx(s, SETSID));
    }

    /** Holding write_lock_irq(&tasklist_lock): a group leader is refused; else is the number free? */
    static void setsidLocked(Task t, TaskState s, MsgId cause) {
        if (s.pgid == s.tgid) {
            unlockAndReturn(t, s, cause, SETSID, Errno.EPERM);
            return;
        }
        t.enter(s, cause, new Frame.PgrpLookup(At.SETSID_FIND_PGRP));
        int sid = s.tgid, caller = s.pid;
        t.then(() -> t.env.pids()
                .tell(new PidAllocator.Lookup(t.nextId(), PidAllocator.Scope.PGRP, sid, null, caller, t.lookups, 0)));
    }

    /** ksys_setsid after the pid hash answered: a new session and group led by the caller, or EPERM. */
    static void setsidFound(Task t, TaskState s, PidAllocator.Found f) {
        if (!f.targets().isEmpty()) {
            unlockAndReturn(t, s, f.id(), SETSID, Errno.EPERM);
            return;
        }
        t.event(s, new PgidSet(f.id(), s.pid, s.pid));
        notifyParent(t, s);
        Locking.unlock(t, s, f.id(), LockClass.TASKLIST_LOCK, t.ctx(s, SETSID));
        t.ret(s, f.id(), s.vpid, null, null); // pid_vnr(sid): the number in the caller's namespace
    }

    /**
     * getpgid(2), getpgrp(2) and getsid(2) (kernel/sys.c do_getpgid, getsid): pid 0 is the caller
     * (task_pgrp(current)); otherwise find_task_by_vpid in the caller's namespace (a zombie is found
     * until it is reaped; a thread's tid finds its process's group): ESRCH for nobody. The answer is
     * pid_vnr of the group or session: its number in the caller's namespace, 0 if it has none there.
     */
    public static void getpgid(Task t, TaskState s, MsgId cause, Step st) {
        boolean session = st.op().equals("getsid");
        Long pid = st.op().equals("getpgrp")
                ? Long.valueOf(0)
                : st.has("pid") ? t.resolve(s, st.args().get("pid")) : 0L;
        if (pid == null) {
            t.ret(s, cause, 0, Errno.EINVAL, null); // a "$var" that was never saved, as for kill
            return;
        }
        if (pid == 0 && s.nsId == 0) {
            t.ret(s, cause, session ? s.sid : s.pgid, null, null); // the init namespace's numbers are global
            return;
        }
        if (pid < 0 || pid > Integer.MAX_VALUE) {
            t.ret(s, cause, 0, Errno.ESRCH, null); // find_task_by_vpid finds nobody
            return;
        }
        t.enter(s, cause, new Frame.PgrpLookup(At.GETPGID_FIND_TASK));
        int nr = pid == 0 ? s.vpid : pid.intValue(), caller = s.pid, ns = s.nsId;
        t.then(() -> t.env.pids()
                .tell(new PidAllocator.Lookup(t.nextId(), PidAllocator.Scope.PID, nr, null, caller, t.lookups, ns)));
    }

    static void getpgidFound(Task t, TaskState s, PidAllocator.Found f) {
        if (f.targets().isEmpty()) {
            t.ret(s, f.id(), 0, Errno.ESRCH, null);
            return;
        }
        PidAllocator.Target p = f.targets().get(0);
        t.ret(s, f.id(), s.op.equals("getsid") ? p.vsid() : p.vpgid(), null, null);
    }

    /**
     * unshare(2) with CLONE_NEWPID (kernel/fork.c ksys_unshare → copy_pid_ns): the caller stays where it
     * is; its next child is pid 1 of a new namespace, and later children join that namespace. EINVAL
     * if it already unshared one (pid_ns_for_children is no longer its own namespace) or for flags
     * this version does not model.
     */
    public static void unshare(Task t, TaskState s, MsgId cause, Step st) {
        int flags = CloneFlags.of(st.list("flags"));
        if (flags != CloneFlags.CLONE_NEWPID || s.childNs >= 0) {
            t.ret(s, cause, 0, Errno.EINVAL, null);
            return;
        }
        t.enter(s, cause, new Frame.Calling(Frame.Syscall.UNSHARE));
        int ns = s.nsId;
        t.then(() -> t.env.pids().tell(new PidAllocator.CreatePidNs(t.nextId(), ns, t.pidReplies)));
    }

    /** The new pid namespace: the caller's next child is its pid 1. */
    public static void unshareDone(Task t, TaskState s, PidAllocator.PidReply r) {
        t.event(s, new PidNsUnshared(r.id(), r.ns()));
        t.ret(s, r.id(), 0, null, null);
    }

    /** sysctl kernel.pid_max (written to /proc/sys/kernel/pid_max): the caller's pid namespace's. */
    public static void sysctl(Task t, TaskState s, MsgId cause, Step st) {
        if (!st.str("name", "").equals("kernel.pid_max") || !st.has("value")) {
            t.ret(s, cause, 0, Errno.EINVAL, null);
            return;
        }
        long value = t.resolveOr(s, st, "value", 0);
        t.enter(s, cause, new Frame.Calling(Frame.Syscall.SYSCTL));
        int ns = s.nsId;
        t.then(() -> t.env.pids().tell(new PidAllocator.SetPidMax(t.nextId(), ns, value, t.pidReplies)));
    }

    /** proc_dointvec_minmax's answer: 0, or EINVAL outside [RESERVED_PIDS + 1, the parent's pid_max]. */
    public static void sysctlDone(Task t, TaskState s, PidAllocator.PidReply r) {
        t.ret(s, r.id(), 0, r.errno(), null);
    }

    /**
     * prctl(2): Prctl.PR_SET_CHILD_SUBREAPER marks the caller (signal->is_child_subreaper, not inherited by
     * fork) and tells its descendants that a subreaper exists above them; PR_GET_ returns the flag.
     */
    public static void prctl(Task t, TaskState s, MsgId cause, Step st) {
        String option = st.str("option", "");
        int op = Prctl.OPTIONS.containsKey(option) ? Prctl.OPTIONS.get(option) : (int) t.resolveOr(s, st, "option", -1);
        if (op == Prctl.PR_GET_CHILD_SUBREAPER) {
            t.ret(s, cause, s.isChildSubreaper ? 1 : 0, null, null);
            return;
        }
        if (op == Prctl.PR_SET_PDEATHSIG || op == Prctl.PR_GET_PDEATHSIG) {
            prctlPdeathsig(t, s, cause, st, op);
            return;
        }
        if (op != Prctl.PR_SET_CHILD_SUBREAPER) {
            t.ret(s, cause, 0, Errno.EINVAL, null);
            return;
        }
        boolean on = t.resolveOr(s, st, "value", 1) != 0;
        SubreaperSet set = new SubreaperSet(cause, on);
        subreaperSet(t, s, set);
        // me->signal->is_child_subreaper: one flag for the whole process, whichever thread calls prctl. A
        // thread's prctl reaches the leader, which tells the rest (as for signal->rlim).
        List<ActorRef<TaskCmd>> to =
                s.isLeader() ? s.threads.values().stream().map(x -> x.ref()).toList() : List.of(s.leader);
        t.then(() -> {
            for (ActorRef<TaskCmd> th : to) th.tell(new TaskCmd.ApplyShared(t.nextId(), set));
        });
        t.ret(s, cause, 0, null, null);
    }

    /**
     * signal->is_child_subreaper set on this thread's copy, and walk_process_tree(me,
     * propagate_has_child_subreaper) over this thread's own children: walk_process_tree visits the
     * children of every thread of the process (for_each_thread(leader, parent)), and each thread of the
     * model holds the children it created, so each thread walks its own.
     */
    public static void subreaperSet(Task t, TaskState s, SubreaperSet set) {
        t.event(s, set);
        // Fault subreaper-flag-not-propagated (upstream fix 749860ce2427, v4.11): before the fix prctl only
        // set is_child_subreaper; has_child_subreaper came from fork alone, so the descendants that already
        // exist never look for this subreaper and their orphans go to the namespace's init.
        if (set.on() && !t.env.scenario().has(Fault.SUBREAPER_FLAG_NOT_PROPAGATED)) {
            propagateToChildren(t, s); // walk_process_tree(me, propagate_has_child_subreaper)
        }
    }

    /**
     * prctl(Prctl.PR_SET_PDEATHSIG, sig) / prctl(Prctl.PR_GET_PDEATHSIG, &sig) (kernel/sys.c): the signal this
     * thread gets when the thread that created it exits (forget_original_parent sends it). EINVAL unless
     * valid_signal (0 … _NSIG; 0 clears it). PR_GET_ stores it through its pointer and returns 0; the
     * model returns it (so {@code save} gets it), as for Prctl.PR_GET_CHILD_SUBREAPER.
     */
    private static void prctlPdeathsig(Task t, TaskState s, MsgId cause, Step st, int op) {
        if (op == Prctl.PR_GET_PDEATHSIG) {
            t.ret(s, cause, s.pdeathSignal, null, null);
            return;
        }
        Object v = st.args().get("value");
        long sig = v instanceof String name && !name.startsWith("$") ? Sig.parse(name) : t.resolveOr(s, st, "value", 0);
        if (sig < 0 || sig > Sig.NSIG) { // !valid_signal(arg2)
            t.ret(s, cause, 0, Errno.EINVAL, null);
            return;
        }
        t.event(s, new TaskEvent.PdeathSignalSet(cause, (int) sig));
        t.ret(s, cause, 0, null, null);
    }

    /**
     * setrlimit(2) → do_prlimit (kernel/sys.c) on the caller's process (signal->rlim, shared by its
     * threads, copied by fork): EINVAL for a resource ≥ Rlimit.RLIM_NLIMITS or a soft limit above the hard one
     * (compared unsigned: Rlimit.RLIM_INFINITY is the largest). Raising the hard limit needs CAP_SYS_RESOURCE,
     * which the model's tasks have (they run as root). Only Rlimit.RLIMIT_CORE is modelled; {@code max}
     * defaults to the current hard limit.
     */
    public static void setrlimit(Task t, TaskState s, MsgId cause, Step st) {
        long resource = t.resolveOr(s, st, "resource", Rlimit.RLIMIT_CORE);
        if (st.str("resource", "").equals("RLIMIT_CORE")) resource = Rlimit.RLIMIT_CORE;
        long cur = rlim(t, s, st, "value", s.rlimitCore);
        long max = rlim(t, s, st, "max", s.rlimitCoreMax);
        if (resource < 0
                || resource >= Rlimit.RLIM_NLIMITS
                || resource != Rlimit.RLIMIT_CORE
                || Long.compareUnsigned(cur, max) > 0) {
            t.ret(s, cause, 0, Errno.EINVAL, null);
            return;
        }
        TaskEvent.RlimitSet set = new TaskEvent.RlimitSet(cause, Rlimit.RLIMIT_CORE, cur, max);
        t.event(s, set);
        // One signal_struct for the process: its other threads see the new limit (the leader passes it on).
        List<ActorRef<TaskCmd>> to =
                s.isLeader() ? s.threads.values().stream().map(x -> x.ref()).toList() : List.of(s.leader);
        t.then(() -> {
            for (ActorRef<TaskCmd> th : to) th.tell(new TaskCmd.ApplyShared(t.nextId(), set));
        });
        t.ret(s, cause, 0, null, null);
    }

    /** A limit as a scenario writes it: a number, "$var", or Rlimit.RLIM_INFINITY / unlimited. */
    private static long rlim(Task t, TaskState s, Step st, String field, long dflt) {
        String v = st.str(field, null);
        if (v == null) return dflt;
        if (v.equals("RLIM_INFINITY") || v.equals("unlimited")) return Rlimit.RLIM_INFINITY;
        return t.resolveOr(s, st, field, dflt);
    }

    /**
     * propagate_has_child_subreaper (kernel/sys.c), on a child process (its leader): stops where the flag
     * is already set (the subtree knows) and at a namespace's child reaper (is_child_reaper: its subtree
     * never reparents out of the namespace). signal->has_child_subreaper is the process's: the leader
     * tells its threads, and every thread walks on into the children it holds.
     */
    public static void propagateHasChildSubreaper(Task t, TaskState s, TaskCmd.PropagateHasChildSubreaper c) {
        if (s.hasChildSubreaper || s.vpid == 1) return;
        HasChildSubreaperSet set = new HasChildSubreaperSet(c.id());
        hasChildSubreaperSet(t, s, set);
        if (s.isLeader()) {
            List<ActorRef<TaskCmd>> to =
                    s.threads.values().stream().map(x -> x.ref()).toList();
            t.then(() -> {
                for (ActorRef<TaskCmd> th : to) th.tell(new TaskCmd.ApplyShared(t.nextId(), set));
            });
        }
    }

    /** has_child_subreaper set on this thread's copy; the walk goes on into this thread's children. */
    public static void hasChildSubreaperSet(Task t, TaskState s, HasChildSubreaperSet set) {
        if (s.hasChildSubreaper) return;
        t.event(s, set);
        propagateToChildren(t, s);
    }

    private static void propagateToChildren(Task t, TaskState s) {
        for (var child : s.children.values()) {
            if (child.exitState() == ExitState.NONE) {
                t.then(() -> child.ref().tell(new TaskCmd.PropagateHasChildSubreaper(t.nextId())));
            }
        }
    }

    /** change_pid(PIDTYPE_PGID): the pid hash, and the parent's view for wait4(0) / wait4(-pgid). */
    private static void notifyParent(Task t, TaskState s) {
        ActorRef<TaskCmd> p = s.parent;
        int g = s.pgid;
        int pid = s.pid;
        String k = t.key();
        int sid = s.sid;
        t.then(() -> t.env.pids().tell(new PidAllocator.SetPgid(t.nextId(), pid, g, sid)));
        if (p != null) t.then(() -> p.tell(new TaskCmd.ChildPgid(t.nextId(), k, g)));
    }

    /** change_pid(PIDTYPE_PGID) as the parent sees it: its entry for the child names the new group. */
    public static void childPgid(Task t, TaskState s, TaskCmd.ChildPgid c) {
        ChildInfo ci = s.children.get(c.key());
        if (ci != null) t.event(s, new ChildChanged(c.id(), ci.withPgid(c.pgid())));
    }
}
