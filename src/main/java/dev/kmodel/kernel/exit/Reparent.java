package dev.kmodel.kernel.exit;

import akka.actor.typed.ActorRef;
import dev.kmodel.kernel.Ctx;
import dev.kmodel.kernel.MsgId;
import dev.kmodel.kernel.pid.PidAllocator;
import dev.kmodel.kernel.task.ChildInfo;
import dev.kmodel.kernel.task.ExitState;
import dev.kmodel.kernel.task.Frame;
import dev.kmodel.kernel.task.Task;
import dev.kmodel.kernel.task.TaskCmd;
import dev.kmodel.kernel.task.TaskEvent.*;
import dev.kmodel.kernel.task.TaskState;
import dev.kmodel.kernel.task.ThreadInfo;
import dev.kmodel.scenario.Fault;
import dev.kmodel.uapi.Sig;
import java.util.ArrayList;
import java.util.List;

/**
 * kernel/exit.c's reparenting, from exit_notify: forget_original_parent → find_new_reaper (a live
 * thread of the group, find_alive_thread; the nearest child subreaper among the ancestors; the pid
 * namespace's child reaper, find_child_reaper) → reparent_leader for each child, and the new
 * parent's side (list_splice onto its children, a zombie announced as if it had just died).
 */
public final class Reparent {
    private Reparent() {}

    /** The leader answered find_alive_thread. */
    static void aliveThread(Task t, TaskState s, TaskCmd.AliveThread c) {
        if (c.key() != null) {
            reparentTo(t, s, c.id(), c.key(), s.tgid, c.ref(), "thread-group", s.vtgid);
            return;
        }
        findNewReaper(t, s, c.id());
    }

    /** find_new_reaper past our group: the nearest live child subreaper among the ancestors, else init. */
    static void findNewReaper(Task t, TaskState s, MsgId cause) {
        // Only looked for if one exists (has_child_subreaper).
        if (s.hasChildSubreaper && s.parent != null) {
            t.enter(s, cause, ((Frame.Exiting) s.frame).at(Exit.At.FIND_SUBREAPER));
            Ctx ctx = t.ctx(s, "do_exit/exit_notify/forget_original_parent/find_new_reaper");
            ActorRef<TaskCmd> parent = s.parent;
            int level = s.nsLevel; // task_pid(father)->level
            t.then(() -> parent.tell(new TaskCmd.FindSubreaper(t.nextId(), ctx, t.self, level)));
            return;
        }
        childReaper(t, s, cause);
    }

    /** find_child_reaper: the init of our pid namespace (task_active_pid_ns(father)->child_reaper). */
    static void childReaper(Task t, TaskState s, MsgId cause) {
        if (s.nsReaper == null) {
            reparentTo(t, s, cause, Exit.INIT_KEY, Exit.INIT_PID, t.env.init(), "child-reaper", 1);
        } else {
            reparentTo(t, s, cause, s.nsReaperKey, s.nsReaperPid, s.nsReaper, "child-reaper", 1);
        }
    }

    /**
     * The walk up the ancestors ended: a live thread of a child subreaper, or none — then find_new_reaper
     * returns the child_reaper of the father's own pid namespace (find_child_reaper).
     */
    static void subreaperFound(Task t, TaskState s, TaskCmd.SubreaperFound c) {
        if (!c.subreaper()) {
            childReaper(t, s, c.id());
            return;
        }
        reparentTo(t, s, c.id(), c.key(), c.pid(), c.ref(), "subreaper", c.vtgid());
    }

    /**
     * One step of find_new_reaper's walk (kernel/exit.c), on an ancestor:
     *
     * <pre>
     * for (reaper = father->real_parent; task_pid(reaper)->level == ns_level; reaper = reaper->real_parent) {
     *         if (reaper == &amp;init_task) break;
     *         if (!reaper->signal->is_child_subreaper) continue;
     *         thread = find_alive_thread(reaper);
     *         if (thread) return thread;
     * }
     * return child_reaper;
     * </pre>
     *
     * The walk never leaves the father's pid namespace: an ancestor at another level ends it, and the
     * father's own namespace's child reaper is the answer (not the init of the ancestor's namespace).
     * is_child_subreaper is the process's (signal_struct), and find_alive_thread looks at every thread of
     * it: a thread the walk reaches hands the question to its group leader, which knows the group's
     * threads (the threads share the leader's real_parent, so the walk goes on from the leader).
     */
    public static void findSubreaper(Task t, TaskState s, TaskCmd.FindSubreaper c) {
        ActorRef<TaskCmd> origin = c.origin();
        if (s.nsLevel != c.level() || s.parent == null && !t.key().equals(Exit.INIT_KEY)) {
            // task_pid(reaper)->level != ns_level (or past the top): no subreaper; find_child_reaper's answer.
            t.then(() -> origin.tell(new TaskCmd.SubreaperFound(t.nextId(), null, 0, null, false, 0)));
            return;
        }
        if (!s.isLeader() && s.leader != null) {
            // find_new_reaper reads reaper->signal and the group's threads (find_alive_thread): the leader's
            // to answer. The question goes on as a new message of ours, with its own id: re-sending the
            // message we just handled would reuse an id that is no longer counted in flight (the run's
            // termination detection and a controlled schedule's turn-taking lose count of it, and the
            // father then waits for ever holding tasklist_lock).
            ActorRef<TaskCmd> leader = s.leader;
            t.then(() -> leader.tell(new TaskCmd.FindSubreaper(t.nextId(), c.ctx(), origin, c.level())));
            return;
        }
        ThreadInfo alive = s.isChildSubreaper ? Threads.aliveThread(t, s, null) : null;
        if (alive != null) {
            int tgid = s.tgid;
            int vtgid = s.vtgid;
            t.then(() ->
                    origin.tell(new TaskCmd.SubreaperFound(t.nextId(), alive.key(), tgid, alive.ref(), true, vtgid)));
        } else if (s.parent == null || t.key().equals(Exit.INIT_KEY)) {
            t.then(() -> origin.tell(new TaskCmd.SubreaperFound(t.nextId(), null, 0, null, false, 0)));
        } else {
            ActorRef<TaskCmd> up = s.parent;
            t.then(() -> up.tell(new TaskCmd.FindSubreaper(t.nextId(), c.ctx(), origin, c.level())));
        }
    }

