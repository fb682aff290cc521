package dev.kmodel.replay;

import dev.kmodel.journal.JournalEntry;
import dev.kmodel.journal.JournalFile;
import dev.kmodel.kernel.Handled;
import dev.kmodel.kernel.locking.LockActor;
import dev.kmodel.kernel.locking.LockClass;
import dev.kmodel.kernel.locking.LockMode;
import dev.kmodel.kernel.rcu.RcuManager;
import dev.kmodel.kernel.sched.Cpu;
import dev.kmodel.kernel.task.ExitState;
import dev.kmodel.kernel.task.TaskEvent;
import dev.kmodel.kernel.task.TaskState;
import dev.kmodel.ledger.LedgerEntry;
import dev.kmodel.ledger.LedgerEvent;
import dev.kmodel.ledger.Ledgered;
import dev.kmodel.report.FreeTimeline;
import dev.kmodel.report.Report;
import dev.kmodel.report.Report.LedgerRow;
import dev.kmodel.report.Report.ResultRow;
import dev.kmodel.report.Report.TaskRow;
import dev.kmodel.report.ReportBuilder;
import dev.kmodel.scenario.Scenario;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Time travel over a recorded journal, with no re-execution: every actor's state at a point of the
 * run is the fold of its events up to that point. {@link #at} shows the machine (tasks, CPUs, the
 * tasklist_lock, RCU, live and freed objects) and optionally one task's own state; {@link #explain}
 * one task's whole life.
 */
public final class Inspect {
    private Inspect() {}

    private static List<JournalEntry> upTo(JournalFile.Loaded l, long seq) {
        return l.entries().stream().filter(e -> e.ordinal() <= seq).toList();
    }

    private static Report report(JournalFile.Loaded l, Scenario sc, long seq, String outcome) {
        List<JournalEntry> es = upTo(l, seq);
        int ids = (int) es.stream().map(JournalEntry::persistenceId).distinct().count();
        return ReportBuilder.build(sc, es, es.size(), ids, outcome, List.of());
    }

