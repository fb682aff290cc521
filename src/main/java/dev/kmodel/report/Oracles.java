package dev.kmodel.report;

import dev.kmodel.journal.JournalEntry;
import dev.kmodel.kernel.Kernel;
import dev.kmodel.kernel.rcu.RcuManager;
import dev.kmodel.kernel.task.TaskEvent;
import dev.kmodel.ledger.LedgerEntry;
import dev.kmodel.ledger.LedgerEvent;
import dev.kmodel.ledger.Ledgered;
import dev.kmodel.report.Report.ViolationRow;
import dev.kmodel.report.ReportBuilder.Section;
import dev.kmodel.report.ReportBuilder.T;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The oracles of design §5, judged on the journal's causal order: no leak, no double free, no use
 * after free, no double reap, no task_struct freed under an RCU reader that could still see it, every
 * live task's parent alive, init's zombies reaped, no task blocked forever.
 */
final class Oracles {
    /** The kinds judged only when a run has ended (quiescent): at any earlier point they may still change. */
    public static final Set<String> AT_THE_END =
            Set.of("leak", "deadlock", "unreaped-zombie", "orphan-with-dead-parent", "fatal-signal-lost");

    /** Objects that belong to one task and must be gone once its task_struct is freed. */
    private static final Set<String> TASK_OWNED = Set.of(
            "task_struct",
            "kernel_stack",
            "thread_info",
            "cred",
            "files_struct",
            "fs_struct",
            "sighand_struct",
            "signal_struct",
            "sem_undo_list",
            "pid");

    /** Types whose refcount must equal the number of holders the ledger saw (mm_count for mm_struct). */
    private static final Set<String> COUNTED = Set.of("page", "file", "mm_struct");

    /** Types that live only while an object that holds them (an mm_struct, a files_struct) lives. */
    private static final Set<String> HELD_BY_OBJECTS = Set.of("file", "page", "vma", "page_table");

    /** A kernel object the ledger saw allocated and not yet freed, with the holders of its references. */
    private static final class Obj {
        final String id;
        final String type;
        final String owner;
        final List<String> holders = new ArrayList<>(2);

        Obj(String id, String type, String owner) {
            this.id = id;
            this.type = type;
            this.owner = owner;
        }
    }

    private Oracles() {}

    /**
     * Judges the journal in its total order keeping only what is alive, not what the journal holds: an
     * object leaves {@code live} when it is freed and nothing of it stays. A reference to (or a free of)
     * an object that is not live is either to a statically allocated one, which the ledger never saw
     * allocated (init_nsproxy), or a use after free (a double free): the first pass only notes such ids,
     * and a second pass follows the lives of those few ids alone to tell which, with the seq of the free.
     */
    static void check(ReportBuilder b, List<JournalEntry> journal) {
        Map<String, Obj> live = new LinkedHashMap<>();
        Set<String> referencedWhileNotLive = new HashSet<>();
        Map<String, Long> callRcu = new HashMap<>(); // object → seq of its pending call_rcu
        Set<String> hashed = new HashSet<>(); // tasks attached (visible to RCU readers) at some point
        List<ViolationRow> v = b.violations;
        long end = 0;
        for (JournalEntry je : journal) {
            Object ev = je.event();
            long seq = je.ordinal();
            if (ev instanceof RcuManager.CallbackQueued q) {
                callRcu.put(q.object(), seq);
                continue;
            }
            if (ev instanceof TaskEvent.Attached) hashed.add(je.persistenceId());
            if (!(ev instanceof Ledgered led)) continue;
            for (LedgerEntry e : led.ledger()) {
                end = seq;
                ledger(b, seq, e, live, referencedWhileNotLive, callRcu, hashed, v);
            }
        }
        if (!referencedWhileNotLive.isEmpty()) afterFree(b, journal, referencedWhileNotLive, v);
        leaks(b, live, v, end);
        tree(b, v);
        LineageOracles.check(b, journal);
    }

