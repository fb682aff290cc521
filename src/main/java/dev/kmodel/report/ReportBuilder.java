package dev.kmodel.report;

import dev.kmodel.journal.JournalEntry;
import dev.kmodel.kernel.MsgId;
import dev.kmodel.kernel.locking.LockActor;
import dev.kmodel.kernel.locking.LockClass;
import dev.kmodel.kernel.locking.LockMode;
import dev.kmodel.kernel.pid.PidAllocator;
import dev.kmodel.kernel.rcu.RcuManager;
import dev.kmodel.kernel.sched.Cpu;
import dev.kmodel.kernel.task.ChildInfo;
import dev.kmodel.kernel.task.ExitState;
import dev.kmodel.kernel.task.Frame;
import dev.kmodel.kernel.task.TaskEvent;
import dev.kmodel.kernel.task.TaskEvent.*;
import dev.kmodel.report.Report.*;
import dev.kmodel.scenario.Program;
import dev.kmodel.scenario.Scenario;
import dev.kmodel.scenario.Step;
import dev.kmodel.uapi.Sig;
import dev.kmodel.uapi.WaitStatus;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.RandomAccess;
import java.util.Set;
import java.util.TreeMap;

/**
 * Builds the report by folding the run's journal in its total order. The report is a projection of
 * the events; the oracles ({@link Oracles}) judge the same events independently of the actors'
 * own bookkeeping.
 */
public final class ReportBuilder {
    /** What the fold knows of one task. */
    static final class T {
        final String key;
        int pid;
        int tgid;
        int ns;
        int nsPid;
        int ppid;
        String parentKey = "";
        String comm = "";
        String state = "running";
        Integer exitCode;
        Integer exitSignal;
        long lastSeq;
        int cpu;
        String mm;
        boolean freed;
        boolean dead; // TaskDead: never runs again
        String sleptIn; // the kernel function it went to sleep in (Slept), while it sleeps
        Frame frame; // the kernel path it is in (FrameChanged)
        int stopSig; // the signal that stopped it, while stopped
        String stopRequestedBy; // kthread_stop's caller (a task key), once asked
        int reaps;
        boolean autoreaped;
        String taskStruct;
        boolean forkUndone; // copy_process failed (bad_fork_*): never a task, a failed fork
        String forkingChild; // while in copy_process: the child task_struct it builds (Forking frame)
        String program; // the program it runs (its steps are the scenario's)
        int events; // its events so far (to pair two events of one step)
        int childAt; // the index of its last ChildAdded / ChildChanged, and that child and cause
        ChildInfo child;
        MsgId childCause;
        SignalReceived sig; // a SignalReceived whose pairing with a child notification is not settled yet
        long sigSeq;
        ChildInfo sigPrev; // the child notification just before it in the same step (a stop report's order)
        long rcuLocked = -1; // seq of its open rcu_read_lock (a system call's, e.g. kill's find_vpid)

        T(String key) {
            this.key = key;
        }
    }

    /** An RCU read-side section on one CPU. */
    record Section(int cpu, long lock, Long unlock, int pid) {}

    final Map<String, T> tasks = new LinkedHashMap<>();
    final List<Section> sections = new ArrayList<>();
    final List<Section> taskSections = new ArrayList<>(); // rcu_read_lock sections of system calls
    private Scenario sc; // null for lockdep alone
    final Map<Integer, String> cpuLazy = new TreeMap<>(); // cpu → "mm|holder"
    final Map<Integer, long[]> cpuStats = new TreeMap<>(); // cpu → {clock, switches}
    final List<ViolationRow> violations = new ArrayList<>();
    final Map<Integer, String> pidsInUse = new HashMap<>();

