package dev.kmodel.report;

import dev.kmodel.kernel.locking.LockActor;
import dev.kmodel.kernel.locking.LockClass;
import dev.kmodel.report.Report.BlockedRow;
import dev.kmodel.report.Report.ViolationRow;
import dev.kmodel.report.ReportBuilder.T;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Who holds and who waits for each lock, folded from the lock actors' journals. When a run has
 * reached quiescence a task still waiting for a lock waits for ever (nothing in flight can release
 * it): each is a {@code deadlock}, named with the lock it spins (or sleeps) on, the CPU, what it holds
 * and who holds what it wants; a cycle of such waits is named as the cycle — the deadlock lockdep
 * predicts, happening.
 */
final class LockWaits {
    private record Waiter(String task, int pid, int cpu, String path, boolean sleeps) {}

    private static final class Lock {
        final LockClass cls;
        final String instance;
        final Map<String, Integer> holders = new LinkedHashMap<>(); // task → holds
        final List<Waiter> waiters = new ArrayList<>();

        Lock(LockClass cls, String instance) {
            this.cls = cls;
            this.instance = instance;
        }

        String name() {
            return cls.lockdepName + " (" + instance + ")";
        }
    }

    private final Map<String, Lock> locks = new LinkedHashMap<>();

    void fold(LockClass cls, LockActor.Event e) {
        if (e instanceof LockActor.Contended c) {
            lock(cls, c.instance()).waiters.add(new Waiter(c.task(), c.pid(), c.cpu(), c.path(), cls.sleeps()));
        } else if (e instanceof LockActor.Acquired a) {
            Lock l = lock(cls, a.instance());
            if (a.waited()) l.waiters.removeIf(w -> w.task().equals(a.task()));
            l.holders.merge(a.task(), 1, Integer::sum);
        } else if (e instanceof LockActor.Cancelled c) {
            lock(cls, c.instance()).waiters.removeIf(w -> w.task().equals(c.task()));
        } else if (e instanceof LockActor.Released r) {
            Lock l = lock(cls, r.instance());
            l.holders.computeIfPresent(r.task(), (k, n) -> n > 1 ? n - 1 : null);
            if (l.holders.isEmpty() && l.waiters.isEmpty()) locks.remove(cls.actor + " " + r.instance());
        }
    }

    private Lock lock(LockClass cls, String instance) {
        return locks.computeIfAbsent(cls.actor + " " + instance, k -> new Lock(cls, instance));
    }

    /** Did anybody wait for a lock at the end? */
    boolean any() {
        return locks.values().stream().anyMatch(l -> !l.waiters.isEmpty());
    }

    /**
     * One row per task waiting for a lock, and (at quiescence) a deadlock per wait, naming the cycle
     * when the waits close one. {@code held}: what each task held at the end (lockdep's stacks).
     */
    List<BlockedRow> build(ReportBuilder b, Lockdep held, boolean quiescent, List<ViolationRow> violations, long end) {
        Map<String, Lock> waitsOn = new LinkedHashMap<>();
        Map<String, Waiter> how = new LinkedHashMap<>();
        for (Lock l : locks.values()) {
            for (Waiter w : l.waiters) {
                waitsOn.put(w.task(), l);
                how.put(w.task(), w);
            }
        }
        List<BlockedRow> rows = new ArrayList<>();
        Set<String> inCycle = new HashSet<>();
        for (String task : waitsOn.keySet()) {
            List<String> cycle = cycleFrom(task, waitsOn);
            if (cycle != null && inCycle.addAll(cycle) && quiescent) {
                violations.add(
                        new ViolationRow(end, "deadlock", describeCycle(b, held, cycle, waitsOn, how), pids(b, cycle)));
            }
        }
        for (Map.Entry<String, Lock> e : waitsOn.entrySet()) {
            String task = e.getKey();
            Lock l = e.getValue();
            Waiter w = how.get(task);
            T t = b.tasks.get(task);
            List<Integer> holders = l.holders.keySet().stream().map(b::pidOf).toList();
            String why = (w.sleeps() ? "sleeps" : "spins on cpu" + w.cpu()) + " waiting for " + l.name()
                    + " held by pids " + holders + "; holds " + held.heldBy(task);
            Report.ResultRow call = b.open.get(task);
            rows.add(new BlockedRow(
                    t == null ? end : t.lastSeq,
                    w.pid(),
                    t == null ? task : t.comm,
                    w.sleeps() ? "sleeping" : "running",
                    (w.sleeps() ? "sleeping on " : "spinning on ") + l.cls.lockdepName + " in " + w.path(),
                    call == null ? null : call.op(),
                    call == null ? null : call.step(),
                    holders,
                    why,
                    task));
            if (quiescent && !inCycle.contains(task)) {
                violations.add(new ViolationRow(
                        end,
                        "deadlock",
                        task + " (pid " + w.pid() + ") " + why + ", which nothing will release",
                        List.of(w.pid())));
            }
        }
        if (quiescent) stuckHolders(b, held, waitsOn, violations, end);
        return rows;
    }