    private static void ledger(
            ReportBuilder b,
            long seq,
            LedgerEntry e,
            Map<String, Obj> live,
            Set<String> referencedWhileNotLive,
            Map<String, Long> callRcu,
            Set<String> hashed,
            List<ViolationRow> v) {
        Obj o = live.get(e.object());
        switch (e.event()) {
            case ALLOC -> {
                o = new Obj(e.object(), e.type(), e.owner());
                o.holders.add(e.holder());
                live.put(e.object(), o);
            }
            case USE ->
                v.add(new ViolationRow(
                        seq,
                        "use-after-free",
                        e.function() + " used " + e.object() + " after it was freed",
                        pids(b, e.owner())));
            case GET, PUT -> {
                if (o == null) {
                    referencedWhileNotLive.add(e.object()); // judged by afterFree
                    return;
                }
                if (e.holder().startsWith("users:")) return; // mm_users, not mm_count
                if (e.event() == LedgerEvent.GET) o.holders.add(e.holder());
                else o.holders.remove(e.holder());
                checkCount(b, seq, e, o, v);
            }
            case FREE -> {
                if (o == null) {
                    referencedWhileNotLive.add(e.object());
                    return;
                }
                live.remove(e.object());
                Long queued = callRcu.remove(e.object());
                if (e.type().equals("task_struct")) {
                    // A task_struct that was ever hashed is freed only through call_rcu: one freed without a
                    // grace period is judged against every reader open at the free (bad_fork's free_task of
                    // a task nobody could look up is not).
                    if (queued != null) rcu(b, seq, e, queued, v);
                    else if (hashed.contains(e.owner())) rcu(b, seq, e, seq, v);
                }
            }
            default -> {}
        }
    }

    /**
     * The second pass, over the lives of {@code ids} only: a get, put or free of one of them while it is
     * not allocated is a use after free (a double free) if it was freed before, and a reference to a
     * statically allocated object if the ledger never saw it allocated.
     */
    private static void afterFree(ReportBuilder b, List<JournalEntry> journal, Set<String> ids, List<ViolationRow> v) {
        Map<String, Long> freedAt = new HashMap<>(); // id → seq of its last free, while it is not allocated
        Set<String> allocated = new HashSet<>();
        for (JournalEntry je : journal) {
            if (!(je.event() instanceof Ledgered led)) continue;
            long seq = je.ordinal();
            for (LedgerEntry e : led.ledger()) {
                String id = e.object();
                if (!ids.contains(id)) continue;
                switch (e.event()) {
                    case ALLOC -> {
                        allocated.add(id);
                        freedAt.remove(id); // a new life (pid numbers come back)
                    }
                    case GET, PUT -> {
                        Long at = allocated.contains(id) ? null : freedAt.get(id);
                        if (at != null) {
                            v.add(new ViolationRow(
                                    seq,
                                    "use-after-free",
                                    e.function() + " did a " + e.event() + " on " + id + ", freed at seq " + at,
                                    pids(b, e.owner())));
                        }
                    }
                    case FREE -> {
                        if (allocated.remove(id)) {
                            freedAt.put(id, seq);
                        } else if (freedAt.containsKey(id)) {
                            v.add(new ViolationRow(
                                    seq,
                                    "double-free",
                                    e.function() + " freed " + id + " again (first freed at seq " + freedAt.get(id)
                                            + ")",
                                    pids(b, e.owner())));
                        }
                    }
                    default -> {}
                }
            }
        }
    }

    /** For pages, files and mm_count the refcount must equal the number of holders the ledger saw. */
    private static void checkCount(ReportBuilder b, long seq, LedgerEntry e, Obj o, List<ViolationRow> v) {
        if (!COUNTED.contains(o.type)) return;
        if (e.refcount() != o.holders.size()) {
            v.add(new ViolationRow(
                    seq,
                    "refcount-mismatch",
                    o.id + " refcount " + e.refcount() + " but " + o.holders.size() + " holders " + o.holders,
                    pids(b, o.owner)));
        }
    }

    /** At quiescence: every object still allocated must be justified by a live holder. */
    private static void leaks(ReportBuilder b, Map<String, Obj> live, List<ViolationRow> v, long end) {
        Set<String> mmsOfLiveTasks = new HashSet<>();
        for (T t : b.tasks.values()) if (!t.freed && t.mm != null) mmsOfLiveTasks.add(t.mm);
        for (Obj o : live.values()) {
            T owner = b.tasks.get(o.owner);
            boolean ownerAlive = owner != null && !owner.freed;
            boolean ok;
            if (TASK_OWNED.contains(o.type)) {
                // A shared one (clone flags) may outlive the task that allocated it while a sharer lives.
                ok = ownerAlive
                        || o.owner.equals("kernel")
                        || o.holders.stream().anyMatch(h -> {
                            T holder = b.tasks.get(h);
                            return holder != null && !holder.freed;
                        });
            } else if (HELD_BY_OBJECTS.contains(o.type)) {
                ok = o.holders.stream().anyMatch(live::containsKey);
            } else if (o.type.equals("mm_struct")) {
                ok = !o.holders.isEmpty() && o.holders.stream().allMatch(h -> mmHolderLive(b, o.id, h, mmsOfLiveTasks));
            } else {
                ok = true;
            }
            if (!ok) {
                v.add(new ViolationRow(
                        end, "leak", o.type + " " + o.id + " still allocated; holders " + o.holders, pids(b, o.owner)));
            }
        }
    }