    private final List<ResultRow> results = new ArrayList<>();
    final Map<String, ResultRow> open = new HashMap<>(); // task key → the system call it is in (no seq yet)
    private final List<ReparentRow> reparent = new ArrayList<>();
    private final List<GroupRow> groups = new ArrayList<>();
    private final List<FailedForkRow> failedForks = new ArrayList<>();
    private final List<SignalRow> signals = new ArrayList<>();
    private final List<LockRow> locks = new ArrayList<>();
    private final LockWaits lockWaits = new LockWaits(); // who holds and waits for each lock instance
    private final Map<String, Long> lockRequested = new HashMap<>();
    private final Map<String, List<String>> lockHeldBy = new HashMap<>();
    private final Map<Long, GraceRow> graces = new TreeMap<>();
    private final List<RcuCallbackRow> callbacks = new ArrayList<>();
    private final Map<Integer, Long> openSection = new HashMap<>();
    private final Map<Integer, Integer> openSectionPid = new HashMap<>();

    /**
     * Folds {@code journal} (in the run's order; a random-access list, which the report's ledger keeps
     * reading: see {@link LedgerRows}) into the report.
     */
    public static Report build(
            Scenario sc,
            List<JournalEntry> journal,
            long accepted,
            int persistenceIds,
            String outcome,
            List<String> deadLetters) {
        return build(sc, journal, accepted, persistenceIds, outcome, deadLetters, null);
    }

    /** The report of a run; {@code stopped}: the bound that ended it before quiescence, or null. */
    public static Report build(
            Scenario sc,
            List<JournalEntry> journal,
            long accepted,
            int persistenceIds,
            String outcome,
            List<String> deadLetters,
            Report.StoppedBy stopped) {
        if (!(journal instanceof RandomAccess)) journal = new ArrayList<>(journal);
        ReportBuilder b = new ReportBuilder();
        b.sc = sc;
        for (JournalEntry e : journal) b.fold(e);
        long end = journal.isEmpty() ? 0 : journal.get(journal.size() - 1).ordinal();
        for (String d : deadLetters) {
            b.violations.add(new ViolationRow(
                    end, "use-after-free", "message " + d + ", whose task_struct was freed", List.of()));
        }
        return b.finish(sc, journal, accepted, persistenceIds, outcome, stopped);
    }

    /**
     * The model's lockdep over {@code journal} alone (no report), its tasks named as the report's
     * lockdep names them: {@code comm/pid} as they are at the end of the journal.
     */
    public static Lockdep lockdep(List<JournalEntry> journal) {
        ReportBuilder b = new ReportBuilder();
        for (JournalEntry e : journal) b.fold(e);
        return Lockdep.run(journal, b::nameOf, b::pidOf);
    }

    private T task(String key) {
        return tasks.computeIfAbsent(key, T::new);
    }

    /** A task as lockdep names it: comm/pid. */
    private String nameOf(String key) {
        T t = tasks.get(key);
        return t == null ? key : t.comm + "/" + t.pid;
    }

    int pidOf(String key) {
        T t = tasks.get(key);
        return t == null ? 0 : t.pid;
    }

    private void fold(JournalEntry je) {
        long seq = je.ordinal();
        Object ev = je.event();
        String pid = je.persistenceId();
        if (ev instanceof TaskEvent te) foldTask(seq, task(pid), te);
        else if (ev instanceof Cpu.Event ce) foldCpu(seq, Integer.parseInt(pid.substring(3)), ce);
        else if (ev instanceof LockActor.Event le) foldLock(seq, LockClass.ofActor(pid), le);
        else if (ev instanceof RcuManager.Event re) foldRcu(seq, re);
        else if (ev instanceof PidAllocator.PidAllocated pa) {
            String holder = pidsInUse.get(pa.pid());
            if (holder != null) {
                violations.add(new ViolationRow(
                        seq,
                        "pid-in-use-twice",
                        "pid " + pa.pid() + " allocated to " + pa.forTask() + " while still used by " + holder,
                        List.of(pa.pid())));
            }
            pidsInUse.put(pa.pid(), pa.forTask());
        } else if (ev instanceof PidAllocator.PidFreed pf) {
            pidsInUse.remove(pf.pid());
        }
    }

