package dev.kmodel.report;

import dev.kmodel.fs.Exec;
import dev.kmodel.journal.JournalEntry;
import dev.kmodel.kernel.Kernel;
import dev.kmodel.kernel.fork.Fork;
import dev.kmodel.kernel.pid.PidAllocator;
import dev.kmodel.kernel.task.ChildInfo;
import dev.kmodel.kernel.task.ExitState;
import dev.kmodel.kernel.task.Frame;
import dev.kmodel.kernel.task.TaskEvent;
import dev.kmodel.kernel.task.TaskEvent.*;
import dev.kmodel.report.Report.ViolationRow;
import dev.kmodel.uapi.CloneFlags;
import dev.kmodel.uapi.Sig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The oracles of the process tree's lineage, judged on the journal in its order and derived from the
 * kernel's rules, not from the actors' bookkeeping:
 *
 * <ul>
 *   <li>{@code wrong-exit-signal}: the exit_signal a parent's children list holds for a child differs
 *       from the one Linux gives it — the one asked for at fork; for CLONE_PARENT the caller's group
 *       leader's as it is under tasklist_lock when the child is linked; -1 for a thread; SIGCHLD once
 *       the child was reparented outside its father's thread group (reparent_leader), and after every
 *       successful exec (de_thread; a thread that takes the leader's place gets SIGCHLD, not the old
 *       leader's). Judged when the child is put on a children list and when its death reaches it.
 *   <li>{@code wrong-reaper}: an orphan's new parent is not the one find_new_reaper picks — a live
 *       thread of the father's group; else the nearest ancestor process in the father's pid namespace
 *       that is a child subreaper with a live thread (one that was a subreaper before the father began
 *       to exit; a later one is tolerated, prctl may have raced); else the namespace's child reaper,
 *       represented by a live thread of the init's group when its leader has exited.
 *   <li>{@code dead-pidns-task}: a task is attached into a pid namespace after zap_pid_ns_processes
 *       disabled it, or the namespace's init is released while another pid of the namespace (or of a
 *       namespace below it) is still in use: the init must be the last of its namespace to be reaped.
 * </ul>
 */
final class LineageOracles {
    /** What the pass knows of one task. */
    private static final class K {
        final String key;
        int pid;
        int tgid;
        int ns;
        int level;
        String parentKey = "";
        long exitingAt = -1; // PF_EXITING (exit_signals), the seq
        boolean freed;
        boolean demoted; // an old leader a thread's exec took the place of (de_thread)
        boolean attached;
        Integer exitSignal; // as Linux would have it; null: not known

        K(String key) {
            this.key = key;
        }

        boolean liveAt(long seq) {
            return attached && !freed && (exitingAt < 0 || exitingAt > seq);
        }
    }

    /** What find_new_reaper must give a father's children, decided at its ChildrenReparented. */
    private record Expected(long seq, int group, Set<Integer> tolerated, boolean liveInGroup, boolean threadGroup) {}

    private final Map<String, K> tasks = new HashMap<>();
    private final Map<Integer, Set<String>> groups = new HashMap<>(); // tgid → task keys
    private final Map<Integer, Long> subreaperSince = new HashMap<>(); // tgid → seq of prctl(SUBREAPER, 1)
    private final Map<Integer, Integer> nsInitTgid = new HashMap<>(); // pid ns → its init's tgid
    private final Map<String, Expected> reaperOf = new HashMap<>(); // father key → expected reaper
    // The pid namespaces, as the pid allocator's events tell them.
    private final Map<Integer, Integer> nsParent = new HashMap<>();
    private final Map<Integer, Integer> pidNs = new HashMap<>(); // global pid → its namespace
    private final Map<Integer, Set<Integer>> nsPids = new HashMap<>(); // ns → pids in use
    private final Map<Integer, Integer> nsInitPid = new HashMap<>(); // ns → its init's global pid
    private final Map<Integer, Long> zappedAt = new HashMap<>();

    private final List<ViolationRow> v;

    private LineageOracles(ReportBuilder b) {
        this.v = b.violations;
    }

    static void check(ReportBuilder b, List<JournalEntry> journal) {
        LineageOracles o = new LineageOracles(b);
        for (JournalEntry je : journal) {
            Object ev = je.event();
            if (ev instanceof TaskEvent te) o.task(je.ordinal(), je.persistenceId(), te);
            else if (ev instanceof PidAllocator.Event pe) o.pid(je.ordinal(), pe);
        }
    }

    private K k(String key) {
        return tasks.computeIfAbsent(key, K::new);
    }

