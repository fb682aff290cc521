package dev.kmodel.cli;

import dev.kmodel.report.Report;
import dev.kmodel.report.Report.FailedForkRow;
import dev.kmodel.report.Report.TaskRow;
import dev.kmodel.report.Report.ViolationRow;
import java.io.File;
import java.io.PrintStream;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The human summary of a run, a screen long whatever the run's size. A small run (at most
 * {@value #LIST_EVERY_TASK_UP_TO} tasks) lists every task, as students read it; a bigger one counts its
 * tasks by state and by comm and shows the first {@value #FIRST} rows; the report has every row.
 * Violations likewise: every one up to {@value #LIST_EVERY_VIOLATION_UP_TO}, else counts by kind and the
 * first {@value #FIRST}.
 */
final class Summary {
    static final int LIST_EVERY_TASK_UP_TO = 40;
    static final int LIST_EVERY_VIOLATION_UP_TO = 20;
    static final int FIRST = 10;
    private static final int COMMS_NAMED = 8;
    private static final List<String> STATES = List.of("running", "sleeping", "stopped", "zombie", "dead", "freed");

    private Summary() {}

    /** {@code reportFile}: where the full report is written (null: nowhere). */
    static void print(Report r, PrintStream out, File reportFile) {
        String where = reportFile != null ? "in " + reportFile.getPath() : "in the report (--report R.json)";
        out.printf(
                "scenario %s  seed %d  cpus %d  outcome %s  (%d events)%n",
                r.scenario(), r.seed(), r.cpus(), r.outcome(), r.journal().events());
        List<TaskRow> tasks = r.tasks();
        if (tasks.size() <= LIST_EVERY_TASK_UP_TO) {
            out.println("tasks:");
            for (TaskRow t : tasks) task(out, t);
        } else {
            out.printf(
                    "tasks: %d (%s)  by comm: %s%n",
                    tasks.size(), byState(tasks), counts(tasks, TaskRow::comm, COMMS_NAMED));
            out.printf("first %d:%n", FIRST);
            for (TaskRow t : tasks.subList(0, FIRST)) task(out, t);
            out.printf("  … %d more tasks %s%n", tasks.size() - FIRST, where);
        }
        List<FailedForkRow> failed = r.failedForks();
        if (!failed.isEmpty()) {
            out.printf(
                    "failed forks: %d (%s) by comm: %s; copy_process unwound, no task (failed_forks %s)%n",
                    failed.size(),
                    counts(failed, FailedForkRow::errno, COMMS_NAMED),
                    counts(failed, FailedForkRow::comm, COMMS_NAMED),
                    where);
        }
        long contended = r.locks().stream().filter(Report.LockRow::contended).count();
        long tasklist =
                r.locks().stream().filter(l -> l.lock().equals("tasklist_lock")).count();
        out.printf(
                "system calls: %d   ledger entries: %d   grace periods: %d   locks: %d taken (tasklist_lock %d), %d"
                        + " contended%n",
                r.results().size(),
                r.ledger().size(),
                r.graces().size(),
                r.locks().size(),
                tasklist,
                contended);
        if (r.stopped() != null) {
            out.printf(
                    "stopped by %s (%s): %s%n",
                    r.stopped().by(), r.stopped().limit(), r.stopped().detail());
        }
        blocked(out, r, where);
        List<ViolationRow> violations = r.violations();
        if (violations.isEmpty()) return;
        if (violations.size() <= LIST_EVERY_VIOLATION_UP_TO) {
            out.println("violations:");
            for (ViolationRow v : violations) violation(out, v);
        } else {
            out.printf(
                    "violations: %d (%s); the first %d:%n",
                    violations.size(), counts(violations, ViolationRow::kind, Integer.MAX_VALUE), FIRST);
            for (ViolationRow v : violations.subList(0, FIRST)) violation(out, v);
            out.printf("  … %d more violations %s%n", violations.size() - FIRST, where);
        }
        lockdep(out, r, where);
    }

    /** lockdep's first report in full, as the kernel prints it; the others are in the report. */
    private static void lockdep(PrintStream out, Report r, String where) {
        if (r.lockdep().isEmpty()) return;
        out.println();
        for (String line : r.lockdep().get(0).text()) out.println(line);
        if (r.lockdep().size() > 1) {
            out.printf("%n… %d more lockdep reports (lockdep) %s%n", r.lockdep().size() - 1, where);
        }
    }

    /** The wait-for graph's rows: what still ran when a bound stopped the run, or who is blocked for ever. */
    private static void blocked(PrintStream out, Report r, String where) {
        List<Report.BlockedRow> rows = r.blocked();
        if (rows.isEmpty()) return;
        out.println(r.stopped() != null ? "still running:" : "blocked:");
        int shown = rows.size() <= LIST_EVERY_VIOLATION_UP_TO ? rows.size() : FIRST;
        for (Report.BlockedRow b : rows.subList(0, shown)) {
            out.printf(
                    "  pid %-5d %-12s %-8s in %s%s%n",
                    b.pid(),
                    b.comm(),
                    b.state(),
                    b.in(),
                    b.waitsFor().isEmpty()
                            ? ""
                            : ", waits for pid "
                                    + String.join(
                                            ", ",
                                            b.waitsFor().stream()
                                                    .map(String::valueOf)
                                                    .toList()));
        }
        if (shown < rows.size()) out.printf("  … %d more (blocked) %s%n", rows.size() - shown, where);
    }

    private static void task(PrintStream out, TaskRow t) {
        out.printf(
                "  pid %-5d ppid %-5d %-12s %-8s%s%n",
                t.pid(),
                t.ppid(),
                t.comm(),
                t.state(),
                t.exitCode() != null
                        ? " exit " + t.exitCode()
                        : t.exitSignal() != null ? " killed by " + t.exitSignal() : "");
    }

    private static void violation(PrintStream out, ViolationRow v) {
        out.printf("  [seq %d] %s: %s%n", v.seq(), v.kind(), v.detail());
    }

    /** "32765 zombie, 1 sleeping": the states present, in the order a task goes through them. */
    private static String byState(List<TaskRow> tasks) {
        Map<String, Integer> n = new TreeMap<>(
                Comparator.comparingInt((String s) -> STATES.indexOf(s) < 0 ? STATES.size() : STATES.indexOf(s))
                        .thenComparing(s -> s));
        for (TaskRow t : tasks) n.merge(t.state(), 1, Integer::sum);
        StringBuilder sb = new StringBuilder();
        n.forEach((state, k) ->
                sb.append(sb.length() == 0 ? "" : ", ").append(k).append(' ').append(state));
        return sb.toString();
    }

    /** "bomb 32765, init 1": the most frequent first, at most {@code named} of them, then how many more. */
    private static <R> String counts(List<R> rows, Function<R, String> key, int named) {
        Map<String, Integer> n = new LinkedHashMap<>();
        for (R row : rows) n.merge(String.valueOf(key.apply(row)), 1, Integer::sum);
        List<Map.Entry<String, Integer>> sorted = n.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                .toList();
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, Integer> e : sorted.subList(0, Math.min(named, sorted.size()))) {
            sb.append(sb.length() == 0 ? "" : ", ")
                    .append(e.getKey())
                    .append(' ')
                    .append(e.getValue());
        }
        if (sorted.size() > named)
            sb.append(", … ").append(sorted.size() - named).append(" more");
        return sb.toString();
    }
}