    private void foldTask(long seq, T t, TaskEvent e) {
        t.lastSeq = seq;
        t.events++;
        if (t.sig != null) settleSiPid(t, e);
        if (e instanceof Warned w) {
            // A kernel check (WARN_ON / BUG_ON) that failed, or an answer no path waited for ("protocol").
            String kind = w.check().equals("protocol")
                    ? "protocol"
                    : w.check().toLowerCase().replace('_', '-');
            violations.add(new ViolationRow(
                    seq, kind, w.function() + ": " + w.detail(), t.pid == 0 ? List.of() : List.of(t.pid)));
        } else if (e instanceof Created c) {
            t.comm = c.init().comm();
            t.ppid = c.init().ppid();
            t.parentKey = c.init().parentKey();
            t.taskStruct = c.objects().taskStruct();
            t.program = c.init().program();
            if (c.init().kernelThread()) t.state = "sleeping";
        } else if (e instanceof Attached a) {
            t.pid = a.pid();
            t.tgid = a.tgid() == 0 ? a.pid() : a.tgid();
            t.ns = a.ns() == null ? 0 : a.ns().ns();
            t.nsPid = a.ns() == null ? a.pid() : a.ns().vpid();
            t.mm = a.mm();
            if (a.link() != null) { // copy_process's real_parent, set under tasklist_lock
                t.ppid = a.link().ppid();
                t.parentKey = a.link().parentKey();
            }
        } else if (e instanceof RanOn r) {
            t.cpu = r.cpu();
            if (t.state.equals("sleeping")) {
                t.state = "running";
                t.sleptIn = null;
            }
        } else if (e instanceof SyscallEntered s) {
            open.put(
                    t.key,
                    new ResultRow(t.pid, t.comm, s.step(), s.op(), seq, null, null, null, null, null, t.cpu, null));
        } else if (e instanceof FrameChanged f) {
            t.frame = f.frame();
            t.forkingChild = f.frame() instanceof Frame.Forking k ? k.childKey() : null;
        } else if (e instanceof SyscallReturned r) {
            if (r.errno() != null && t.forkingChild != null) {
                // copy_process had a task_struct for the child and failed (alloc_pid's EAGAIN, a fatal signal).
                failedForks.add(new FailedForkRow(seq, t.pid, t.comm, r.op(), r.errno(), t.forkingChild));
            }
            t.forkingChild = null;
            ResultRow o = open.remove(t.key);
            if (o != null) {
                results.add(new ResultRow(
                        o.pid(),
                        o.comm(),
                        o.step(),
                        o.op(),
                        o.start(),
                        seq,
                        r.ret(),
                        r.errno(),
                        r.status(),
                        r.var(),
                        o.cpu(),
                        r.siginfo()));
                conformance(seq, t, r);
            }
        } else if (e instanceof Slept s) {
            t.state = "sleeping";
            t.sleptIn = s.in();
        } else if (e instanceof Woken) {
            t.state = "running";
            t.sleptIn = null;
        } else if (e instanceof LockSlept l) {
            t.state = "sleeping"; // a contended mutex or rw_semaphore
            t.sleptIn = l.cls().lockdepName;
        } else if (e instanceof KthreadStopRequested k) {
            t.stopRequestedBy = k.cause().from(); // the KthreadStop message came from the stopper
        } else if (e instanceof SignalReceived s) {
            signals.add(new SignalRow(seq, s.from(), t.pid, Sig.name(s.sig()), s.disposition()));
            // do_notify_parent / do_notify_parent_cldstop: the child's notification is journaled in the same
            // step, just after the signal (exit) or just before it (stop); settled at the next event.
            t.sig = s;
            t.sigSeq = seq;
            t.sigPrev = t.childAt == t.events - 1 && s.cause().equals(t.childCause) ? t.child : null;
        } else if (e instanceof ChildAdded a) {
            t.childAt = t.events;
            t.child = a.child();
            t.childCause = a.cause();
        } else if (e instanceof ChildChanged c) {
            t.childAt = t.events;
            t.child = c.child();
            t.childCause = c.cause();
        } else if (e instanceof LockAcquired l && l.lock().cls() == LockClass.RCU_READ_LOCK) {
            if (t.rcuLocked < 0) t.rcuLocked = seq;
        } else if (e instanceof LockReleased l && l.cls() == LockClass.RCU_READ_LOCK) {
            if (t.rcuLocked >= 0) taskSections.add(new Section(l.cpu(), t.rcuLocked, seq, t.pid));
            t.rcuLocked = -1;
        } else if (e instanceof PfExitingSet p) {
            WaitStatus ws = WaitStatus.of(p.status());
            t.exitCode = ws.code();
            t.exitSignal = ws.signal();
        } else if (e instanceof MmReleased) {
            t.mm = null;
        } else if (e instanceof Execed x) {
            t.comm = x.comm();
            t.program = x.program();
            t.mm = x.mm();
        } else if (e instanceof Reparented r) {
            reparent.add(new ReparentRow(seq, t.pid, r.from(), r.to(), r.why(), r.childState()));
            t.ppid = r.to();
            t.parentKey = r.toKey();
        } else if (e instanceof TookLeadership x) {
            int oldTid = t.pid;
            t.pid = x.from().tgid();
            t.ppid = x.from().ppid();
            t.parentKey = x.from().parentKey();
            groups.add(new GroupRow(
                    seq,
                    t.tgid,
                    t.pid,
                    "exec-took-leadership",
                    List.of(oldTid),
                    "de_thread: the exec'ing thread (pids: its old tid) takes the leader's pid; the old leader is released"
                            + " silently"));
        } else if (e instanceof Demoted x) {
            t.pid = x.tid();
            t.nsPid = x.vtid();
        } else if (e instanceof LeaderDelayed d) {
            groups.add(new GroupRow(
                    seq,
                    t.tgid,
                    t.pid,
                    "leader-delayed",
                    d.threads().stream().map(this::pidOf).toList(),
                    "exit_notify: thread_group_empty() is false, the parent is not told"));
        } else if (e instanceof LeaderNotifying n && n.thread() != null) {
            groups.add(new GroupRow(
                    seq,
                    t.tgid,
                    t.pid,
                    "leader-notified",
                    List.of(pidOf(n.thread())),
                    "release_task of the group's last thread: do_notify_parent(leader)"));
        } else if (e instanceof GroupExitSet g) {
            WaitStatus ws = WaitStatus.of(g.code());
            groups.add(new GroupRow(
                    seq,
                    t.tgid,
                    t.pid,
                    "group-exit",
                    List.of(),
                    (g.by().startsWith("signal") ? g.by() : "exit_group by pid " + pidOf(g.by())) + ", group_exit_code "
                            + (ws.exited() ? "exited " + ws.code() : "signaled " + ws.signal())));
        } else if (e instanceof Stopped st) {
            t.state = "stopped";
            t.stopSig = st.sig();
        } else if (e instanceof Continued) {
            t.state = "running";
        } else if (e instanceof BecameZombie) {
            t.state = "zombie";
        } else if (e instanceof BecameDead) {
            t.state = "dead";
            t.autoreaped = true;
        } else if (e instanceof TaskDead) {
            t.dead = true;
            t.sleptIn = null;
        } else if (e instanceof ReapedBy) {
            t.reaps++;
            t.state = "dead";
            if (t.reaps > 1 || t.autoreaped) {
                violations.add(new ViolationRow(
                        seq, "double-reap", t.key + " (pid " + t.pid + ") reaped again", List.of(t.pid)));
            }
        } else if (e instanceof TaskStructFreed) {
            t.state = "freed";
            t.freed = true;
        } else if (e instanceof ForkUndone) {
            t.state = "freed";
            t.freed = true;
            t.forkUndone = true;
        }
    }