    private void task(long seq, String key, TaskEvent e) {
        K t = k(key);
        if (e instanceof Created c) {
            t.parentKey = c.init().parentKey();
            if (key.equals(Kernel.INIT_KEY)) {
                t.pid = t.tgid = 1;
                t.attached = true;
                groups.computeIfAbsent(1, x -> new LinkedHashSet<>()).add(key);
            }
        } else if (e instanceof Attached a) {
            t.pid = a.pid();
            t.tgid = a.tgid() == 0 ? a.pid() : a.tgid();
            t.attached = true;
            t.ns = a.ns() == null ? 0 : a.ns().ns();
            t.level = a.ns() == null ? 0 : a.ns().level();
            if (a.link() != null) t.parentKey = a.link().parentKey();
            if (t.ns != 0 && a.ns().vpid() == 1) nsInitTgid.put(t.ns, t.tgid);
            if (key.equals(Kernel.INIT_KEY)) nsInitTgid.put(0, t.tgid);
            groups.computeIfAbsent(t.tgid, x -> new LinkedHashSet<>()).add(key);
        } else if (e instanceof FrameChanged f
                && f.frame() instanceof Frame.Forking fk
                && fk.step() == Fork.At.SIGLOCK) {
            // copy_process holds tasklist_lock: what Linux sets p->exit_signal to, now.
            Integer sig;
            if (fk.thread()) sig = -1;
            else if (fk.has(CloneFlags.CLONE_PARENT)) sig = leaderOf(t).exitSignal;
            else sig = fk.exitSignal();
            k(fk.childKey()).exitSignal = sig;
        } else if (e instanceof FrameChanged f
                && f.frame() instanceof Frame.Execing x
                && x.step() == Exec.At.BPRM_MM_INIT) {
            // de_thread returned 0 (no_thread_group:): "we have changed execution domain", SIGCHLD.
            t.exitSignal = Sig.SIGCHLD;
        } else if (e instanceof PfExitingSet) {
            if (t.exitingAt < 0) t.exitingAt = seq;
        } else if (e instanceof SubreaperSet r) {
            if (r.on()) subreaperSince.putIfAbsent(group(t), seq);
            else subreaperSince.remove(group(t));
        } else if (e instanceof ChildrenReparented c) {
            boolean threadGroup = c.why().equals("thread-group");
            for (String ck : c.children()) {
                K child = k(ck);
                // reparent_leader: "we don't want people slaying init".
                if (!threadGroup && child.exitSignal != null && child.exitSignal >= 0) child.exitSignal = Sig.SIGCHLD;
            }
            reaperOf.put(key, expected(seq, t, threadGroup));
        } else if (e instanceof Reparented r) {
            t.parentKey = r.toKey();
            Expected x = reaperOf.get(r.fromKey());
            if (x != null) judgeReaper(seq, t, r, x);
        } else if (e instanceof ChildAdded
                || e instanceof ChildChanged ch && ch.child().exitState() == ExitState.ZOMBIE) {
            // Judged when the child is linked (fork, reparent, de_thread's takeover) and when its death
            // reaches the parent (do_notify_parent): every change before it was sent under tasklist_lock.
            ChildInfo ci = e instanceof ChildAdded a ? a.child() : ((ChildChanged) e).child();
            K child = tasks.get(ci.key());
            Integer want = child == null ? null : child.exitSignal;
            if (want != null && want != ci.exitSignal()) {
                v.add(new ViolationRow(
                        seq,
                        "wrong-exit-signal",
                        "pid " + ci.pid() + " is on the children list of pid " + t.pid + " with exit signal "
                                + Sig.name(ci.exitSignal()) + ", Linux gives it " + Sig.name(want),
                        List.of(ci.pid())));
            }
        } else if (e instanceof TookLeadership x) {
            // de_thread: tsk->exit_signal = SIGCHLD, not the old leader's (which gets -1); exchange_tids gives
            // it the leader's pid, and it is current->group_leader from now on.
            t.exitSignal = Sig.SIGCHLD;
            t.parentKey = x.from().parentKey();
            t.pid = group(t);
        } else if (e instanceof Demoted) {
            t.exitSignal = -1;
            t.demoted = true;
        } else if (e instanceof TaskStructFreed || e instanceof ForkUndone) {
            t.freed = true;
        }
    }

    private int group(K t) {
        return t.tgid != 0 ? t.tgid : t.pid;
    }

    /** The group leader of {@code t}'s process (current->group_leader), or {@code t}. */
    private K leaderOf(K t) {
        for (String m : groups.getOrDefault(group(t), Set.of())) {
            K x = tasks.get(m);
            if (x != null && x.pid == x.tgid && !x.demoted) return x;
        }
        return t;
    }

    private boolean liveThread(int tgid, long seq, String except) {
        for (String m : groups.getOrDefault(tgid, Set.of())) {
            K x = tasks.get(m);
            if (x != null && !m.equals(except) && x.liveAt(seq)) return true;
        }
        return false;
    }

