package dev.kmodel.kernel.exit;

import static dev.kmodel.kernel.task.PathStep.Continue.on;

import akka.actor.typed.ActorRef;
import dev.kmodel.kernel.Ctx;
import dev.kmodel.kernel.MsgId;
import dev.kmodel.kernel.locking.LockActor;
import dev.kmodel.kernel.locking.LockCall;
import dev.kmodel.kernel.locking.LockClass;
import dev.kmodel.kernel.locking.Locking;
import dev.kmodel.kernel.pid.PidAllocator;
import dev.kmodel.kernel.sched.Cpu;
import dev.kmodel.kernel.task.ChildInfo;
import dev.kmodel.kernel.task.ExitState;
import dev.kmodel.kernel.task.Frame;
import dev.kmodel.kernel.task.PathStep;
import dev.kmodel.kernel.task.Task;
import dev.kmodel.kernel.task.TaskCmd;
import dev.kmodel.kernel.task.TaskEvent.*;
import dev.kmodel.kernel.task.TaskEvent.ContinueReported;
import dev.kmodel.kernel.task.TaskEvent.StopReported;
import dev.kmodel.kernel.task.TaskState;
import dev.kmodel.scenario.Fault;
import dev.kmodel.scenario.Step;
import dev.kmodel.uapi.Errno;
import dev.kmodel.uapi.Sig;
import dev.kmodel.uapi.Siginfo;
import dev.kmodel.uapi.WaitOptions;
import dev.kmodel.uapi.WaitStatus;
import java.util.ArrayList;
import java.util.List;

/**
 * The wait family (kernel/exit.c): kernel_wait4 → do_wait → wait_consider_task → wait_task_zombie.
 * The scan runs under read_lock(tasklist_lock) over the parent's children list; the reaping is the
 * cmpxchg of the child's exit_state from EXIT_ZOMBIE to EXIT_DEAD, done by the child's actor, so
 * exactly one waiter wins; the winner then calls release_task.
 */
public final class Wait {
    private static final String PATH = "__x64_sys_wait4/kernel_wait4/do_wait";

    private Wait() {}

    /** Where do_wait waits, for which answer, and the function that goes on with it. */
    public enum At implements PathStep {
        /** find_get_pid for a process group numbered in a child pid namespace. */
        PGRP_LOOKUP(on(PidAllocator.Found.class, Wait::pgrpFound)),
        /** read_lock(&tasklist_lock) before the scan. */
        READ_LOCK(on(LockActor.Granted.class, (t, s, g) -> locked(t, s, g.id()))),
        /** while_each_thread: another thread's children list, read by asking it. */
        GATHER_CHILDREN(on(TaskCmd.ChildrenOf.class, Wait::childrenOf)),
        /** wait_task_zombie: the child's cmpxchg of exit_state, won or lost. */
        WAIT_TASK_ZOMBIE(on(TaskCmd.ZombieResult.class, Wait::zombieResult)),
        /**
         * wait_task_zombie, after read_unlock(&tasklist_lock): spin_lock_irq(&current->sighand->siglock)
         * to add the child's times to the waiter's signal_struct; not nested in tasklist_lock.
         */
        WAIT_SIGLOCK(on(LockActor.Granted.class, (t, s, g) -> zombieAccounted(t, s, g.id()))),
        /** wait_task_stopped / wait_task_continued: the report taken under the child's siglock. */
        WAIT_TASK_STOPPED(on(TaskCmd.StopContResult.class, Wait::stopContResult)),
        /** zap_pid_ns_processes: is the namespace down to the init? If not, it sleeps until free_pid wakes it. */
        ZAP_SETTLE(on(PidAllocator.PidReply.class, Wait::zapSettled)),
        /** Asleep on signal->wait_chldexit: the scan starts again when the task runs. */
        SLEEP(on(TaskCmd.RunStep.class, (t, s, r) -> Wait.resume(t, s, r.id())));

        private final PathStep.Continue next;

        At(PathStep.Continue next) {
            this.next = next;
        }

        @Override
        public PathStep.Continue next() {
            return next;
        }
    }

    private static Frame.Waiting frame(TaskState s) {
        return (Frame.Waiting) s.frame;
    }

