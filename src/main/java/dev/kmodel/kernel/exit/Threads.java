package dev.kmodel.kernel.exit;

import akka.actor.typed.ActorRef;
import dev.kmodel.kernel.Ctx;
import dev.kmodel.kernel.MsgId;
import dev.kmodel.kernel.signal.Signals;
import dev.kmodel.kernel.task.ChildInfo;
import dev.kmodel.kernel.task.ExitState;
import dev.kmodel.kernel.task.Frame;
import dev.kmodel.kernel.task.Task;
import dev.kmodel.kernel.task.TaskCmd;
import dev.kmodel.kernel.task.TaskEvent.*;
import dev.kmodel.kernel.task.TaskState;
import dev.kmodel.kernel.task.ThreadInfo;
import dev.kmodel.scenario.Fault;
import dev.kmodel.uapi.Errno;
import dev.kmodel.uapi.Sig;
import java.util.ArrayList;
import java.util.List;

/**
 * Thread groups (kernel/exit.c, kernel/signal.c): the leader's actor keeps what signal_struct holds
 * for the group (the thread list, signal->live, SIGNAL_GROUP_EXIT and group_exit_code); the other
 * threads ask it by message. do_group_exit, zap_other_threads, find_alive_thread, the delayed
 * leader's notification from release_task, and do_wait's walk over every thread's children.
 */
public final class Threads {
    private Threads() {}

    /** The group leader's actor (this task's own if it leads). */
    public static ActorRef<TaskCmd> leader(Task t, TaskState s) {
        return s.leader == null ? t.self : s.leader;
    }

    /** Does the group have threads besides the leader (as far as this task can tell without asking)? */
    public static boolean multiThreaded(TaskState s) {
        return !s.isLeader() || !s.threads.isEmpty();
    }

    // ---- creation ------------------------------------------------------------------------------

    /** copy_process, CLONE_THREAD, on the leader: the thread joins signal->thread_head; nr_threads++. */
    public static void threadLinked(Task t, TaskState s, TaskCmd.ThreadLinked c) {
        if (c.add()) t.event(s, new ThreadAdded(c.id(), c.thread()));
        // A thread that joins a group already exiting is killed with it (its creator raced the group exit).
        if (c.check() && s.groupExit) {
            ActorRef<TaskCmd> r = c.thread().ref();
            int code = s.groupExitCode, from = s.pid;
            Ctx ctx = new Ctx(t.key(), s.pid, s.cpu, "zap_other_threads");
            t.then(() -> r.tell(new TaskCmd.Zap(t.nextId(), code, from, ctx)));
        }
    }

    // ---- exit_group ----------------------------------------------------------------------------

    /** do_group_exit (kernel/exit.c): the first exit code wins; the other threads are zapped. */
    public static void doGroupExit(Task t, TaskState s, MsgId cause, int code, Ctx ctx) {
        if (s.isLeader()) {
            int exitCode = groupExit(t, s, cause, code, t.key(), ctx);
            Exit.doExit(t, s, cause, exitCode);
            return;
        }
        t.enter(s, cause, Frame.Exiting.start(Exit.At.GROUP_EXIT, null));
        ActorRef<TaskCmd> leader = s.leader;
        String k = t.key();
        t.then(() -> leader.tell(new TaskCmd.GroupExit(t.nextId(), k, code, ctx, t.self)));
    }

    /** On the leader: SIGNAL_GROUP_EXIT is set once; returns the group's exit code. */
    private static int groupExit(Task t, TaskState s, MsgId cause, int code, String by, Ctx ctx) {
        if (s.groupExit) return s.groupExitCode;
        if (s.groupExecKey != null) return 0; // a thread is in execve: it kills us, we just exit
        t.event(s, new GroupExitSet(cause, code, by));
        zapOtherThreads(t, s, cause, code, by, ctx.in("zap_other_threads"));
        return code;
    }

    /** The leader answers a thread's do_group_exit. */
    public static void groupExitAsked(Task t, TaskState s, TaskCmd.GroupExit c) {
        int code = groupExit(t, s, c.id(), c.code(), c.key(), c.ctx());
        ActorRef<TaskCmd> reply = c.replyTo();
        t.then(() -> reply.tell(new TaskCmd.GroupExitCode(t.nextId(), code)));
    }