    /**
     * forget_original_parent: every child, live or zombie, goes to the new reaper. The reaper is asked
     * first (Adopt): a reaper whose leader has exited hands them to a live thread of its group, which is
     * then their real_parent (pid_ns->child_reaper = find_alive_thread); the children are told who took
     * them when the answer comes, still under tasklist_lock.
     */
    static void reparentTo(
            Task t,
            TaskState s,
            MsgId cause,
            String toKey,
            int toPid,
            ActorRef<TaskCmd> reaper,
            String why,
            int reaperVtgid) {
        // reparent_leader resets every orphan's exit_signal to SIGCHLD — unless the new parent is a thread
        // of our own group: "a threaded reparent" tells no one anything.
        boolean sameGroup = why.equals("thread-group");
        List<ChildInfo> kids = s.children.values().stream()
                .map(k -> sameGroup ? k : k.withExitSignal(Sig.SIGCHLD))
                .toList();
        // The children leave our list now (the reaper's Adopt puts them on its own: on ours again if we are
        // the namespace's last reaper, find_child_reaper's "return father").
        t.event(
                s,
                new ChildrenReparented(cause, kids.stream().map(ChildInfo::key).toList(), toKey, toPid, why, reaper));
        t.enter(s, cause, ((Frame.Exiting) s.frame).kids(kids).reparent(why));
        Ctx ctx = t.ctx(s, "do_exit/exit_notify/forget_original_parent");
        String from = t.key();
        t.then(() -> reaper.tell(new TaskCmd.Adopt(t.nextId(), kids, from, why, ctx, t.self)));
    }

    /**
     * The reaper took the children: each is told its new real_parent (reparent_leader); zombies the
     * reaper would not keep are ours to release after unlocking.
     */
    static void adopted(Task t, TaskState s, TaskCmd.Adopted c) {
        Frame.Exiting f = (Frame.Exiting) s.frame;
        String why = f.reparentWhy();
        boolean sameGroup = why.equals("thread-group");
        List<ChildInfo> kids = f.kids();
        Ctx ctx = t.ctx(s, "do_exit/exit_notify/forget_original_parent");
        int fromPid = s.pid;
        int ns = s.nsId;
        String toKey = c.adopterKey();
        int toPid = c.adopterTgid();
        int vtgid = c.adopterVtgid();
        ActorRef<TaskCmd> reaper = c.adopter();
        t.then(() -> {
            for (ChildInfo k : kids) {
                k.ref()
                        .tell(new TaskCmd.Reparented(
                                t.nextId(),
                                toKey,
                                toPid,
                                reaper,
                                why,
                                ctx.in("reparent_leader"),
                                ns,
                                vtgid,
                                c.autoreap().contains(k.key())));
                if (!sameGroup) t.env.pids().tell(new PidAllocator.SetParentPid(t.nextId(), k.pid(), toPid));
            }
            // reparent_leader → kill_orphaned_pgrp(p, father): a child's group may lose its outside link.
            for (ChildInfo k : sameGroup ? List.<ChildInfo>of() : kids) {
                t.env.pids()
                        .tell(new PidAllocator.KillOrphanedPgrp(
                                t.nextId(), k.pid(), fromPid, 0, fromPid, ctx.in("reparent_leader")));
            }
        });
        List<ChildInfo> dead =
                kids.stream().filter(k -> c.autoreap().contains(k.key())).toList();
        t.enter(s, c.id(), f.dead(dead));
        Exit.exitNotifyTail(t, s, c.id());
    }