    /** kernel_wait4: checks the options and pid, then do_wait. */
    public static void wait4(Task t, TaskState s, MsgId cause, Step st) {
        Long pid = t.resolve(s, st.args().getOrDefault("pid", -1L));
        int options = WaitOptions.of(st.list("options"));
        if ((options & ~WaitOptions.WAIT4_VALID) != 0 || pid == null) {
            t.ret(s, cause, 0, Errno.EINVAL, null);
            return;
        }
        // Fault WAIT4_INT_MIN_PGID (upstream fix dd83c161fbcc, v4.13): no check; -INT_MIN overflows back to
        // INT_MIN, find_get_pid finds no such group and do_wait answers ECHILD (or waits) instead of ESRCH.
        if (pid == Integer.MIN_VALUE && !t.env.scenario().has(Fault.WAIT4_INT_MIN_PGID)) {
            // kernel_wait4: -INT_MIN is not a process group
            t.ret(s, cause, 0, Errno.ESRCH, null);
            return;
        }
        // kernel_wait4 → do_wait with wo_flags = options | WEXITED.
        t.enter(
                s,
                cause,
                Frame.Waiting.start(
                        pid, options | WaitOptions.WEXITED, false, st.args().containsKey("reaper"), null));
        start(t, s, cause, pid);
    }

    /**
     * find_get_pid for a process group: inside a child pid namespace the number is the namespace's, so
     * the group's global number is looked up first; elsewhere the scan starts at once.
     */
    private static void start(Task t, TaskState s, MsgId cause, long pid) {
        if (pid >= -1 || s.nsId == 0) {
            readLock(t, s);
            return;
        }
        t.enter(s, cause, frame(s).at(At.PGRP_LOOKUP));
        int nr = (int) -pid, caller = s.pid, ns = s.nsId;
        t.then(() -> t.env.pids()
                .tell(new PidAllocator.Lookup(t.nextId(), PidAllocator.Scope.PID, nr, null, caller, t.lookups, ns)));
    }

    /** The group's number as the whole machine knows it (none: no task has it any more). */
    static void pgrpFound(Task t, TaskState s, PidAllocator.Found f) {
        long global =
                f.targets().isEmpty() ? Long.MIN_VALUE + 1 : f.targets().get(0).pid();
        t.enter(s, f.id(), frame(s).pid(-global).at(At.READ_LOCK));
        readLock(t, s);
    }

    /**
     * kernel_waitid: EINVAL for unknown options or none of WEXITED / WSTOPPED / WCONTINUED; P_ALL,
     * P_PID (id > 0), P_PGID (id >= 0; 0 is the caller's group); then the same do_wait.
     */
    public static void waitid(Task t, TaskState s, MsgId cause, Step st) {
        int options = WaitOptions.of(st.list("options"));
        String idtype = st.str("idtype", "P_ALL");
        Long id = t.resolve(s, st.args().getOrDefault("id", 0L));
        if ((options & ~WaitOptions.WAITID_VALID) != 0
                || id == null
                || (options & (WaitOptions.WEXITED | WaitOptions.WSTOPPED | WaitOptions.WCONTINUED)) == 0) {
            t.ret(s, cause, 0, Errno.EINVAL, null);
            return;
        }
        long pid;
        switch (idtype) {
            case "P_ALL" -> pid = -1;
            case "P_PID" -> pid = id;
            default -> pid = id == 0 ? 0 : -id; // P_PGID
        }
        if ((idtype.equals("P_PID") && id <= 0) || (idtype.equals("P_PGID") && id < 0)) {
            t.ret(s, cause, 0, Errno.EINVAL, null);
            return;
        }
        t.enter(s, cause, Frame.Waiting.start(pid, options, true, false, null));
        start(t, s, cause, pid);
    }

    /** The system call returns the reaped (or, with WNOWAIT, the observed) child. */
    static void finish(Task t, TaskState s, MsgId cause, Frame.Waiting w, ChildInfo child) {
        if (w.zapOf() != null) {
            rescan(t, s, cause, w); // zap_pid_ns_processes reaps until no child is left
            return;
        }
        WaitStatus status = WaitStatus.of(child.status());
        // The pid as the waiter's namespace sees it (task_pid_vnr).
        if (w.waitid()) {
            t.retWaitid(s, cause, Siginfo.of(child.vpid(), child.status()), status);
        } else {
            t.ret(s, cause, child.vpid(), null, status);
        }
    }

    /**
     * zap_pid_ns_processes, after the SIGKILLs: the dying init of a pid namespace reaps every child
     * (kernel_wait4(-1, __WALL)) until none is left; then its do_exit goes on.
     */
    public static void zapReap(Task t, TaskState s, MsgId cause, Frame.Exiting exiting) {
        t.enter(s, cause, Frame.Waiting.start(-1L, WaitOptions.__WALL | WaitOptions.WEXITED, false, false, exiting));
        readLock(t, s);
    }