    /**
     * A holder of a spinning lock (a spinlock or an rwlock) that waits for no lock at quiescence. Linux
     * never sleeps or returns to user space holding one (lockdep's might_sleep and
     * lockdep_sys_exit checks): its holder is always running its critical section on its CPU. With nothing
     * in flight the model's holder can then only be waiting for an answer that nothing will send (a lost
     * message of the model), or asleep / dead holding it: either way the lock is never released, and the
     * tasks that spin on it are not the cause. (Sleeping locks are left out: de_thread sleeps holding
     * cred_guard_mutex in Linux too.)
     */
    private void stuckHolders(
            ReportBuilder b, Lockdep held, Map<String, Lock> waitsOn, List<ViolationRow> violations, long end) {
        Set<String> named = new HashSet<>();
        for (Lock l : locks.values()) {
            if (l.cls.sleeps()) continue;
            for (String task : l.holders.keySet()) {
                if (waitsOn.containsKey(task)) continue; // (a wait of its own: the rows above name it)
                if (!named.add(task)) continue; // (one row per task: it names all it holds)
                T t = b.tasks.get(task);
                int pid = b.pidOf(task);
                String where = t == null
                        ? "unknown"
                        : t.state
                                + (t.frame == null
                                        ? ""
                                        : ", its kernel path waiting at "
                                                + t.frame.step().name());
                violations.add(new ViolationRow(
                        end,
                        "deadlock",
                        task + " (pid " + pid + ") holds " + l.name() + " at quiescence and waits for no lock ("
                                + where + "; holds " + held.heldBy(task) + "): a spinning lock's holder never"
                                + " sleeps, so the answer its path waits for was lost and it will never release it",
                        List.of(pid)));
            }
        }
    }

    /** Following "waits for a lock held by" from {@code start}: the cycle it falls into, if it comes back. */
    private static List<String> cycleFrom(String start, Map<String, Lock> waitsOn) {
        List<String> path = new ArrayList<>();
        String at = start;
        while (at != null && !path.contains(at)) {
            path.add(at);
            Lock l = waitsOn.get(at);
            if (l == null) return null;
            String next = null;
            for (String h : l.holders.keySet()) {
                if (!h.equals(at) && waitsOn.containsKey(h)) {
                    next = h;
                    break;
                }
                if (h.equals(at)) next = h; // it waits for a lock it holds itself (an interrupt on its own CPU)
            }
            at = next;
        }
        if (at == null) return null;
        return path.subList(path.indexOf(at), path.size());
    }

    private static String describeCycle(
            ReportBuilder b, Lockdep held, List<String> cycle, Map<String, Lock> waitsOn, Map<String, Waiter> how) {
        StringBuilder s = new StringBuilder("lock wait-for cycle: ");
        for (int i = 0; i < cycle.size(); i++) {
            String task = cycle.get(i);
            Waiter w = how.get(task);
            Lock l = waitsOn.get(task);
            if (i > 0) s.append("; ");
            s.append(task)
                    .append(" (pid ")
                    .append(w.pid())
                    .append(", cpu")
                    .append(w.cpu())
                    .append(") holds ")
                    .append(held.heldBy(task))
                    .append(" and ")
                    .append(w.sleeps() ? "sleeps" : "spins")
                    .append(" waiting for ")
                    .append(l.name())
                    .append(" held by pid ")
                    .append(l.holders.keySet().stream().map(b::pidOf).toList());
        }
        return s.toString();
    }

    private static List<Integer> pids(ReportBuilder b, List<String> tasks) {
        return tasks.stream().map(b::pidOf).toList();
    }
}