    /** The child reaper adopts an exiting task's children (list_splice_tail onto its children list). */
    public static void adopt(Task t, TaskState s, TaskCmd.Adopt c) {
        // find_child_reaper: a reaper whose leader has exited is represented by a live thread of its group
        // (pid_ns->child_reaper = find_alive_thread(father)).
        // With no live thread left the leader keeps them: it, or the last thread, is reaping the namespace
        // (zap_pid_ns_processes walks every thread's children).
        ThreadInfo alive = s.isLeader() && s.pfExiting ? Threads.aliveThread(t, s, t.key()) : null;
        if (c.why().equals("child-reaper") && t.env.scenario().has(Fault.CHILD_REAPER_DEAD_LEADER)) {
            // Fault child-reaper-dead-leader (upstream fix 950bbabb5a80, v2.6.27): pid_ns->child_reaper stays
            // the namespace init's group leader after it exited; the orphans go to that zombie, whose
            // exit_notify is over, instead of to a live thread of its group.
            alive = null;
        }
        if (alive != null) {
            ActorRef<TaskCmd> to = alive.ref();
            TaskCmd.Adopt fwd = c;
            t.then(() -> to.tell(
                    new TaskCmd.Adopt(t.nextId(), fwd.children(), fwd.from(), fwd.why(), fwd.ctx(), fwd.replyTo())));
            return;
        }
        List<String> autoreap = new ArrayList<>();
        boolean zombies = false;
        boolean sameGroup = c.why().equals("thread-group");
        for (ChildInfo k : c.children()) {
            t.event(s, new ChildAdded(c.id(), k));
            // reparent_leader: a zombie is announced to its new parent as if it had just died.
            if (k.exitState() == ExitState.ZOMBIE && !sameGroup) {
                zombies = true;
                if (Exit.notifyOne(t, s, c.id(), k, k.exitSignal())) autoreap.add(k.key());
            }
        }
        if (zombies) {
            t.wake(s, c.id(), "__wake_up_parent", Wait.At.SLEEP);
            Threads.wakeGroupWaiters(t, s);
        }
        ActorRef<TaskCmd> reply = c.replyTo();
        String k = t.key();
        int tgid = s.tgid, vtgid = s.vtgid;
        t.then(() -> reply.tell(new TaskCmd.Adopted(t.nextId(), autoreap, k, tgid, vtgid, t.self)));
    }

    /**
     * forget_original_parent (kernel/exit.c), for each thread t of each child: "if (t->pdeath_signal)
     * group_send_sig_info(t->pdeath_signal, SEND_SIG_NOINFO, t, PIDTYPE_TGID)" — to t's whole process,
     * from the exiting father, whichever the new parent is (a thread of the father's own group too: the
     * "parent" is the thread that created the child).
     */
    private static void pdeathSignal(Task t, TaskState s, TaskCmd.Reparented c, int father) {
        if (s.pdeathSignal == 0) return;
        int sig = s.pdeathSignal;
        ActorRef<TaskCmd> process = Threads.leader(t, s);
        Ctx at = c.ctx();
        String path = at.path().endsWith("/reparent_leader")
                ? at.path().substring(0, at.path().length() - "/reparent_leader".length())
                : at.path();
        Ctx ctx = new Ctx(at.task(), at.pid(), at.cpu(), path).in("group_send_sig_info");
        int fromNs = c.reaperNs(); // the father's namespace (SEND_SIG_NOINFO: si_pid of current)
        t.then(() -> process.tell(new TaskCmd.Signal(t.nextId(), sig, father, ctx, fromNs, false)));
    }

    /** reparent_leader, on the child: its real_parent is now the reaper. */
    public static void reparented(Task t, TaskState s, TaskCmd.Reparented c) {
        String state = s.exitState == ExitState.NONE ? (s.pfExiting ? "exiting" : "alive") : s.exitState.toString();
        // getppid: the new parent's number if it is in our pid namespace, else 0.
        int toVpid = c.reaperNs() == s.nsId ? c.reaperVtgid() : 0;
        int father = s.ppid;
        t.event(
                s,
                new Reparented(
                        c.id(), s.parentKey, s.ppid, c.parentKey(), c.ppid(), c.why(), c.parent(), state, toVpid));
        if (c.autoreaped() && s.exitState == ExitState.ZOMBIE) {
            // reparent_leader (kernel/exit.c): a zombie whose new parent does not keep it
            // (do_notify_parent returned true: SIGCHLD ignored or SA_NOCLDWAIT) is set EXIT_DEAD under
            // tasklist_lock and put on the father's dead list; exit_notify then release_task()s it.
            t.event(
                    s,
                    new BecameDead(
                            c.id(), s.exitCode, "reparent_leader: new parent ignores SIGCHLD or has SA_NOCLDWAIT"));
        }
        pdeathSignal(t, s, c, father);
        // for_each_thread(p, t): every thread of the child's group gets the new real_parent.
        if (s.isLeader() && !s.threads.isEmpty()) {
            List<ActorRef<TaskCmd>> threads =
                    s.threads.values().stream().map(ThreadInfo::ref).toList();
            t.then(() -> {
                for (ActorRef<TaskCmd> th : threads) {
                    th.tell(new TaskCmd.Reparented(
                            t.nextId(),
                            c.parentKey(),
                            c.ppid(),
                            c.parent(),
                            c.why(),
                            c.ctx(),
                            c.reaperNs(),
                            c.reaperVtgid(),
                            false));
                }
            });
        }
    }
}