    /** The thread learns the group's exit code and exits with it. */
    static void groupExitCode(Task t, TaskState s, TaskCmd.GroupExitCode c) {
        Exit.doExit(t, s, c.id(), c.code());
    }

    /**
     * zap_other_threads (kernel/signal.c): SIGKILL to every thread of the group but {@code except};
     * the leader zaps itself the same way when another thread started the group exit.
     */
    public static void zapOtherThreads(Task t, TaskState s, MsgId cause, int code, String except, Ctx ctx) {
        List<ActorRef<TaskCmd>> to = new ArrayList<>();
        for (ThreadInfo th : s.threads.values()) {
            if (!th.key().equals(except) && !th.exiting()) to.add(th.ref());
        }
        int from = s.pid;
        t.then(() -> {
            for (ActorRef<TaskCmd> r : to) r.tell(new TaskCmd.Zap(t.nextId(), code, from, ctx));
        });
        if (!except.equals(t.key()) && !s.pfExiting) zapped(t, s, new TaskCmd.Zap(cause, code, from, ctx));
    }

    /** A zapped thread: SIGKILL pending, woken; it exits with the group's code (get_signal → do_group_exit). */
    public static void zapped(Task t, TaskState s, TaskCmd.Zap c) {
        if (s.pfExiting || s.exitState != ExitState.NONE) return;
        t.event(s, new Zapped(c.id(), c.code()));
        Signals.receiveOwn(t, s, new TaskCmd.Signal(c.id(), Sig.SIGKILL, c.fromPid(), c.ctx()));
    }

    // ---- do_exit -------------------------------------------------------------------------------

    /** exit_signals on the leader's side: the thread leaves signal->live; is the group dead now? */
    public static void threadExiting(Task t, TaskState s, TaskCmd.ThreadExiting c) {
        boolean dead = s.pfExiting
                && s.threads.values().stream()
                        .allMatch(th -> th.exiting() || th.key().equals(c.key()));
        t.event(s, new ThreadMarkedExiting(c.id(), c.key(), dead));
        // de_thread's "killed:" path: an exec'ing thread that dies gives up group_exec_task.
        if (c.key().equals(s.groupExecKey)) t.event(s, new GroupExecDone(c.id()));
        ActorRef<TaskCmd> reply = c.replyTo();
        int code = s.groupExit ? s.groupExitCode : 0;
        t.then(() -> reply.tell(new TaskCmd.GroupDead(t.nextId(), dead, code)));
    }

    /** find_alive_thread (kernel/exit.c), on the leader: the first thread without PF_EXITING. */
    public static void findAliveThread(Task t, TaskState s, TaskCmd.FindAliveThread c) {
        ThreadInfo alive = aliveThread(t, s, c.exclude());
        ActorRef<TaskCmd> reply = c.replyTo();
        t.then(() -> reply.tell(
                alive == null
                        ? new TaskCmd.AliveThread(t.nextId(), null, 0, null)
                        : new TaskCmd.AliveThread(t.nextId(), alive.key(), alive.tid(), alive.ref())));
    }

    /** The leader itself if it lives, else a live thread; null if every thread is exiting. */
    public static ThreadInfo aliveThread(Task t, TaskState s, String exclude) {
        if (!s.pfExiting && !t.key().equals(exclude)) return new ThreadInfo(t.key(), s.pid, t.self, false);
        for (ThreadInfo th : s.threads.values()) {
            if (!th.exiting() && !th.key().equals(exclude)) return th;
        }
        return null;
    }

    // ---- release_task --------------------------------------------------------------------------