    /**
     * A signal a task received in the same step as a child's notification (do_notify_parent's SIGCHLD, or
     * the child's exit signal; do_notify_parent_cldstop's SIGCHLD): its si_pid must name that child's
     * thread group (task_tgid_nr_ns(tsk, the parent's namespace); the report numbers every task in the init
     * namespace, as the model's siginfo does). {@code next}: the event after the signal (null: none).
     */
    private void settleSiPid(T t, TaskEvent next) {
        SignalReceived s = t.sig;
        ChildInfo child = null;
        if (next instanceof ChildAdded a && a.cause().equals(s.cause())) child = a.child();
        else if (next instanceof ChildChanged c && c.cause().equals(s.cause())) child = c.child();
        if (child == null || !notification(child)) child = t.sigPrev;
        t.sig = null;
        t.sigPrev = null;
        if (child == null || !notification(child)) return;
        T c = tasks.get(child.key());
        if (c == null || c.pid == 0) return;
        int tgid = c.tgid == 0 ? c.pid : c.tgid;
        if (s.from() != tgid) {
            violations.add(new ViolationRow(
                    t.sigSeq,
                    "wrong-si-pid",
                    Sig.name(s.sig()) + " to pid " + t.pid + " (" + t.comm + ") reporting its child pid " + c.pid + " ("
                            + c.comm + ", tgid " + tgid + ") carries si_pid " + s.from()
                            + "; do_notify_parent names the child's thread group",
                    List.of(t.pid, c.pid)));
        }
    }

