package dev.kmodel.report;

import dev.kmodel.journal.JournalEntry;
import dev.kmodel.kernel.locking.LockClass;
import dev.kmodel.kernel.signal.Signals;
import dev.kmodel.kernel.task.Frame;
import dev.kmodel.kernel.task.TaskEvent;
import dev.kmodel.kernel.task.TaskEvent.*;
import dev.kmodel.report.Report.ViolationRow;
import dev.kmodel.uapi.Sig;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Fatal signals, judged on the journal: what Linux guarantees once a fatal signal (SIGKILL, a signal whose
 * default action kills, or a group exit's zap) is queued for a task or its thread group.
 *
 * <ul>
 *   <li>{@code survived-fatal-signal}, judged as the journal goes: a task with a fatal signal pending never
 *       returns to user mode (it enters no further program step: get_signal runs first), and it creates no
 *       task (copy_process's fatal_signal_pending test under siglock fails the fork, so neither a child nor
 *       a thread slips out of the kill — nor out of a kill(-pgrp) that found its parent but not yet it).
 *   <li>{@code fatal-signal-lost}, judged at the end of a run: a SIGKILL that kill(2) queued for a task
 *       reaches it (the task records it, ignored or not) or its group exits (complete_signal: the group was
 *       already exiting, or now exits) — a SIGKILL that vanishes while the group runs user code on is lost;
 *       and a thread that joins its group after the group exit was set (the leader's list is zapped) is
 *       killed too: if SIGKILL never reaches it and it ran user code, it survived its group's exit.
 * </ul>
 */
final class SignalOracles {
    /** The system calls that create a task and return in the step that links it (vfork waits: its frame says). */
    private static final Set<String> FORKS = Set.of("fork", "clone", "clone3", "thread");

    private SignalOracles() {}

    /** What the pass knows of one task. */
    private static final class Tk {
        int pid;
        int tgid;
        final Set<Integer> fatalPending = new TreeSet<>();
        boolean exiting;
        boolean killed; // SIGKILL (or a zap) reached it at some point
        long lastStep = -1; // seq of its last program step (SyscallEntered of a step of its program)
        Frame frame;
        final List<long[]> sigkills = new ArrayList<>(); // {seq, from} of each SIGKILL it recorded
        boolean groupExit; // as a leader: SIGNAL_GROUP_EXIT
    }

    private record Kill(long seq, String target, int targetPid, int from) {}

    private record Joined(long seq, String thread, String leader) {}

    /** Adds the violations of {@code journal} to {@code b}. */
    static void check(ReportBuilder b, List<JournalEntry> journal) {
        Map<String, Tk> tasks = new LinkedHashMap<>();
        List<Kill> kills = new ArrayList<>();
        List<Joined> joined = new ArrayList<>();
        Set<Integer> groupsExited = new HashSet<>(); // tgids whose group exit was set
        for (JournalEntry je : journal) {
            if (!(je.event() instanceof TaskEvent e)) continue;
            long seq = je.ordinal();
            String key = je.persistenceId();
            Tk t = tasks.computeIfAbsent(key, k -> new Tk());
            if (e instanceof Attached a) {
                t.pid = a.pid();
                t.tgid = a.tgid() == 0 ? a.pid() : a.tgid();
            } else if (e instanceof TookLeadership x) {
                t.pid = x.from().tgid();
            } else if (e instanceof Demoted x) {
                t.pid = x.tid();
            } else if (e instanceof SignalReceived r) {
                if (r.disposition().equals("fatal") && !t.exiting) t.fatalPending.add(r.sig());
                if (r.sig() == Sig.SIGKILL) {
                    t.sigkills.add(new long[] {seq, r.from()});
                    if (r.disposition().equals("fatal")) t.killed = true;
                }
            } else if (e instanceof Zapped) {
                t.killed = true;
                if (!t.exiting) t.fatalPending.add(Sig.SIGKILL);
            } else if (e instanceof SignalsDelivered d) {
                t.fatalPending.removeAll(d.sigs());
            } else if (e instanceof SignalsDiscarded d) {
                t.fatalPending.removeAll(d.sigs());
            } else if (e instanceof SigactionSet a) {
                // A handler (or SIG_IGN) installed by a task sharing the table makes a pending signal non-fatal.
                if (a.sig() != Sig.SIGKILL && !a.action().handler().equals("SIG_DFL")) t.fatalPending.remove(a.sig());
            } else if (e instanceof PfExitingSet) {
                t.exiting = true;
                t.fatalPending.clear();
            } else if (e instanceof SyscallEntered s && s.step() >= 0) {
                t.lastStep = seq;
                if (!t.fatalPending.isEmpty() && !t.exiting) {
                    add(
                            b,
                            seq,
                            "survived-fatal-signal",
                            "pid " + t.pid + " returned to user mode and entered step " + s.step() + " (" + s.op()
                                    + ") with " + names(t.fatalPending) + " pending",
                            t.pid);
                }
            } else if (e instanceof SyscallReturned r && r.errno() == null && FORKS.contains(r.op())) {
                if (!t.fatalPending.isEmpty() && !t.exiting) {
                    add(
                            b,
                            seq,
                            "survived-fatal-signal",
                            "pid " + t.pid + "'s " + r.op() + " created pid " + r.ret() + " with "
                                    + names(t.fatalPending)
                                    + " pending: copy_process linked a task that escapes the kill",
                            t.pid);
                }
            } else if (e instanceof FrameChanged f) {
                if (f.frame() instanceof Frame.Vforking
                        && t.frame instanceof Frame.Forking
                        && !t.fatalPending.isEmpty()
                        && !t.exiting) {
                    add(
                            b,
                            seq,
                            "survived-fatal-signal",
                            "pid " + t.pid + "'s vfork created a child with " + names(t.fatalPending)
                                    + " pending: copy_process linked a task that escapes the kill",
                            t.pid);
                }
                t.frame = f.frame();
            } else if (e instanceof LockReleased l
                    && l.cls() == LockClass.SIGLOCK
                    && t.frame instanceof Frame.Signalling s
                    && s.step() == Signals.At.KILL_SIGLOCK
                    && s.sig() == Sig.SIGKILL
                    && s.next() < s.targets().size()) {
                // kill(2): send_signal_locked under the target's siglock; the signal is queued now.
                kills.add(new Kill(
                        seq,
                        s.targets().get(s.next()).key(),
                        s.targets().get(s.next()).pid(),
                        t.pid));
            } else if (e instanceof GroupExitSet) {
                t.groupExit = true;
                groupsExited.add(t.tgid);
            } else if (e instanceof ThreadAdded a && t.groupExit) {
                joined.add(new Joined(seq, a.thread().key(), key));
            }
        }
        for (Kill k : kills) {
            Tk target = tasks.get(k.target());
            if (target == null) continue;
            boolean reached = target.sigkills.stream().anyMatch(r -> r[0] > k.seq() && r[1] == k.from());
            if (reached || groupsExited.contains(target.tgid)) continue;
            for (Tk o : tasks.values()) {
                if (o.tgid == target.tgid && o.lastStep > k.seq()) {
                    add(
                            b,
                            o.lastStep,
                            "fatal-signal-lost",
                            "kill(" + k.targetPid() + ", SIGKILL) from pid " + k.from() + " at seq " + k.seq()
                                    + " never reached its thread group (no task recorded it, no group exit), and pid "
                                    + o.pid + " of the group ran user code after it (step at seq " + o.lastStep + ")",
                            o.pid);
                    break;
                }
            }
        }
        for (Joined j : joined) {
            Tk th = tasks.get(j.thread());
            if (th == null || th.killed || th.lastStep < 0) continue;
            Tk leader = tasks.get(j.leader());
            add(
                    b,
                    th.lastStep,
                    "fatal-signal-lost",
                    "pid " + th.pid + " joined thread group " + (leader == null ? "?" : leader.tgid)
                            + " after its group exit was set (seq " + j.seq()
                            + "), SIGKILL never reached it, and it ran user code (last step at seq " + th.lastStep
                            + ")",
                    th.pid);
        }
    }

    private static void add(ReportBuilder b, long seq, String kind, String detail, int pid) {
        b.violations.add(new ViolationRow(seq, kind, detail, pid == 0 ? List.of() : List.of(pid)));
    }

    private static String names(Set<Integer> sigs) {
        StringBuilder s = new StringBuilder();
        for (int sig : sigs) s.append(s.length() == 0 ? "" : ", ").append(Sig.name(sig));
        return s.toString();
    }
}