    /**
     * __exit_signal of a thread, on the leader: off the list. release_task then checks the leader: a
     * zombie leader of a now empty group has its parent notified (do_notify_parent) — and is released
     * as well if the parent does not keep zombies.
     */
    public static void threadUnlinked(Task t, TaskState s, TaskCmd.ThreadUnlinked c) {
        ThreadInfo released = s.threads.get(c.key());
        // release_task's current: the released thread itself (a thread is autoreaped by its own exit_notify).
        boolean currentUnhashed = released != null && released.ref().equals(c.releaser());
        t.event(s, new ThreadRemoved(c.id(), c.key()));
        deThreadCheck(t, s, c.id());
        ActorRef<TaskCmd> releaser = c.releaser();
        if (!s.threads.isEmpty() || !s.leaderDelayed || s.parent == null || s.groupExecKey != null) {
            String k = c.key();
            t.then(() -> releaser.tell(new TaskCmd.ExitSignalDone(t.nextId(), k, null)));
            return;
        }
        t.event(s, new LeaderNotifying(c.id(), c.key(), releaser));
        ChildInfo me = new ChildInfo(t.key(), s.pid, t.self, s.pgid, s.exitSignal, ExitState.ZOMBIE, s.waitStatus());
        ActorRef<TaskCmd> parent = s.parent;
        int sig = s.exitSignal;
        Ctx ctx = c.ctx().in("do_notify_parent");
        // do_notify_parent: si_pid = the leader's tgid in the parent's namespace.
        // Fault NOTIFY_PARENT_SI_PID_FROM_CURRENT (upstream fix 61e713bdca36, v5.7): send_signal's
        // namespace fix-up asked whether *current* has a pid in the parent's namespace and zeroed si_pid
        // when it had none; here current is the last thread, already unhashed by __unhash_process.
        int siPid = t.env.scenario().has(Fault.NOTIFY_PARENT_SI_PID_FROM_CURRENT) && currentUnhashed ? 0 : me.pid();
        t.then(() -> parent.tell(new TaskCmd.NotifyParent(t.nextId(), me, sig, ctx, t.self, true, siPid)));
    }

    /** The parent answered: EXIT_DEAD if it does not keep zombies; the releaser goes on. */
    public static void leaderNotified(Task t, TaskState s, TaskCmd.LeaderNotified c) {
        if (s.releaser == null) return;
        if (c.autoreap()) t.event(s, new BecameDead(c.id(), s.exitCode, "parent ignores SIGCHLD or has SA_NOCLDWAIT"));
        ChildInfo me = c.autoreap()
                ? new ChildInfo(t.key(), s.pid, t.self, s.pgid, s.exitSignal, ExitState.DEAD, s.waitStatus())
                : null;
        ActorRef<TaskCmd> releaser = s.releaser;
        String thread = s.releasedThread;
        t.event(s, new LeaderNotifying(c.id(), null, null));
        t.then(() -> releaser.tell(new TaskCmd.ExitSignalDone(t.nextId(), thread, me)));
    }

    // ---- do_wait over the group ----------------------------------------------------------------

    /** On the leader: its children for a thread's do_wait, and the question passed to the other threads. */
    public static void groupChildren(Task t, TaskState s, TaskCmd.GroupChildren c) {
        List<ActorRef<TaskCmd>> others = new ArrayList<>();
        for (ThreadInfo th : s.threads.values()) {
            if (!th.key().equals(c.requester())) others.add(th.ref());
        }
        List<ChildInfo> mine = List.copyOf(s.children.values());
        ActorRef<TaskCmd> reply = c.replyTo();
        String k = t.key();
        t.then(() -> {
            reply.tell(new TaskCmd.ChildrenOf(t.nextId(), k, mine, others.size()));
            for (ActorRef<TaskCmd> o : others) o.tell(new TaskCmd.ChildrenAsk(t.nextId(), reply));
        });
    }

    /** A thread's own children list, for another thread's do_wait. */
    public static void childrenAsk(Task t, TaskState s, TaskCmd.ChildrenAsk c) {
        List<ChildInfo> mine = List.copyOf(s.children.values());
        ActorRef<TaskCmd> reply = c.replyTo();
        String k = t.key();
        t.then(() -> reply.tell(new TaskCmd.ChildrenOf(t.nextId(), k, mine, -1)));
    }

    /** __wake_up_parent: every thread of the parent's group waiting in do_wait is woken. */
    public static void wakeGroupWaiters(Task t, TaskState s) {
        if (!multiThreaded(s)) return;
        String k = t.key();
        if (!s.isLeader()) {
            ActorRef<TaskCmd> leader = s.leader;
            t.then(() -> leader.tell(new TaskCmd.WakeChldexit(t.nextId(), k)));
            return;
        }
        List<ActorRef<TaskCmd>> to =
                s.threads.values().stream().map(ThreadInfo::ref).toList();
        t.then(() -> {
            for (ActorRef<TaskCmd> r : to) r.tell(new TaskCmd.WakeChldexit(t.nextId(), k));
        });
    }