    /** The machine at {@code seq}: what was live, held, running, and freed so far. */
    public static List<String> at(JournalFile.Loaded l, Scenario sc, long seq, Integer pid) {
        List<String> out = new ArrayList<>();
        long total = l.events().size();
        Report r = report(l, sc, seq, "at seq " + seq);
        JournalFile.Recorded ev = l.events().get((int) seq - 1);
        out.add("journal " + sc.name() + "  seed " + sc.seed() + "  cpus " + sc.cpus() + "   at seq " + seq + " of "
                + total);
        out.add(
                ev.event() instanceof Handled h
                        ? "the event: " + ev.pid() + " handled message " + h.cause() + " and changed nothing"
                        : "the event: " + ev.pid() + " " + ev.type().replaceFirst(".*\\$", "") + " " + ev.json());
        out.add("");
        out.add("TASKS");
        for (TaskRow t : r.tasks()) {
            out.add(String.format(
                    "  pid %-5d tgid %-5d ppid %-5d %-12s %s", t.pid(), t.tgid(), t.ppid(), t.comm(), t.state()));
        }
        // Fold the CPUs, the lock and RCU up to seq.
        Map<Integer, String> current = new TreeMap<>();
        Map<String, Integer> readers = new TreeMap<>();
        String writer = null;
        List<String> waiters = new ArrayList<>();
        Map<String, List<String>> otherLocks = new TreeMap<>(); // "class instance" → holders (other classes)
        Map<String, List<String>> otherWaiters = new TreeMap<>(); // "class instance" → waiting tasks
        long gp = -1;
        boolean inGp = false;
        int queued = 0;
        int inCurrentGp = 0;
        for (JournalEntry e : upTo(l, seq)) {
            Object x = e.event();
            if (x instanceof Cpu.Switched s && e.persistenceId().matches("cpu\\d+")) {
                current.put(Integer.parseInt(e.persistenceId().substring(3)), s.next());
            } else if (x instanceof LockActor.Event le && !e.persistenceId().equals(LockClass.TASKLIST_LOCK.actor)) {
                String lock = LockClass.ofActor(e.persistenceId()).lockdepName;
                if (le instanceof LockActor.Acquired a) {
                    otherLocks
                            .computeIfAbsent(lock + " " + a.instance(), k -> new ArrayList<>())
                            .add(a.task());
                    if (a.waited())
                        otherWaiters
                                .getOrDefault(lock + " " + a.instance(), new ArrayList<>())
                                .remove(a.task());
                } else if (le instanceof LockActor.Contended c) {
                    otherWaiters
                            .computeIfAbsent(lock + " " + c.instance(), k -> new ArrayList<>())
                            .add(c.task());
                } else if (le instanceof LockActor.Cancelled c) {
                    otherWaiters
                            .getOrDefault(lock + " " + c.instance(), new ArrayList<>())
                            .remove(c.task());
                } else if (le instanceof LockActor.Released rl) {
                    List<String> h = otherLocks.get(lock + " " + rl.instance());
                    if (h != null) h.remove(rl.task());
                    if (h != null && h.isEmpty()) otherLocks.remove(lock + " " + rl.instance());
                }
            } else if (x instanceof LockActor.Contended c) waiters.add(c.task() + " (" + c.mode() + ")");
            else if (x instanceof LockActor.Acquired a) {
                if (a.waited()) waiters.remove(a.task() + " (" + a.mode() + ")");
                if (a.mode() == LockMode.WRITE) writer = a.task();
                else readers.merge(a.task(), 1, Integer::sum);
            } else if (x instanceof LockActor.Released rl) {
                if (rl.mode() == LockMode.WRITE) writer = null;
                else readers.computeIfPresent(rl.task(), (k, n) -> n > 1 ? n - 1 : null);
            } else if (x instanceof RcuManager.CallbackQueued) queued++;
            else if (x instanceof RcuManager.GracePeriodStarted g) {
                gp = g.gp();
                inGp = true;
                inCurrentGp = g.callbacks();
                queued -= g.callbacks();
            } else if (x instanceof RcuManager.GracePeriodEnded) {
                inGp = false;
                inCurrentGp = 0;
            }
        }
        Map<String, Integer> pidOf = new LinkedHashMap<>();
        for (TaskRow t : r.tasks()) pidOf.put(t.key(), t.pid());
        out.add("");
        out.add("CPUS");
        for (int cpu = 0; cpu < sc.cpus(); cpu++) {
            String k = current.get(cpu);
            out.add("  cpu" + cpu + "  "
                    + (k == null ? "idle" : "running pid " + pidOf.getOrDefault(k, 0) + " (" + k + ")"));
        }
        out.add("");
        out.add("TASKLIST_LOCK  "
                + (writer != null
                        ? "held for write by pid " + pidOf.getOrDefault(writer, 0)
                        : readers.isEmpty()
                                ? "free"
                                : "held for read by "
                                        + readers.keySet().stream()
                                                .map(k -> "pid " + pidOf.getOrDefault(k, 0))
                                                .toList())
                + (waiters.isEmpty()
                        ? ""
                        : "; waiting: "
                                + waiters.stream()
                                        .map(w -> {
                                            int sp = w.indexOf(' ');
                                            return "pid " + pidOf.getOrDefault(w.substring(0, sp), 0) + w.substring(sp);
                                        })
                                        .toList()));
        Set<String> named = new TreeSet<>(otherLocks.keySet());
        otherWaiters.forEach((k, w) -> {
            if (!w.isEmpty()) named.add(k);
        });
        for (String lock : named) {
            List<String> held = otherLocks.getOrDefault(lock, List.of());
            List<String> waiting = otherWaiters.getOrDefault(lock, List.of());
            out.add("HELD           " + lock + " by "
                    + held.stream().map(k -> "pid " + pidOf.getOrDefault(k, 0)).toList()
                    + (waiting.isEmpty()
                            ? ""
                            : "; waiting: "
                                    + waiting.stream()
                                            .map(k -> "pid " + pidOf.getOrDefault(k, 0))
                                            .toList()));
        }
        out.add("RCU            "
                + (inGp
                        ? "grace period " + gp + " in progress, " + inCurrentGp + " callbacks wait for it"
                        : "no grace period in progress" + (gp >= 0 ? " (last: " + gp + ")" : ""))
                + "; " + Math.max(0, queued)
                + " callbacks queued for the next one");
        // Objects: live (with their count) and freed so far.
        Map<String, LedgerRow> last = new LinkedHashMap<>();
        Map<String, Integer> freed = new TreeMap<>();
        for (LedgerRow lr : r.ledger()) {
            last.put(lr.object(), lr);
            if (lr.event().equals("free")) freed.merge(lr.type(), 1, Integer::sum);
        }
        Map<String, Integer> live = new TreeMap<>();
        for (LedgerRow lr : last.values()) {
            if (!lr.event().equals("free") && !lr.event().equals("use")) live.merge(lr.type(), 1, Integer::sum);
        }
        out.add("");
        out.add("OBJECTS        live " + live);
        out.add("               freed so far " + freed);
        List<LedgerRow> frees =
                r.ledger().stream().filter(x -> x.event().equals("free")).toList();
        for (LedgerRow f : frees.subList(Math.max(0, frees.size() - 8), frees.size())) {
            out.add(String.format(
                    "    freed %-15s %-28s in %-22s seq %d, CPU %d",
                    f.type(), f.object(), f.function(), f.seq(), f.cpu()));
        }
        // Leaks, deadlocks and unreaped zombies are judged at the end of a run, not at a point in it.
        List<Report.ViolationRow> now = r.violations().stream()
                .filter(v -> !Report.JUDGED_AT_THE_END.contains(v.kind()))
                .toList();
        if (!now.isEmpty()) {
            out.add("");
            out.add("VIOLATIONS SO FAR");
            for (Report.ViolationRow v : now) out.add("  [seq " + v.seq() + "] " + v.kind() + ": " + v.detail());
        }
        if (pid != null) {
            out.add("");
            out.addAll(task(l, r, seq, pid));
        }
        return out;
    }

