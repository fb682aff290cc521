package dev.kmodel.report;

import dev.kmodel.kernel.Kernel;
import dev.kmodel.kernel.task.Frame;
import dev.kmodel.report.Report.BlockedRow;
import dev.kmodel.report.Report.ViolationRow;
import dev.kmodel.report.ReportBuilder.T;
import dev.kmodel.uapi.Sig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Who waits for whom when a run ends, as the kernel's hung-task detector and lockdep would want to
 * know it: each task that still sleeps or is stopped, where it sleeps (the kernel function), and the
 * tasks it waits for. At quiescence nothing can wake such a task any more, so each one is a
 * {@code deadlock}, except init's and kthreadd's idle loops and tasks the scenario lets stay stopped.
 * When a bound stopped the run, the same rows say what was still going on.
 */
final class WaitForGraph {
    private final ReportBuilder b;
    private final Map<Integer, List<T>> groups = new HashMap<>(); // tgid → live threads

    private WaitForGraph(ReportBuilder b) {
        this.b = b;
        for (T t : b.tasks.values()) {
            if (live(t))
                groups.computeIfAbsent(t.tgid == 0 ? t.pid : t.tgid, k -> new ArrayList<>())
                        .add(t);
        }
    }

    /** A task that can still run or wait: not exited, not reaped, not freed. */
    private static boolean live(T t) {
        return t.taskStruct != null
                && !t.freed
                && !t.dead
                && t.pid != 0
                && (t.state.equals("running") || t.state.equals("sleeping") || t.state.equals("stopped"));
    }

    /** init in its reap loop and kthreadd waiting for requests: idle by design, never blocked. */
    private static boolean idleLoop(T t) {
        return (t.key.equals(Kernel.INIT_KEY) && "do_wait".equals(t.sleptIn))
                || (t.key.equals(Kernel.KTHREADD_KEY)
                        && t.state.equals("sleeping")
                        && (t.sleptIn == null || "kthreadd".equals(t.sleptIn))); // (born asleep: never needed)
    }

    /**
     * The rows of a run that ended. {@code quiescent}: the run reached quiescence, so every sleeping
     * or stopped task is blocked for ever; otherwise (a bound stopped it) every live task is listed,
     * running ones too. Deadlocks are added to {@code violations}.
     */
    static List<BlockedRow> build(
            ReportBuilder b,
            boolean quiescent,
            Set<String> mayStayStopped,
            Set<String> waitingForLocks,
            List<ViolationRow> violations) {
        WaitForGraph g = new WaitForGraph(b);
        long end = b.tasks.values().stream().mapToLong(t -> t.lastSeq).max().orElse(0);
        List<BlockedRow> rows = new ArrayList<>();
        Map<Integer, BlockedRow> byPid = new HashMap<>();
        for (T t : b.tasks.values()) {
            if (!live(t) || idleLoop(t) || waitingForLocks.contains(t.key)) continue; // (LockWaits' rows)
            boolean asleep = t.state.equals("sleeping") || t.state.equals("stopped");
            if (quiescent && !asleep) continue; // (cannot happen at quiescence; kept for a partial journal)
            BlockedRow r = g.row(t);
            rows.add(r);
            byPid.put(t.pid, r);
        }
        if (!quiescent) return rows;
        for (BlockedRow r : rows) {
            T t = b.tasks.get(r.key());
            if (t.state.equals("stopped") && mayStayStopped.contains(t.comm)) continue;
            violations.add(new ViolationRow(end, "deadlock", g.describe(r, byPid), List.of(r.pid())));
        }
        return rows;
    }