    /** A child's entry changed by a report to its parent: it died, stopped or continued. */
    private static boolean notification(ChildInfo c) {
        return c.exitState() != ExitState.NONE || c.stopSig() != 0 || c.continued();
    }

    /**
     * The return of a system call whose literal arguments Linux refuses (ArgChecks): its errno must be
     * Linux's; waitid's siginfo, when it reports a child, must name one (si_pid > 0).
     */
    private void conformance(long seq, T t, SyscallReturned r) {
        if (r.siginfo() != null && r.siginfo().code() != null && r.siginfo().pid() <= 0) {
            violations.add(new ViolationRow(
                    seq,
                    "wrong-si-pid",
                    r.op() + " by pid " + t.pid + " (" + t.comm + ") reported a child ("
                            + r.siginfo().code() + ") with si_pid "
                            + r.siginfo().pid() + "; wait_task_* names the child",
                    List.of(t.pid)));
        }
        if (sc == null || t.program == null || r.step() < 0) return;
        Program p = sc.programs().get(t.program);
        if (p == null) return;
        Step st = null;
        for (Step x : p.steps()) if (x.index() == r.step()) st = x;
        if (st == null || !st.op().equals(r.op())) return;
        String want = ArgChecks.expected(st);
        if (want == null) return;
        String errno = want.substring(0, want.indexOf(':'));
        if (!errno.equals(r.errno())) {
            violations.add(new ViolationRow(
                    seq,
                    "wrong-errno",
                    r.op() + " (step " + r.step() + " of " + t.program + ") by pid " + t.pid + " returned "
                            + (r.errno() == null ? r.ret() : r.errno()) + "; Linux returns " + want,
                    List.of(t.pid)));
        }
    }

