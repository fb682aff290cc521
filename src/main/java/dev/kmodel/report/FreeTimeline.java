package dev.kmodel.report;

import dev.kmodel.report.Report.GraceRow;
import dev.kmodel.report.Report.LedgerRow;
import dev.kmodel.report.Report.ResultRow;
import dev.kmodel.report.Report.SignalRow;
import dev.kmodel.report.Report.TaskRow;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Seed 000's diagram, "what is freed when", filled in from a run for one task: each stage of its end
 * with the objects freed there, the kernel function, the CPU and the seq.
 */
public final class FreeTimeline {
    private FreeTimeline() {}

    public static List<String> render(Report r, int pid) {
        List<String> out = new ArrayList<>();
        TaskRow t = r.tasks().stream()
                .filter(x -> x.pid() == pid)
                .reduce((a, b) -> b)
                .orElse(null);
        if (t == null) {
            out.add("no task with pid " + pid);
            return out;
        }
        List<LedgerRow> mine = r.ledger().stream().filter(l -> l.owner() == pid).toList();
        ResultRow exit = r.results().stream()
                .filter(x -> x.pid() == pid && x.seq() == null)
                .findFirst()
                .orElse(null);
        SignalRow sigchld = r.signals().stream()
                .filter(s -> s.from() == pid && s.sig().equals("SIGCHLD"))
                .findFirst()
                .orElse(null);
        ResultRow reap = r.results().stream()
                .filter(x -> x.op().equals("wait4") && x.ret() != null && x.ret() == pid)
                .findFirst()
                .orElse(null);
        String rule = "─".repeat(78);

        boolean exited = Set.of("zombie", "dead", "freed").contains(t.state());
        if (!exited) {
            // A task still alive at the end has no exit story to tell: where it is, and what it still holds.
            out.add("pid " + pid + " \"" + t.comm() + "\" has not exited: " + t.state() + " at the end of the run"
                    + (exit == null
                            ? ""
                            : ", in " + exit.op() + " since seq " + exit.start() + " (CPU " + exit.cpu() + ")")
                    + "; replay --pid " + pid + " shows where it waits");
        } else {
            exitTimeline(out, r, pid, t, mine, exit, sigchld, reap, rule);
        }
        Map<String, LedgerRow> last = new LinkedHashMap<>();
        Map<String, LedgerRow> first = new LinkedHashMap<>();
        for (LedgerRow l : mine) {
            last.put(l.object(), l);
            first.putIfAbsent(l.object(), l);
        }
        List<String> alive = new ArrayList<>();
        for (LedgerRow l : last.values()) {
            if (!l.event().equals("free")) {
                String held = l.type().equals("mm_struct")
                        ? heldLazily(r, l.object())
                        : first.get(l.object()).function().equals("mm_alloc_pgd")
                                ? " — the PGD: __mmdrop frees it with the mm_struct"
                                : "";
                alive.add(l.type() + " " + l.object() + " (refcount " + l.refcount() + ")" + held);
            }
        }
        out.add(rule);
        if (alive.isEmpty()) {
            out.add("  ✓ everything allocated for pid " + pid + " is freed");
        } else {
            out.add("  still allocated at the end of the run:");
            for (String a : alive) out.add("    • " + a);
        }
        out.add(rule);
        return out;
    }