    /** One task: where it is and whom it waits for. */
    private BlockedRow row(T t) {
        Report.ResultRow call = b.open.get(t.key); // the system call it is in, if any
        String op = call == null ? null : call.op();
        List<T> on = new ArrayList<>();
        String in;
        String why;
        if (t.state.equals("stopped")) {
            in = "do_signal_stop";
            why = "stopped by " + (t.stopSig == 0 ? "a stop signal" : Sig.name(t.stopSig))
                    + "; only a SIGCONT or SIGKILL sent to it would make it run";
        } else if (t.state.equals("sleeping")) {
            in = t.sleptIn == null ? "schedule" : t.sleptIn;
            why = switch (in) {
                case "do_wait" -> {
                    on.addAll(children(t));
                    yield on.isEmpty()
                            ? "in wait4/waitid with no child that could ever change state"
                            : "in wait4/waitid for a child to change state";
                }
                case "wait_for_vfork_done" -> {
                    if (t.frame instanceof Frame.Vforking v) {
                        // (the child's ActorRef is not in an imported journal; its number is)
                        for (T c : b.tasks.values()) {
                            if (live(c) && c.parentKey.equals(t.key) && numberedAs(c, t, v.childVpid())) on.add(c);
                        }
                    }
                    yield "vfork: until the child execs or exits (mm_release → complete_vfork_done)";
                }
                case "wait_for_completion" -> {
                    for (T k : b.tasks.values()) {
                        if (t.key.equals(k.stopRequestedBy) && live(k)) on.add(k);
                    }
                    yield on.isEmpty()
                            ? "kthread_create: until kthreadd creates the thread"
                            : "kthread_stop: until the kernel thread exits";
                }
                case "de_thread" -> {
                    int tgid = t.tgid == 0 ? t.pid : t.tgid;
                    for (T o : groups.getOrDefault(tgid, List.of())) {
                        if (o != t) on.add(o);
                    }
                    // What it waits for already holds: no other thread is left and the old leader is a
                    // zombie (exit_notify should have woken it: notify_count < 0 → group_exec_task).
                    T leader = null;
                    for (T o : b.tasks.values()) {
                        if (o != t && o.pid == tgid && o.state.equals("zombie") && !o.freed) leader = o;
                    }
                    if (on.isEmpty() && leader != null) {
                        on.add(leader);
                        yield "exec: a lost wake-up: what de_thread waits for holds (no other thread is left and"
                                + " the old leader, pid " + leader.pid + ", is a zombie), but nobody woke it";
                    }
                    yield "exec: until the other threads of the group are gone";
                }
                case "zap_pid_ns_processes" -> {
                    // pid_ns->pid_allocated == init_pids: every other task of the namespace is gone (freed).
                    for (T o : b.tasks.values()) {
                        if (o != t && o.ns == t.ns && o.taskStruct != null && !o.freed && o.tgid != t.tgid) on.add(o);
                    }
                    yield "a dying pid namespace's init: until every other task of the namespace is freed"
                            + " (a zombie whose parent is outside it waits for that parent)";
                }
                default -> "asleep in " + in;
            };
        } else {
            in = op != null ? op : "user mode";
            why = op != null ? "in the " + op + " system call (step " + call.step() + ")" : "running";
        }
        return new BlockedRow(
                t.lastSeq,
                t.pid,
                t.comm,
                t.state,
                in,
                op,
                call == null ? null : call.step(),
                on.stream().map(x -> x.pid).toList(),
                why,
                t.key);
    }

    /** The children do_wait could report: of every thread of the waiter's group, matching its pid selector. */
    private List<T> children(T waiter) {
        Set<String> group = new LinkedHashSet<>();
        for (T o : groups.getOrDefault(waiter.tgid == 0 ? waiter.pid : waiter.tgid, List.of(waiter))) group.add(o.key);
        group.add(waiter.key);
        long sel = waiter.frame instanceof Frame.Waiting w ? w.pid() : -1;
        List<T> kids = new ArrayList<>();
        for (T c : b.tasks.values()) {
            if (c.taskStruct == null || c.freed || c.pid == 0 || !group.contains(c.parentKey)) continue;
            if (c.state.equals("dead") || c.state.equals("freed")) continue;
            if (sel > 0 && !numberedAs(c, waiter, sel)) continue; // (0 and < -1 name groups: any child may be in it)
            kids.add(c);
        }
        return kids;
    }

    /** Does {@code c} have number {@code nr} in {@code waiter}'s pid namespace (conservatively yes when unknown)? */
    private static boolean numberedAs(T c, T waiter, long nr) {
        if (waiter.ns == 0) return c.pid == nr; // the init namespace numbers every task
        if (waiter.ns == c.ns) return c.nsPid == nr;
        return true; // a child in a namespace below the waiter's: its number there is not in the fold
    }

    /** The violation's detail: the task, where it sleeps, what it waits for, and any cycle it is on. */
    private String describe(BlockedRow r, Map<Integer, BlockedRow> byPid) {
        StringBuilder s = new StringBuilder("pid " + r.pid() + " (" + r.comm() + ") ");
        s.append(r.state().equals("stopped") ? "is stopped" : "sleeps in " + r.in());
        s.append(" for ever: ").append(r.why());
        if (!r.waitsFor().isEmpty()) {
            s.append("; waits for");
            for (int pid : r.waitsFor()) {
                BlockedRow o = byPid.get(pid);
                s.append(" pid ").append(pid);
                s.append(
                        o == null
                                ? ""
                                : " (" + o.comm() + ", " + (o.state().equals("stopped") ? "stopped" : "in " + o.in())
                                        + ")");
            }
        }
        List<Integer> cycle = cycleFrom(r, byPid);
        if (cycle != null) {
            s.append("; cycle:");
            for (int pid : cycle) s.append(" ").append(pid).append(" →");
            s.append(" ").append(cycle.get(0));
        }
        return s.toString();
    }

    /** A cycle of waits through {@code r}, or null (depth-first over the rows' edges). */
    private static List<Integer> cycleFrom(BlockedRow r, Map<Integer, BlockedRow> byPid) {
        List<Integer> path = new ArrayList<>();
        return walk(r, r.pid(), path, new LinkedHashSet<>(), byPid) ? path : null;
    }

    private static boolean walk(
            BlockedRow at, int start, List<Integer> path, Set<Integer> seen, Map<Integer, BlockedRow> byPid) {
        path.add(at.pid());
        seen.add(at.pid());
        for (int next : at.waitsFor()) {
            if (next == start) return true;
            BlockedRow n = byPid.get(next);
            if (n != null && !seen.contains(next) && walk(n, start, path, seen, byPid)) return true;
        }
        path.remove(path.size() - 1);
        return false;
    }
}