    private void foldCpu(long seq, int cpu, Cpu.Event e) {
        long[] st = cpuStats.computeIfAbsent(cpu, k -> new long[2]);
        if (e instanceof Cpu.Switched s) {
            st[1]++;
            st[0] = s.clock();
        } else if (e instanceof Cpu.Ticked tk) {
            st[0] += tk.ticks();
        } else if (e instanceof Cpu.ClockJumped j) {
            st[0] = j.to();
        } else if (e instanceof Cpu.LazyMm l) {
            if (l.mm() == null) cpuLazy.remove(cpu);
            else cpuLazy.put(cpu, l.mm() + "|" + l.holder());
        } else if (e instanceof Cpu.RcuReadLocked r) {
            openSection.put(cpu, seq);
            openSectionPid.put(cpu, r.pid());
        } else if (e instanceof Cpu.RcuReadUnlocked) {
            Long l = openSection.remove(cpu);
            if (l != null) sections.add(new Section(cpu, l, seq, openSectionPid.getOrDefault(cpu, 0)));
        }
    }

    private void foldLock(long seq, LockClass cls, LockActor.Event e) {
        lockWaits.fold(cls, e);
        if (e instanceof LockActor.BadUnlock b) {
            violations.add(new ViolationRow(
                    seq,
                    "bad-unlock-balance",
                    b.task() + " (pid " + b.pid() + ") released " + cls.lockdepName + " " + b.instance() + " ("
                            + b.mode().name().toLowerCase() + ") it does not hold, in " + b.path() + "; held by "
                            + b.heldBy(),
                    b.pid() == 0 ? List.of() : List.of(b.pid())));
        } else if (e instanceof LockActor.Contended c) {
            String who = cls.actor + c.instance() + c.task() + c.mode();
            lockRequested.put(who, seq);
            lockHeldBy.put(who, c.heldBy());
        } else if (e instanceof LockActor.Acquired a) {
            String who = cls.actor + a.instance() + a.task() + a.mode();
            Long req = a.waited() ? lockRequested.remove(who) : null;
            List<String> held = a.waited() ? lockHeldBy.remove(who) : List.of();
            locks.add(new LockRow(
                    seq,
                    req == null ? seq : req,
                    a.mode() == LockMode.READ ? "read" : "write", // one string, not one per row
                    a.pid(),
                    a.cpu(),
                    a.path(),
                    a.waited(),
                    held == null ? List.of() : held.stream().map(this::pidOf).toList(),
                    cls.lockdepName,
                    a.instance()));
        }
    }

    private void foldRcu(long seq, RcuManager.Event e) {
        if (e instanceof RcuManager.CallbackQueued q) {
            callbacks.add(new RcuCallbackRow(
                    seq, q.function(), q.object(), q.ctx().cpu(), q.ctx().pid()));
        } else if (e instanceof RcuManager.GracePeriodStarted g) {
            graces.put(g.gp(), new GraceRow(g.gp(), seq, null, 0));
        } else if (e instanceof RcuManager.GracePeriodEnded g) {
            GraceRow r = graces.get(g.gp());
            if (r != null) graces.put(g.gp(), new GraceRow(g.gp(), r.start(), seq, g.invoked()));
        }
    }

