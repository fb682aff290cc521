package dev.kmodel.report;

import dev.kmodel.report.Report.LockRow;
import java.util.ArrayList;
import java.util.List;

/**
 * The locks one lifecycle took, in the run's order: which task, on which CPU, which lock (class and
 * instance), which side, along which kernel path, and whether it had to wait. The demo shows it for the
 * child's fork, exit and reaping; docs/locking.md explains the order.
 */
public final class LockTimeline {
    private LockTimeline() {}

    /** The rows of the locks taken by {@code pids} between the fork of {@code child} and its end. */
    public static List<String> render(Report r, int parent, int child) {
        List<String> out = new ArrayList<>();
        out.add("LOCKS: the child's (pid " + child + ") fork, exit and reaping, as taken (docs/locking.md)");
        out.add(String.format("  %-7s %-4s %-5s %-26s %-5s %s", "seq", "cpu", "pid", "lock", "side", "kernel path"));
        Report.TaskRow c =
                r.tasks().stream().filter(t -> t.pid() == child).findFirst().orElse(null);
        if (c == null) return out;
        boolean forked = false;
        for (LockRow l : r.locks()) {
            boolean byParent = l.pid() == parent;
            if (!forked && byParent && l.path().contains("copy_process")) forked = true;
            if (!forked) continue;
            if (l.pid() != parent && l.pid() != child) continue;
            if (byParent && l.path().contains("copy_process") && out.size() > 2 && !isFork(out)) break; // the next fork
            out.add(String.format(
                    "  %-7d %-4d %-5d %-26s %-5s %s%s",
                    l.seq(),
                    l.cpu(),
                    l.pid(),
                    l.lock(),
                    l.mode(),
                    l.path(),
                    l.contended() ? "  (waited for pid " + l.heldBy() + ")" : ""));
        }
        return out;
    }

    /** Are the rows so far still the first fork's? */
    private static boolean isFork(List<String> out) {
        for (int i = 2; i < out.size(); i++) if (!out.get(i).contains("copy_process")) return false;
        return true;
    }
}
