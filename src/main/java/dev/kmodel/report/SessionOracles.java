package dev.kmodel.report;

import dev.kmodel.journal.JournalEntry;
import dev.kmodel.kernel.pid.PidAllocator.PgidChanged;
import dev.kmodel.kernel.pid.PidAllocator.PidAttached;
import dev.kmodel.kernel.pid.PidAllocator.PidDetached;
import dev.kmodel.report.Report.ViolationRow;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Process groups and sessions as the pid hash holds them (kernel/sys.c): a process group lies within
 * one session. setpgid refuses a group of another session (EPERM: "the process group must be in the
 * same session"), setsid refuses a caller whose pid is already some group's id, and fork puts the child
 * in its parent's group and session; so no two hashed tasks ever share a process group id with
 * different session ids. Judged on the pid hash's own copy of each process (what kill(-pgrp), setpgid
 * and kill_orphaned_pgrp read; threads' entries are not looked at, as those lookups skip them), after
 * every change to it.
 */
final class SessionOracles {
    private SessionOracles() {}

    private record Member(int pgid, int sid) {}

    static void check(ReportBuilder b, List<JournalEntry> journal) {
        Map<Integer, Member> byPid = new HashMap<>();
        Map<Integer, Map<Integer, Integer>> sessionsOfGroup = new HashMap<>(); // pgid → sid → members
        for (JournalEntry je : journal) {
            Object e = je.event();
            int pid;
            Member now;
            if (e instanceof PidAttached a) {
                // A process's group and session (signal->pids): a thread's entry is its process's, not its own.
                if (a.tgid() != 0 && a.tgid() != a.pid()) continue;
                pid = a.pid();
                now = new Member(a.pgid(), a.sid());
            } else if (e instanceof PgidChanged c) {
                if (!byPid.containsKey(c.pid())) continue; // a thread's copy
                pid = c.pid();
                now = new Member(c.pgid(), c.sid());
            } else if (e instanceof PidDetached d) {
                leave(sessionsOfGroup, byPid.remove(d.pid()));
                continue;
            } else {
                continue;
            }
            leave(sessionsOfGroup, byPid.put(pid, now));
            Map<Integer, Integer> sids = sessionsOfGroup.computeIfAbsent(now.pgid(), k -> new TreeMap<>());
            // Reported when a second session enters the group (not again for each later member).
            if (sids.merge(now.sid(), 1, Integer::sum) == 1 && sids.size() > 1) {
                b.violations.add(new ViolationRow(
                        je.ordinal(),
                        "pgrp-across-sessions",
                        "process group " + now.pgid() + " spans sessions " + sids.keySet() + " after pid " + pid
                                + " joined it in session " + now.sid()
                                + " (setpgid: a process group lies within one session)",
                        List.of(pid)));
            }
        }
    }

    private static void leave(Map<Integer, Map<Integer, Integer>> sessionsOfGroup, Member m) {
        if (m == null) return;
        Map<Integer, Integer> sids = sessionsOfGroup.get(m.pgid());
        if (sids == null) return;
        if (sids.merge(m.sid(), -1, Integer::sum) == 0) sids.remove(m.sid());
        if (sids.isEmpty()) sessionsOfGroup.remove(m.pgid());
    }
}