    private Report finish(
            Scenario sc,
            List<JournalEntry> journal,
            long accepted,
            int persistenceIds,
            String outcome,
            Report.StoppedBy stopped) {
        for (T t : tasks.values()) {
            if (t.sig != null) settleSiPid(t, null);
            if (t.rcuLocked >= 0) taskSections.add(new Section(t.cpu, t.rcuLocked, null, t.pid));
        }
        for (Map.Entry<Integer, Long> o : openSection.entrySet()) {
            sections.add(new Section(o.getKey(), o.getValue(), null, openSectionPid.getOrDefault(o.getKey(), 0)));
        }
        for (ResultRow o : open.values()) results.add(o);
        results.sort(Comparator.comparingLong(ResultRow::start));
        Map<String, Integer> pidOfKey = new HashMap<>();
        for (T t : tasks.values()) if (t.pid != 0) pidOfKey.put(t.key, t.pid);
        List<LedgerRow> rows = new LedgerRows(journal, pidOfKey);
        Oracles.check(this, journal);
        SignalOracles.check(this, journal);
        SessionOracles.check(this, journal);
        if (stopped != null) {
            // A run a bound cut short is judged as a point in a run, not as its end: what is still
            // allocated, unreaped or orphaned there may yet be freed, reaped or reparented.
            violations.removeIf(v -> Report.JUDGED_AT_THE_END.contains(v.kind()));
        }
        boolean quiescent = outcome.equals("completed");
        Lockdep lockdep = Lockdep.run(journal, k -> nameOf(k), this::pidOf);
        List<LockdepRow> splats = new ArrayList<>();
        for (Lockdep.Splat sp : lockdep.splats()) {
            violations.add(new ViolationRow(
                    sp.seq(),
                    "lockdep",
                    sp.headline() + ": " + String.join(", ", sp.classes()),
                    sp.pid() == 0 ? List.of() : List.of(sp.pid())));
            splats.add(LockdepRow.of(sp));
        }
        long end = tasks.values().stream().mapToLong(t -> t.lastSeq).max().orElse(0);
        if (quiescent && lockWaits.any()) {
            // Tasks stuck on locks never finish: what they would have freed or reaped is not a verdict.
            violations.removeIf(v ->
                    Report.JUDGED_AT_THE_END.contains(v.kind()) && !v.kind().equals("deadlock"));
        }
        List<BlockedRow> lockRows = lockWaits.build(this, lockdep, quiescent, violations, end);
        Set<String> lockWaiters = new HashSet<>();
        for (BlockedRow r : lockRows) lockWaiters.add(r.key());
        List<BlockedRow> blocked =
                new ArrayList<>(WaitForGraph.build(this, quiescent, sc.mayStayStopped(), lockWaiters, violations));
        blocked.addAll(lockRows);
        List<TaskRow> taskRows = new ArrayList<>();
        for (T t : tasks.values()) {
            if (t.taskStruct == null || t.forkUndone) continue; // a failed fork is in failed_forks
            taskRows.add(new TaskRow(
                    t.lastSeq,
                    t.pid,
                    t.tgid == 0 ? t.pid : t.tgid,
                    t.ppid,
                    t.comm,
                    t.state,
                    t.exitCode,
                    t.exitSignal,
                    t.key,
                    t.ns,
                    t.nsPid == 0 ? t.pid : t.nsPid));
        }
        String finalOutcome = outcome;
        if (outcome.equals("completed")) {
            if (violations.stream().anyMatch(v -> v.kind().equals("deadlock"))) finalOutcome = "deadlock";
            else if (!violations.isEmpty()) finalOutcome = "violation";
        }
        List<CpuRow> cpuRows = new ArrayList<>();
        for (int i = 0; i < sc.cpus(); i++) {
            long[] st = cpuStats.getOrDefault(i, new long[2]);
            String lazy = cpuLazy.get(i);
            cpuRows.add(new CpuRow(i, st[0], (int) st[1], lazy == null ? null : lazy.substring(0, lazy.indexOf('|'))));
        }
        violations.sort(Comparator.comparingLong(ViolationRow::seq));
        return new Report(
                sc.name(),
                sc.seed(),
                sc.cpus(),
                finalOutcome,
                new Journal(accepted, persistenceIds),
                taskRows,
                // The big lists are handed over, not copied: a run stopped by the memory bound has little heap left.
                Collections.unmodifiableList(results),
                rows,
                List.copyOf(reparent),
                List.copyOf(signals),
                List.copyOf(violations),
                Collections.unmodifiableList(locks),
                List.copyOf(graces.values()),
                List.copyOf(callbacks),
                sections.stream()
                        .sorted(Comparator.comparingLong(Section::lock))
                        .map(x -> new RcuSectionRow(x.cpu(), x.pid(), x.lock(), x.unlock()))
                        .toList(),
                cpuRows,
                List.copyOf(groups),
                List.copyOf(failedForks),
                stopped,
                blocked,
                List.copyOf(splats));
    }
}