    /** The exit of a task that exited: do_exit, the last switch, the reap or release, the RCU callbacks. */
    private static void exitTimeline(
            List<String> out,
            Report r,
            int pid,
            Report.TaskRow t,
            List<LedgerRow> mine,
            ResultRow exit,
            SignalRow sigchld,
            ResultRow reap,
            String rule) {
        out.add("CHILD CALLS exit()   pid " + pid + " \"" + t.comm() + "\""
                + (exit == null ? "" : "   seq " + exit.start() + ", CPU " + exit.cpu()));
        out.add(rule);
        out.add("do_exit()");
        stage(out, mine, l -> l.path().startsWith("do_exit/exit_mm"), "  ├── exit_mm → mmput → exit_mmap");
        stage(out, mine, l -> l.path().startsWith("do_exit/exit_sem"), "  ├── exit_sem");
        stage(out, mine, l -> l.path().startsWith("do_exit/exit_files"), "  ├── exit_files → put_files_struct");
        stage(out, mine, l -> l.path().startsWith("do_exit/exit_fs"), "  ├── exit_fs");
        stage(out, mine, l -> l.path().startsWith("do_exit/exit_task_work"), "  ├── exit_task_work (deferred __fput)");
        out.add("  ├── exit_notify → "
                + (t.state().equals("freed") && reap == null ? "EXIT_DEAD (autoreaped)" : "EXIT_ZOMBIE")
                + (sigchld == null ? "" : "   SIGCHLD to pid " + sigchld.to() + " at seq " + sigchld.seq()));
        out.add("  └── do_task_dead → schedule()");
        out.add("");
        out.add("finish_task_switch()   (the CPU switches away from the dead task)");
        out.add(rule);
        stage(out, mine, l -> l.path().contains("finish_task_switch"), "  ");
        Report.RcuCallbackRow putTask = queued(r, mine, "task_struct", "delayed_put_task_struct");
        if (putTask != null) {
            out.add(
                    putTask.pid() == 0
                            ? "  │     put_task_struct_rcu_user: rcu_users 1 → 0, call_rcu(delayed_put_task_struct)   seq "
                                    + putTask.seq() + ", CPU " + putTask.cpu()
                            : "  │     put_task_struct_rcu_user: rcu_users 2 → 1 (release_task drops the last)");
        }
        out.add("");
        if (reap != null) {
            out.add("PARENT CALLS wait4()   pid " + reap.pid() + " \"" + reap.comm() + "\"   seq " + reap.start() + "–"
                    + reap.seq() + ", CPU " + reap.cpu() + ", status "
                    + (reap.status() == null ? "" : reap.status().raw()));
            out.add(rule);
            out.add("wait4() → wait_task_zombie(): xchg EXIT_ZOMBIE → EXIT_DEAD, copy exit code, release_task()");
        } else {
            out.add("RELEASED WITHOUT wait4()");
            out.add(rule);
        }
        releaseTask(out, pid, mine, queued(r, mine, "pid", "delayed_put_pid"), putTask);
        out.add("");
        List<LedgerRow> rcuTask = mine.stream()
                .filter(l -> l.path().contains("delayed_put_task_struct"))
                .toList();
        if (!rcuTask.isEmpty()) {
            long freeSeq = rcuTask.get(0).seq();
            GraceRow g = r.graces().stream()
                    .filter(x -> x.end() != null && x.end() < freeSeq)
                    .reduce((a, b) -> b)
                    .orElse(null);
            out.add("RCU GRACE PERIOD"
                    + (g == null
                            ? ""
                            : "   gp " + g.gp() + ", seq " + g.start() + "–" + g.end()
                                    + ": every CPU passed a quiescent state"));
            out.add(rule);
            out.add("RCU CALLBACK delayed_put_task_struct() → put_task_struct() → __put_task_struct() → free_task()");
            stage(out, mine, l -> l.path().contains("delayed_put_task_struct"), "  ");
        }
        stage(out, mine, l -> l.path().contains("put_cred_rcu"), "RCU CALLBACK put_cred_rcu() (one more grace period)");
        stage(out, mine, l -> l.path().contains("delayed_put_pid"), "RCU CALLBACK delayed_put_pid() → put_pid()");
        out.add("");
    }

    /** Objects clone's sharing flags share between the threads of a group. */
    private static final List<String> SHARED =
            List.of("files_struct", "fs_struct", "sighand_struct", "signal_struct", "sem_undo_list");

    /**
     * A thread group's shared objects: each reference a thread took (copy_process), each it dropped,
     * and who dropped the last one, where and when; then the leader's delayed end.
     */
    public static List<String> renderGroup(Report r, int tgid) {
        List<String> out = new ArrayList<>();
        String rule = "─".repeat(78);
        List<TaskRow> members = r.tasks().stream().filter(t -> t.tgid() == tgid).toList();
        if (members.isEmpty()) {
            out.add("no thread group " + tgid);
            return out;
        }
        Map<String, Integer> pidOfKey = new LinkedHashMap<>();
        for (TaskRow t : r.tasks()) pidOfKey.put(t.key(), t.pid());
        out.add("A THREAD GROUP   tgid " + tgid + " \"" + members.get(0).comm() + "\"   threads "
                + members.stream().map(t -> String.valueOf(t.pid())).toList());
        out.add(rule);
        List<LedgerRow> shared = r.ledger().stream()
                .filter(l -> l.owner() == tgid && SHARED.contains(l.type()))
                .toList();
        Map<String, List<LedgerRow>> byObject = new LinkedHashMap<>();
        for (LedgerRow l : shared)
            byObject.computeIfAbsent(l.object(), k -> new ArrayList<>()).add(l);
        for (List<LedgerRow> rows : byObject.values()) {
            LedgerRow first = rows.get(0);
            out.add("  " + first.type() + "   " + first.object());
            for (LedgerRow l : rows) {
                String who = "pid " + pidOfKey.getOrDefault(l.holder(), 0);
                String what = switch (l.event()) {
                    case "alloc" -> "allocated by " + who;
                    case "get" -> "shared with " + who + " → refcount " + l.refcount();
                    case "put" -> "dropped by " + who + " → refcount " + l.refcount();
                    default -> "FREED: the last reference, dropped by " + who;
                };
                out.add(String.format("  │     %-44s in %-22s seq %d, CPU %d", what, l.function(), l.seq(), l.cpu()));
            }
        }
        for (Report.GroupRow g : r.threadGroups()) {
            if (g.tgid() != tgid) continue;
            out.add(String.format("  %-16s seq %-6d pids %s — %s", g.event(), g.seq(), g.pids(), g.detail()));
        }
        out.add(rule);
        return out;
    }