    /** One task's own state at seq: the fold of its events. */
    private static List<String> task(JournalFile.Loaded l, Report r, long seq, int pid) {
        List<String> out = new ArrayList<>();
        TaskRow row = r.tasks().stream()
                .filter(t -> t.pid() == pid)
                .reduce((a, b) -> b)
                .orElse(null);
        if (row == null) {
            out.add("TASK pid " + pid + ": no task has this pid at seq " + seq);
            return out;
        }
        TaskState s = new TaskState();
        for (JournalEntry e : upTo(l, seq)) {
            if (e.persistenceId().equals(row.key()) && e.event() instanceof TaskEvent te) s.apply(te);
        }
        out.add("TASK pid " + pid + " (" + row.key() + ")  comm " + s.comm + "  state " + s.state
                + (s.exitState == ExitState.NONE ? "" : "  exit_state " + s.exitState)
                + (s.pfExiting ? "  PF_EXITING" : ""));
        out.add("  tgid " + s.tgid + "  ppid " + s.ppid + "  pgid " + s.pgid + "  sid " + s.sid + "  cpu " + s.cpu
                + (s.nsId != 0 ? "  pid namespace " + s.nsId + " as pid " + s.vpid : ""));
        out.add("  in kernel: "
                + (s.op.isEmpty()
                        ? "user mode"
                        : s.op + " (step " + s.step + ")"
                                + (s.frame == null
                                        ? ""
                                        : ", "
                                                + s.frame
                                                        .getClass()
                                                        .getSimpleName()
                                                        .toLowerCase() + " at "
                                                + s.step().name())));
        out.add("  usage " + s.usage + "  rcu_users " + s.rcuUsers + "  mm " + s.mm + "  active_mm " + s.activeMm);
        out.add("  children "
                + s.children.values().stream()
                        .map(c -> c.pid() + (c.exitState() == ExitState.NONE ? "" : ":" + c.exitState()))
                        .toList()
                + (s.threads.isEmpty()
                        ? ""
                        : "  threads "
                                + s.threads.values().stream()
                                        .map(t -> t.tid() + (t.exiting() ? ":exiting" : ""))
                                        .toList()));
        out.add("  pending signals " + s.pending + "  fds "
                + s.fds.stream().filter(Objects::nonNull).count());
        out.add("  objects it owns or holds:");
        Map<String, Owned> last = new LinkedHashMap<>();
        for (Owned o : ledgerOf(l, seq, row.key())) last.put(o.e().object(), o);
        for (Owned o : last.values()) {
            LedgerEntry le = o.e();
            out.add(String.format(
                    "    %-15s %-28s %-6s refcount %-3d (last: %s, seq %d)",
                    le.type(),
                    le.object(),
                    le.event() == LedgerEvent.FREE ? "freed" : "live",
                    le.refcount(),
                    le.function(),
                    o.seq()));
        }
        return out;
    }