    /** An mm_count reference is justified by a live user task, or by a CPU holding it lazily. */
    private static boolean mmHolderLive(ReportBuilder b, String mm, String holder, Set<String> mmsOfLiveTasks) {
        if (holder.equals("users")) return mmsOfLiveTasks.contains(mm);
        if (holder.startsWith("lazy:")) {
            if (b.cpuLazy.containsValue(mm + "|" + holder)) return true;
            T t = b.tasks.get(holder.substring(5));
            return t != null && !t.dead && !t.freed; // still running on it as active_mm
        }
        return true;
    }

    /**
     * RCU: a task_struct queued for freeing (call_rcu at {@code queued}) may not be freed (at {@code seq})
     * before every reader section that began before the call_rcu has ended.
     */
    private static void rcu(ReportBuilder b, long seq, LedgerEntry e, long queued, List<ViolationRow> v) {
        List<Section> readers = new ArrayList<>(b.sections);
        readers.addAll(b.taskSections);
        for (Section s : readers) {
            if (s.lock() < queued && (s.unlock() == null || s.unlock() > seq)) {
                v.add(new ViolationRow(
                        seq,
                        "rcu-free-under-reader",
                        e.object() + " freed at seq " + seq
                                + (queued == seq ? " without a grace period (no call_rcu)" : "") + " while CPU "
                                + s.cpu() + " was in an rcu_read_lock section begun at seq " + s.lock()
                                + (s.pid() == 0 ? "" : " by pid " + s.pid()),
                        pids(b, e.owner())));
            }
        }
    }

    /** The tree: every live task has a live parent; init keeps no zombies (who waits for ever: {@link WaitForGraph}). */
    private static void tree(ReportBuilder b, List<ViolationRow> v) {
        long end = b.tasks.values().stream().mapToLong(t -> t.lastSeq).max().orElse(0);
        for (T t : b.tasks.values()) {
            if (t.taskStruct == null || t.freed || t.pid == 0) continue;
            boolean alive = !t.dead && (t.state.equals("running") || t.state.equals("sleeping"));
            if (alive && !t.parentKey.isEmpty()) {
                T p = b.tasks.get(t.parentKey);
                boolean parentAlive = p != null && !p.dead && !p.freed;
                if (!parentAlive) {
                    v.add(new ViolationRow(
                            end,
                            "orphan-with-dead-parent",
                            "pid " + t.pid + " (" + t.comm + ") has parent " + t.parentKey
                                    + " which is no longer alive",
                            List.of(t.pid)));
                }
            }
            // wait_consider_task skips a zombie group leader while delay_group_leader() holds
            // (thread_group_leader && !thread_group_empty): exit_notify did not notify the parent, and
            // release_task of the group's last thread does (do_notify_parent(leader)). A leader whose
            // group still has a live thread (e.g. one left stopped for ever) is not reapable yet.
            if (t.state.equals("zombie") && t.parentKey.equals(Kernel.INIT_KEY) && !delayGroupLeader(b, t)) {
                v.add(new ViolationRow(
                        end,
                        "unreaped-zombie",
                        "pid " + t.pid + " (" + t.comm + ") is a zombie child of init, which reaps forever",
                        List.of(t.pid)));
            }
        }
    }

    /**
     * Linux's delay_group_leader(p): {@code t} leads its thread group and another thread of it has not been
     * released (it is neither dead nor freed), so the group is not empty.
     */
    private static boolean delayGroupLeader(ReportBuilder b, T t) {
        int tgid = t.tgid == 0 ? t.pid : t.tgid;
        if (tgid != t.pid) return false;
        for (T o : b.tasks.values()) {
            if (o == t || o.freed || o.dead || o.forkUndone || o.taskStruct == null) continue;
            if ((o.tgid == 0 ? o.pid : o.tgid) == tgid) return true;
        }
        return false;
    }

    private static List<Integer> pids(ReportBuilder b, String key) {
        int p = b.pidOf(key);
        return p == 0 ? List.of() : List.of(p);
    }
}