    /** find_new_reaper for {@code f}, with what the journal says at {@code seq}. */
    private Expected expected(long seq, K f, boolean threadGroup) {
        if (threadGroup || liveThread(group(f), seq, f.key)) {
            return new Expected(seq, group(f), Set.of(), true, true);
        }
        Set<Integer> tolerated = new TreeSet<>();
        Set<String> seen = new HashSet<>();
        K a = tasks.get(f.parentKey);
        while (a != null && a.attached && a.level == f.level && seen.add(a.key) && !a.key.equals(Kernel.INIT_KEY)) {
            int g = group(a);
            Long since = subreaperSince.get(g);
            if (since != null) {
                boolean established = f.exitingAt >= 0 && since < f.exitingAt;
                if (established && liveThread(g, seq, null)) return new Expected(seq, g, tolerated, true, false);
                tolerated.add(g); // a subreaper that prctl made while the father was exiting, or a dying one
            }
            a = tasks.get(a.parentKey);
        }
        Integer init = nsInitTgid.get(f.ns);
        if (init == null) init = 1;
        return new Expected(seq, init, tolerated, liveThread(init, seq, f.key), false);
    }

    private void judgeReaper(long seq, K child, Reparented r, Expected x) {
        K to = tasks.get(r.toKey());
        if (to == null) return;
        int g = group(to);
        String problem = null;
        if (x.threadGroup()) {
            if (g != x.group()) {
                problem = "its father's thread group (tgid " + x.group() + ") has a live thread, yet it went to pid "
                        + r.to();
            }
        } else if (g != x.group() && !x.tolerated().contains(g)) {
            problem = "Linux gives it to tgid " + x.group() + " (nearest live child subreaper in the namespace,"
                    + " else the namespace's child reaper), not pid " + r.to();
        } else if (g == x.group() && x.liveInGroup() && to.exitingAt >= 0 && to.exitingAt < x.seq()) {
            problem = "it went to pid " + r.to() + ", which had exited, while its thread group (tgid " + g
                    + ") has a live thread to be the reaper";
        }
        if (problem != null) {
            v.add(new ViolationRow(
                    seq,
                    "wrong-reaper",
                    "pid " + child.pid + " reparented from pid " + r.from() + " (" + r.why() + "): " + problem,
                    List.of(child.pid)));
        }
    }

    private void pid(long seq, PidAllocator.Event e) {
        if (e instanceof PidAllocator.NsCreated c) {
            nsParent.put(c.ns(), c.parent());
        } else if (e instanceof PidAllocator.PidAllocated a) {
            pidNs.put(a.pid(), a.ns());
            nsPids.computeIfAbsent(a.ns(), x -> new TreeSet<>()).add(a.pid());
            if (a.ns() != 0 && a.nrs().get(a.nrs().size() - 1) == 1) nsInitPid.put(a.ns(), a.pid());
        } else if (e instanceof PidAllocator.NsZapped z) {
            zappedAt.putIfAbsent(z.ns(), seq);
        } else if (e instanceof PidAllocator.PidAttached a) {
            Integer ns = pidNs.get(a.pid());
            if (ns != null && zappedAt.containsKey(ns)) {
                v.add(new ViolationRow(
                        seq,
                        "dead-pidns-task",
                        "pid " + a.pid() + " (" + a.comm() + ") attached in pid namespace " + ns
                                + " after zap_pid_ns_processes disabled it (seq " + zappedAt.get(ns) + ")",
                        List.of(a.pid())));
            }
        } else if (e instanceof PidAllocator.PidFreed f) {
            Integer ns = pidNs.remove(f.pid());
            if (ns == null) return;
            nsPids.getOrDefault(ns, new TreeSet<>()).remove(f.pid());
            if (ns != 0 && nsInitPid.get(ns) != null && nsInitPid.get(ns) == f.pid()) {
                nsInitPid.remove(ns);
                List<Integer> left = new ArrayList<>();
                for (Map.Entry<Integer, Set<Integer>> n : nsPids.entrySet()) {
                    if (within(n.getKey(), ns)) left.addAll(n.getValue());
                }
                if (!left.isEmpty()) {
                    List<Integer> pids = new ArrayList<>(List.of(f.pid()));
                    pids.addAll(left);
                    v.add(new ViolationRow(
                            seq,
                            "dead-pidns-task",
                            "the init of pid namespace " + ns + " (pid " + f.pid() + ") was released while pids " + left
                                    + " of the namespace are still in use",
                            pids));
                }
            }
        }
    }

    /** Is namespace {@code ns} {@code top} or below it? */
    private boolean within(int ns, int top) {
        for (Integer n = ns; n != null && n != 0; n = nsParent.get(n)) {
            if (n == top) return true;
        }
        return top == 0;
    }
}