    /** A ledger entry with its place in the run. */
    private record Owned(long seq, LedgerEntry e) {}

    /** The ledger entries up to seq about objects task {@code key} owns, or references it took or dropped. */
    private static List<Owned> ledgerOf(JournalFile.Loaded l, long seq, String key) {
        List<Owned> out = new ArrayList<>();
        for (JournalEntry je : l.entries()) {
            if (je.ordinal() > seq) break;
            if (!(je.event() instanceof Ledgered led)) continue;
            for (LedgerEntry le : led.ledger()) {
                if (le.owner().equals(key)
                        || le.holder().equals(key)
                        || le.holder().equals("users:" + key)
                        || le.holder().equals("lazy:" + key)) {
                    out.add(new Owned(je.ordinal(), le));
                }
            }
        }
        return out;
    }

    /** A task's life: each system call and kernel path it went through, each object it allocated, shared, dropped, freed. */
    public static List<String> explain(JournalFile.Loaded l, Scenario sc, int pid) {
        List<String> out = new ArrayList<>();
        long total = l.events().size();
        Report r = report(l, sc, total, "recorded");
        TaskRow row = r.tasks().stream()
                .filter(t -> t.pid() == pid)
                .reduce((a, b) -> b)
                .orElse(null);
        if (row == null) {
            out.add("no task with pid " + pid + " in this journal");
            return out;
        }
        out.add("pid " + pid + " \"" + row.comm() + "\" (" + row.key() + ")   tgid " + row.tgid() + "   ppid "
                + row.ppid() + "   final state " + row.state());
        // A pid can be reused: this is its last task; what came before that task's creation is left out.
        long reused = r.tasks().stream().filter(t -> t.pid() == pid).count();
        long born = l.events().stream()
                .filter(e -> e.pid().equals(row.key()))
                .mapToLong(JournalFile.Recorded::seq)
                .min()
                .orElse(0);
        if (reused > 1) {
            out.add("(pid " + pid + " was used by " + reused + " tasks; this is the last, created at seq " + born
                    + ")");
        }
        out.add("");
        out.add("SYSTEM CALLS");
        for (ResultRow x : r.results()) {
            if (x.pid() != pid || x.start() < born) continue;
            out.add(String.format(
                    "  seq %-5d %-6s %-14s → %s   CPU %d",
                    x.start(),
                    x.seq() == null ? "" : "–" + x.seq(),
                    x.op(),
                    x.seq() == null
                            ? "(never returned)"
                            : x.errno() != null
                                    ? x.errno()
                                    : x.status() != null
                                            ? x.ret() + " status " + x.status().raw()
                                            : String.valueOf(x.ret()),
                    x.cpu()));
        }
        out.add("");
        out.add("OBJECTS (allocated, shared, dropped, freed)");
        for (Owned o : ledgerOf(l, total, row.key())) {
            LedgerEntry le = o.e();
            out.add(String.format(
                    "  seq %-5d %-5s %-15s %-28s refcount %-3d in %-24s CPU %d   %s",
                    o.seq(), le.event(), le.type(), le.object(), le.refcount(), le.function(), le.cpu(), le.path()));
        }
        out.add("");
        if (reused > 1) {
            out.add("(the \"what is freed when\" diagram is drawn per pid; with pid " + pid
                    + " reused, see OBJECTS above)");
        } else {
            out.addAll(FreeTimeline.render(r, pid));
        }
        return out;
    }
}