    /** read_lock(&tasklist_lock) before the scan. */
    private static void readLock(Task t, TaskState s) {
        Locking.lock(t, s, LockCall.READ_LOCK_TASKLIST, Locking.global(LockClass.TASKLIST_LOCK), t.ctx(s, PATH));
    }

    private static void readUnlock(Task t, TaskState s, MsgId cause) {
        Locking.unlock(t, s, cause, LockClass.TASKLIST_LOCK, t.ctx(s, PATH));
    }

    /**
     * Holding read_lock(tasklist_lock): do_wait walks the children of every thread of the group
     * (while_each_thread), or only its own with __WNOTHREAD. Another thread's list is read by asking it.
     */
    static void locked(Task t, TaskState s, MsgId cause) {
        Frame.Waiting w = frame(s);
        if (!Threads.multiThreaded(s) || w.has(WaitOptions.__WNOTHREAD)) {
            scan(t, s, cause, List.copyOf(s.children.values()));
            return;
        }
        List<ChildInfo> mine = List.copyOf(s.children.values());
        if (s.isLeader()) {
            List<ActorRef<TaskCmd>> threads =
                    s.threads.values().stream().map(th -> th.ref()).toList();
            t.enter(s, cause, w.gathering(mine, threads.size(), 0));
            t.then(() -> {
                for (ActorRef<TaskCmd> th : threads) th.tell(new TaskCmd.ChildrenAsk(t.nextId(), t.self));
            });
            if (threads.isEmpty()) scan(t, s, cause, mine);
            return;
        }
        t.enter(s, cause, w.gathering(mine, -1, 0));
        ActorRef<TaskCmd> leader = s.leader;
        String k = t.key();
        t.then(() -> leader.tell(new TaskCmd.GroupChildren(t.nextId(), k, t.self)));
    }

    /** One thread's children arrived; scan once every thread of the group has answered. */
    static void childrenOf(Task t, TaskState s, TaskCmd.ChildrenOf c) {
        Frame.Waiting w = frame(s);
        List<ChildInfo> all = new ArrayList<>(w.gathered());
        all.addAll(c.children());
        int expect = c.expect() >= 0 ? c.expect() : w.expect();
        int got = w.got() + (c.expect() >= 0 ? 0 : 1);
        t.enter(s, c.id(), w.gathering(all, expect, got));
        if (expect >= 0 && got == expect) scan(t, s, c.id(), all);
    }

