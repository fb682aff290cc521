package dev.kmodel.report;

import dev.kmodel.uapi.Siginfo;
import dev.kmodel.uapi.WaitStatus;
import java.util.List;
import java.util.Set;

/**
 * The run report (contract §3). Field names are written in snake_case by {@link ReportJson}. Every
 * row carries {@code seq}: the position of its event in the run's total order (the journal's).
 */
public record Report(
        String scenario,
        long seed,
        int cpus,
        String outcome,
        Journal journal,
        List<TaskRow> tasks,
        List<ResultRow> results,
        List<LedgerRow> ledger,
        List<ReparentRow> reparent,
        List<SignalRow> signals,
        List<ViolationRow> violations,
        List<LockRow> locks,
        List<GraceRow> graces,
        List<RcuCallbackRow> rcuCallbacks,
        List<RcuSectionRow> rcuSections,
        List<CpuRow> cpuStats,
        List<GroupRow> threadGroups,
        List<FailedForkRow> failedForks,
        StoppedBy stopped,
        List<BlockedRow> blocked,
        List<LockdepRow> lockdep) {

    /**
     * One lockdep report: its {@code kind} ({@code circular-dependency}, {@code recursive-locking},
     * {@code irq-safe-unsafe}, {@code inconsistent-lock-state}, {@code held-at-return-to-user},
     * {@code held-at-exit}, {@code bad-unlock-balance}, {@code suspicious-rcu-usage}, {@code sleep-in-atomic}), the lock classes it
     * names, its chains (each a list of the acquisitions that made it: seq, cpu, pid, task, function,
     * path) and the text, in the kernel's words and shape, one line per element.
     */
    public record LockdepRow(
            long seq, String kind, int pid, List<String> classes, List<List<LockdepLink>> chains, List<String> text) {
        static LockdepRow of(Lockdep.Splat s) {
            return new LockdepRow(
                    s.seq(),
                    s.kind().word,
                    s.pid(),
                    s.classes(),
                    s.chains().stream()
                            .map(c -> c.stream()
                                    .map(w -> new LockdepLink(
                                            w.seq(), w.cpu(), w.pid(), w.task(), w.function(), w.path()))
                                    .toList())
                            .toList(),
                    s.text());
        }
    }

    /** One acquisition in a lockdep chain. */
    public record LockdepLink(long seq, int cpu, int pid, String task, String function, String path) {}

    /**
     * Why a run ended before quiescence: {@code by} the bound ({@code wall-time}, {@code events},
     * {@code ticks}, {@code memory}) or the signal ({@code SIGINT}, {@code SIGTERM}), its {@code limit},
     * and what the machine saw. Null when the run reached quiescence.
     */
    public record StoppedBy(String by, String limit, String detail) {}

    /**
     * A task that had not finished when the run ended: its state, where it was ({@code in}: the kernel
     * function it sleeps in, {@code do_signal_stop}, the system call, or {@code user mode}), the system
     * call and step it was in, the pids it waits for, and why (the edges of the wait-for graph). At
     * quiescence these are the blocked tasks (each a {@code deadlock}, unless allowed to stay stopped);
     * after a bound, every task still alive.
     */
    public record BlockedRow(
            long seq,
            int pid,
            String comm,
            String state,
            String in,
            String op,
            Integer step,
            List<Integer> waitsFor,
            String why,
            String key) {}

    /** Violation kinds judged only when a run has ended (quiescent): at any earlier point they may still change. */
    public static final Set<String> JUDGED_AT_THE_END =
            Set.of("leak", "deadlock", "unreaped-zombie", "orphan-with-dead-parent", "fatal-signal-lost");

    public record Journal(long events, int persistenceIds) {}

    /** A task's final state: running, sleeping, zombie, dead or freed. */
    /** {@code ns}: the task's pid namespace (0: the init namespace); {@code nsPid}: its number there. */
    public record TaskRow(
            long seq,
            int pid,
            int tgid,
            int ppid,
            String comm,
            String state,
            Integer exitCode,
            Integer exitSignal,
            String key,
            int ns,
            int nsPid) {}

    /**
     * One executed step. {@code seq} null: it never returned (exit). {@code cpu}: where it entered.
     * {@code siginfo}: what waitid filled in (null for other calls).
     */
    public record ResultRow(
            int pid,
            String comm,
            int step,
            String op,
            long start,
            Long seq,
            Long ret,
            String errno,
            WaitStatus status,
            String var,
            int cpu,
            Siginfo siginfo) {}

    public record LedgerRow(
            long seq,
            String object,
            String type,
            int owner,
            String event,
            int refcount,
            String holder,
            String function,
            String path,
            int cpu) {}

    /** {@code childState}: alive, exiting, zombie or dead when the reparent happened. */
    public record ReparentRow(long seq, int child, int from, int to, String why, String childState) {}

    public record SignalRow(long seq, int from, int to, String sig, String disposition) {}

    public record ViolationRow(long seq, String kind, String detail, List<Integer> pids) {}

    /**
     * One row per acquisition of a lock that an actor holds (tasklist_lock, siglock, alloc_lock, pidmap_lock,
     * mmap_lock, ...); waited rows have {@code requested} &lt; {@code seq}. {@code lock}: the class as lockdep
     * names it; {@code instance}: which lock of the class.
     */
    public record LockRow(
            long seq,
            long requested,
            String mode,
            int pid,
            int cpu,
            String path,
            boolean contended,
            List<Integer> heldBy,
            String lock,
            String instance) {}

    /** An RCU grace period: when it started and ended, and how many callbacks it ran. */
    public record GraceRow(long gp, long start, Long end, int callbacks) {}

    /** call_rcu: which callback, for which object, queued when and from which CPU. */
    public record RcuCallbackRow(long seq, String function, String object, int cpu, int pid) {}

    /** An rcu_read_lock … rcu_read_unlock section on one CPU ({@code unlock} null: still inside). */
    public record RcuSectionRow(int cpu, int pid, long lock, Long unlock) {}

    /**
     * What happened to a thread group: {@code leader-delayed} (its leader exited while threads lived:
     * a zombie its parent is not told of; {@code pids} the threads), {@code leader-notified} (the last
     * thread's release_task told the parent; {@code pids} that thread), {@code group-exit} (the first
     * exit_group or fatal signal; {@code detail} says which, with the code), {@code exec-took-leadership}
     * (a thread that is not the leader exec'd: it now has the leader's pid; {@code pids} its old tid).
     */
    public record GroupRow(long seq, int tgid, int pid, String event, List<Integer> pids, String detail) {}

    public record CpuRow(int cpu, long clock, int switches, String lazyMm) {}

    /**
     * A fork (clone, vfork, ...) whose copy_process failed after dup_task_struct: the would-be child was
     * never a task (no row in {@code tasks}); what it had allocated is freed on the bad_fork_* unwind,
     * in the ledger under {@code key} (the rows' {@code holder}; their {@code owner} is 0: it never had a
     * pid). {@code seq}: the caller's return; {@code pid}, {@code comm}: the caller; {@code errno}: its
     * error (EAGAIN when alloc_pid found no free pid, EINTR when a fatal signal was pending, ENOMEM in
     * a pid namespace whose init has exited).
     */
    public record FailedForkRow(long seq, int pid, String comm, String op, String errno, String key) {}

    public boolean hasViolations() {
        return !violations.isEmpty();
    }
}