    /**
     * release_task (kernel/exit.c) in mainline's order: under write_lock(tasklist_lock) __exit_signal
     * (__unhash_process, __exit_sighand → __cleanup_sighand); then free_pids, release_thread (an
     * architecture hook, empty by default since v6.1) and put_task_struct_rcu_user, whose last
     * rcu_users reference queues call_rcu(delayed_put_task_struct).
     */
    private static void releaseTask(
            List<String> out,
            int pid,
            List<LedgerRow> mine,
            Report.RcuCallbackRow putPid,
            Report.RcuCallbackRow putTask) {
        out.add("  release_task()");
        out.add("  ├── __exit_signal → __unhash_process (detach_pid), __exit_sighand → __cleanup_sighand");
        stage(out, mine, l -> l.path().contains("/release_task/__exit_signal"), "");
        out.add("  ├── free_pids → free_pid: pid " + pid + " can be allocated again"
                + (putPid == null
                        ? ""
                        : "; call_rcu(delayed_put_pid)   seq " + putPid.seq() + ", CPU " + putPid.cpu()));
        out.add("  ├── release_thread()   an architecture hook, empty on x86-64 (__weak in kernel/exit.c)");
        if (putTask != null && putTask.pid() != 0) {
            out.add("  └── put_task_struct_rcu_user: rcu_users 1 → 0, call_rcu(delayed_put_task_struct)   seq "
                    + putTask.seq() + ", CPU " + putTask.cpu());
        } else {
            out.add("  └── put_task_struct_rcu_user: rcu_users 2 → 1 (finish_task_switch "
                    + (putTask == null
                            ? "drops the last)"
                            : "dropped the last, and queued call_rcu(delayed_put_task_struct))"));
        }
    }

    /** The call_rcu of {@code function} for this task's object of {@code type}, or null. */
    private static Report.RcuCallbackRow queued(Report r, List<LedgerRow> mine, String type, String function) {
        String object = mine.stream()
                .filter(l -> l.type().equals(type) && l.event().equals("alloc"))
                .map(LedgerRow::object)
                .reduce((a, b) -> b)
                .orElse(null);
        return object == null
                ? null
                : r.rcuCallbacks().stream()
                        .filter(c -> c.function().equals(function) && c.object().equals(object))
                        .reduce((a, b) -> b)
                        .orElse(null);
    }

    private static String heldLazily(Report r, String mm) {
        return r.cpuStats().stream()
                .filter(c -> mm.equals(c.lazyMm()))
                .map(c -> " — the lazy-TLB active_mm of idle CPU " + c.cpu()
                        + "; freed when that CPU next switches to a user task")
                .findFirst()
                .orElse("");
    }

    /** One stage: the frees (and final drops) matching {@code where}, grouped by type and function. */
    private static void stage(List<String> out, List<LedgerRow> rows, Predicate<LedgerRow> where, String title) {
        Map<String, List<LedgerRow>> groups = new LinkedHashMap<>();
        for (LedgerRow l : rows) {
            if (!where.test(l)) continue;
            if (!l.event().equals("free")
                    && !(l.type().equals("mm_struct") || l.type().equals("file"))) continue;
            groups.computeIfAbsent(l.type() + "|" + l.event() + "|" + l.function(), k -> new ArrayList<>())
                    .add(l);
        }
        if (groups.isEmpty()) return;
        if (!title.isBlank()) out.add(title);
        for (List<LedgerRow> g : groups.values()) {
            LedgerRow f = g.get(0);
            LedgerRow z = g.get(g.size() - 1);
            String counter = f.holder() != null && f.holder().startsWith("users:") ? "mm_users" : "refcount";
            String what = f.event().equals("free") ? "freed" : f.event() + " → " + counter + " " + z.refcount();
            String seq = f.seq() == z.seq() ? "seq " + f.seq() : "seq " + f.seq() + "–" + z.seq();
            out.add(String.format(
                    "  │     %-15s ×%-3d %-22s in %-24s %s, CPU %d",
                    f.type(), g.size(), what, f.function(), seq, f.cpu()));
        }
    }
}