    /**
     * do_wait's scan of the children lists under read_lock(tasklist_lock). wait_consider_task, child by
     * child in list order: a zombie (for WEXITED), else a stop not yet reported (WUNTRACED / WSTOPPED),
     * else a continue not yet reported (WCONTINUED).
     */
    static void scan(Task t, TaskState s, MsgId cause, List<ChildInfo> children) {
        Frame.Waiting w = frame(s);
        long pid = w.pid();
        int options = w.options();
        boolean any = false;
        ChildInfo target = null;
        String kind = null;
        for (ChildInfo c : children) {
            // wait_consider_task: an EXIT_DEAD child is being released by someone else; it doesn't count.
            if (c.exitState() == ExitState.DEAD) continue;
            if (!eligiblePid(s, c, pid) || !eligibleChild(c, options)) continue;
            // A zombie leader whose threads live (delay_group_leader) is not known as a zombie here yet:
            // its parent hears of it when the group's last thread is released.
            if (c.exitState() == ExitState.ZOMBIE) {
                // wait_task_zombie without WEXITED: not waitable, and not counted against ECHILD either.
                if ((options & WaitOptions.WEXITED) != 0) {
                    target = c;
                    kind = "zombie";
                    break;
                }
                continue;
            }
            any = true;
            if (c.stopSig() != 0 && (options & WaitOptions.WSTOPPED) != 0) {
                target = c;
                kind = "stopped";
                break;
            } else if (c.continued() && (options & WaitOptions.WCONTINUED) != 0) {
                target = c;
                kind = "continued";
                break;
            }
        }
        if (target != null) {
            t.enter(s, cause, w.target(kind.equals("zombie") ? At.WAIT_TASK_ZOMBIE : At.WAIT_TASK_STOPPED, target));
            ChildInfo z = target;
            boolean nowait = (options & WaitOptions.WNOWAIT) != 0;
            if (kind.equals("zombie")) {
                Ctx ctx = t.ctx(s, PATH + "/wait_consider_task/wait_task_zombie");
                t.then(() -> z.ref().tell(new TaskCmd.WaitTaskZombie(t.nextId(), nowait, ctx, t.self)));
            } else {
                boolean cont = kind.equals("continued");
                Ctx ctx =
                        t.ctx(s, PATH + "/wait_consider_task/" + (cont ? "wait_task_continued" : "wait_task_stopped"));
                t.then(() -> z.ref().tell(new TaskCmd.WaitTaskStopCont(t.nextId(), cont, nowait, ctx, t.self)));
            }
            return;
        }
        readUnlock(t, s, cause);
        if (!any && w.zapOf() != null && t.env.scenario().has(Fault.ZAP_RETURNS_AFTER_OWN_CHILDREN)) {
            // Fault zap-returns-after-own-children (before "pidns: guarantee that the pidns init will be the
            // last pidns process reaped", v3.8): zap_pid_ns_processes is done once kernel_wait4 says ECHILD,
            // though tasks of the namespace whose parents are outside it (setns, or an unshare caller's later
            // children) still live: the init exits and is reaped before them.
            Exit.zapDone(t, s, cause, w.zapOf());
            return;
        }
        if (!any && w.zapOf() != null) {
            // kernel_wait4 said ECHILD: zap_pid_ns_processes then waits until every other task of the
            // namespace is gone (pid_allocated == init_pids), such as one whose parent is outside it.
            t.enter(s, cause, w.at(At.ZAP_SETTLE));
            int ns = s.nsId, initPids = s.isLeader() ? 1 : 2;
            t.then(() -> t.env.pids().tell(new PidAllocator.NsSettle(t.nextId(), ns, initPids, t.self, t.pidReplies)));
            return;
        }
        if (!any && !w.reaper()) {
            t.ret(s, cause, 0, Errno.ECHILD, null);
        } else if ((options & WaitOptions.WNOHANG) != 0) {
            if (w.waitid()) {
                t.retWaitid(s, cause, Siginfo.NONE, null); // nothing ready: 0, and si_pid 0
            } else {
                t.ret(s, cause, 0, null, null);
            }
        } else if (w.rescan()) {
            // Woken while scanning (a stop or continue report came in): scan again instead of sleeping.
            t.enter(s, cause, w.rescan(false).at(At.READ_LOCK));
            readLock(t, s);
        } else {
            // The waiter sleeps on current->signal->wait_chldexit until a child's exit wakes it.
            t.event(s, new Slept(cause, "do_wait"));
            t.enter(s, cause, w.at(At.SLEEP));
            t.yieldCpu(s, Cpu.Yield.BLOCK, 0);
        }
    }

    /**
     * wait_task_stopped / wait_task_continued, on the child: under its siglock the report is taken
     * (cleared, unless WNOWAIT), so only one waiter gets it.
     */
    public static void waitTaskStopCont(Task t, TaskState s, TaskCmd.WaitTaskStopCont c) {
        boolean reported;
        int status;
        if (c.continued()) {
            reported = s.contReport;
            status = WaitStatus.CONTINUED;
            if (reported && !c.nowait())
                t.event(s, new ContinueReported(c.id(), c.ctx().task()));
        } else {
            reported = (s.stopped || s.groupStopped) && s.stopCode != 0;
            status = WaitStatus.stoppedBy(s.stopCode);
            if (reported && !c.nowait())
                t.event(s, new StopReported(c.id(), c.ctx().task()));
        }
        var reply = c.replyTo();
        String k = t.key();
        int pid = s.pid;
        boolean r = reported;
        t.then(() -> reply.tell(new TaskCmd.StopContResult(t.nextId(), k, pid, c.continued(), r, status)));
    }

    /** The waiter has (or has not) the stop / continue report: return it, or scan again. */
    static void stopContResult(Task t, TaskState s, TaskCmd.StopContResult c) {
        Frame.Waiting w = frame(s);
        readUnlock(t, s, c.id());
        ChildInfo target = w.target();
        boolean nowait = w.has(WaitOptions.WNOWAIT);
        if (!c.reported() || !nowait) {
            // Clear only the report asked about: a fresh one of the other kind may have arrived meanwhile.
            ChildInfo now = s.children.get(target.key());
            if (now != null) {
                ChildInfo cleared =
                        c.continued() ? now.withStop(now.stopSig(), false) : now.withStop(0, now.continued());
                t.event(s, new ChildChanged(c.id(), cleared));
            }
        }
        if (!c.reported()) {
            resume(t, s, c.id());
            return;
        }
        finish(t, s, c.id(), w, target.withExit(target.exitState(), c.status()));
    }