    /** A waiter of the group is woken; the leader passes the wake-up on to the other threads. */
    public static void wakeChldexit(Task t, TaskState s, TaskCmd.WakeChldexit c) {
        t.wake(s, c.id(), "__wake_up_parent", Wait.At.SLEEP);
        if (!s.isLeader()) return;
        List<ActorRef<TaskCmd>> to = new ArrayList<>();
        for (ThreadInfo th : s.threads.values()) {
            if (!th.key().equals(c.except())) to.add(th.ref());
        }
        String k = t.key();
        t.then(() -> {
            for (ActorRef<TaskCmd> r : to) r.tell(new TaskCmd.WakeChldexit(t.nextId(), k));
        });
    }

    // ---- execve: de_thread (fs/exec.c) ---------------------------------------------------------

    /**
     * de_thread on the leader: EAGAIN if the group is already exiting (or another exec runs);
     * otherwise signal->group_exec_task is set and every other thread — the leader too, if another
     * thread execs — is killed (zap_other_threads).
     */
    public static void deThread(Task t, TaskState s, TaskCmd.DeThread c) {
        ActorRef<TaskCmd> reply = c.replyTo();
        if (s.groupExit || s.groupExecKey != null || s.pfExiting && c.key().equals(t.key())) {
            t.then(() -> reply.tell(new TaskCmd.DeThreadDone(t.nextId(), Errno.EAGAIN, null)));
            return;
        }
        t.event(s, new GroupExecStarted(c.id(), c.key(), reply));
        zapOtherThreads(t, s, c.id(), Sig.SIGKILL, c.key(), c.ctx().in("zap_other_threads"));
        deThreadCheck(t, s, c.id());
    }

    /**
     * Is the group down to the exec'ing thread? Then de_thread goes on: at once if the leader execs;
     * once the leader is a zombie if a thread does (it will take the leader's place).
     */
    public static void deThreadCheck(Task t, TaskState s, MsgId cause) {
        if (s.groupExecKey == null) return;
        String exec = s.groupExecKey;
        if (!s.threads.keySet().stream().allMatch(k -> k.equals(exec))) return;
        ActorRef<TaskCmd> reply = s.groupExecRef;
        if (exec.equals(t.key())) {
            t.event(s, new GroupExecDone(cause));
            t.then(() -> reply.tell(new TaskCmd.DeThreadDone(t.nextId(), null, null)));
            return;
        }
        if (s.exitState != ExitState.ZOMBIE) return;
        TaskCmd.Takeover k =
                new TaskCmd.Takeover(t.key(), t.self, s.pid, s.pidObject, s.parentKey, s.ppid, s.parent, s.exitSignal);
        t.event(s, new GroupExecDone(cause));
        t.then(() -> reply.tell(new TaskCmd.DeThreadDone(t.nextId(), null, k)));
    }

    /** exchange_tids on the old leader: it is a thread now, with the exec'ing thread's old pid. */
    public static void demote(Task t, TaskState s, TaskCmd.Demote c) {
        String parentKey = s.parentKey;
        int ppid = s.ppid, exitSignal = s.exitSignal;
        ActorRef<TaskCmd> parent = s.parent;
        // fs/exec.c de_thread: BUG_ON(leader->exit_state != EXIT_ZOMBIE); leader->exit_state = EXIT_DEAD.
        if (s.exitState != ExitState.ZOMBIE) {
            t.warn(
                    s,
                    c.id(),
                    "BUG_ON",
                    "de_thread",
                    t.key() + " (pid " + s.pid + ") replaced while its exit_state is "
                            + (s.exitState == ExitState.NONE ? "0 (alive)" : s.exitState));
        }
        t.event(s, new BecameDead(c.id(), s.exitCode, "de_thread: an exec'ing thread took the leader's place"));
        t.event(s, new Demoted(c.id(), c.leaderKey(), c.leader(), c.tid(), c.vtid(), c.pidObject()));
        ActorRef<TaskCmd> to = c.leader();
        t.then(() -> to.tell(new TaskCmd.Demoted(t.nextId(), parentKey, ppid, parent, exitSignal)));
    }
}