    /** eligible_pid: -1 any child; > 0 that pid; 0 the caller's process group; < -1 group -pid. */
    static boolean eligiblePid(TaskState s, ChildInfo c, long pid) {
        if (pid == -1) return true;
        if (pid > 0) return c.vpid() == pid; // numbers are the waiter's namespace's
        if (pid == 0) return c.pgid() == s.pgid;
        return c.pgid() == -pid;
    }

    /** eligible_child: a child whose exit signal is not SIGCHLD is a "clone" child (__WCLONE / __WALL). */
    static boolean eligibleChild(ChildInfo c, int options) {
        if ((options & WaitOptions.__WALL) != 0) return true;
        boolean clone = c.exitSignal() != Sig.SIGCHLD;
        return clone == ((options & WaitOptions.__WCLONE) != 0);
    }

    /** Woken (or signalled) while sleeping in do_wait: scan again from the top. */
    public static void resume(Task t, TaskState s, MsgId cause) {
        rescan(t, s, cause, frame(s));
    }

    /**
     * The namespace is down to its init: exit_notify goes on. Otherwise the init sleeps
     * (TASK_INTERRUPTIBLE) until free_pid or a child's exit wakes it, and reaps and asks again.
     */
    static void zapSettled(Task t, TaskState s, PidAllocator.PidReply r) {
        Frame.Waiting w = frame(s);
        if (r.errno() == null) {
            Exit.zapDone(t, s, r.id(), w.zapOf());
            return;
        }
        t.event(s, new Slept(r.id(), "zap_pid_ns_processes"));
        t.enter(s, r.id(), w.at(At.SLEEP));
        t.yieldCpu(s, Cpu.Yield.BLOCK, 0);
    }

    /** do_wait's "repeat:": read_lock(&tasklist_lock) and scan again, with the options of {@code w}. */
    private static void rescan(Task t, TaskState s, MsgId cause, Frame.Waiting w) {
        t.enter(s, cause, w.at(At.READ_LOCK));
        readLock(t, s);
    }

    /** wait_task_zombie's cmpxchg(&p->exit_state, EXIT_ZOMBIE, EXIT_DEAD), on the child's own state. */
    public static void waitTaskZombieCmpxchg(Task t, TaskState s, TaskCmd.WaitTaskZombie c) {
        boolean won = s.exitState == ExitState.ZOMBIE && !c.nowait();
        if (won) t.event(s, new ReapedBy(c.id(), c.ctx().task(), c.ctx().pid()));
        boolean reaped = won || (c.nowait() && s.exitState == ExitState.ZOMBIE);
        ActorRef<TaskCmd> reply = c.replyTo();
        String k = t.key();
        int pid = s.pid, status = s.waitStatus();
        t.then(() -> reply.tell(new TaskCmd.ZombieResult(t.nextId(), k, pid, reaped, status)));
    }

    /** The waiter learns whether it won; the winner unlocks and calls release_task(p). */
    static void zombieResult(Task t, TaskState s, TaskCmd.ZombieResult c) {
        Frame.Waiting w = frame(s);
        readUnlock(t, s, c.id()); // "We own this thread, nobody else can reap it."
        ChildInfo target = w.target();
        if (!c.reaped()) {
            // Lost the race: another waiter moved it to EXIT_DEAD first. do_wait goes round again.
            if (s.children.containsKey(target.key())) {
                t.event(s, new ChildChanged(c.id(), target.withExit(ExitState.DEAD, target.status())));
            }
            resume(t, s, c.id());
            return;
        }
        if (w.has(WaitOptions.WNOWAIT)) {
            // WNOWAIT: the child is reported and left a zombie, to be waited for again.
            finish(t, s, c.id(), w, target.withExit(ExitState.ZOMBIE, c.status()));
            return;
        }
        ChildInfo reaped = target.withExit(ExitState.DEAD, c.status());
        if (s.children.containsKey(target.key())) t.event(s, new ChildChanged(c.id(), reaped));
        t.enter(s, c.id(), w.reaped(reaped).at(At.WAIT_SIGLOCK));
        Locking.lock(
                t, s, LockCall.SPIN_LOCK_IRQ_SIGLOCK, t.key(), t.ctx(s, PATH + "/wait_consider_task/wait_task_zombie"));
    }

    /** psig->cutime and friends are added (nothing the model counts); spin_unlock_irq; release_task(p). */
    static void zombieAccounted(Task t, TaskState s, MsgId cause) {
        Frame.Waiting w = frame(s);
        String path = PATH + "/wait_consider_task/wait_task_zombie";
        Locking.unlock(t, s, cause, LockClass.SIGLOCK, t.ctx(s, path));
        Release.releaseAll(t, s, cause, List.of(w.reaped()), path, w);
    }
}
