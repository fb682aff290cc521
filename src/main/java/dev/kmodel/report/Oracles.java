package dev.kmodel.report;

import dev.kmodel.kernel.Kernel;
import dev.kmodel.ledger.LedgerEntry;
import dev.kmodel.ledger.LedgerEvent;
import dev.kmodel.report.Report.ViolationRow;
import dev.kmodel.report.ReportBuilder.LedgerEntryAt;
import dev.kmodel.report.ReportBuilder.Section;
import dev.kmodel.report.ReportBuilder.T;
import java.util.ArrayList;
import java.util.HashMap;
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

    /** One kernel object as the ledger tells it. */
    private static final class Obj {
        final String id;
        final String type;
        final String owner;
        boolean freed;
        long freedAt;
        final List<String> holders = new ArrayList<>();

        Obj(String id, String type, String owner) {
            this.id = id;
            this.type = type;
            this.owner = owner;
        }
    }

    private Oracles() {}

    static void check(ReportBuilder b) {
        Map<String, Obj> objs = new LinkedHashMap<>();
        List<ViolationRow> v = b.violations;
        for (LedgerEntryAt la : b.ledger) {
            LedgerEntry e = la.e();
            Obj o = objs.get(e.object());
            switch (e.event()) {
                case ALLOC -> {
                    o = new Obj(e.object(), e.type(), e.owner());
                    o.holders.add(e.holder());
                    objs.put(e.object(), o);
                }
                case USE ->
                    v.add(new ViolationRow(
                            la.seq(),
                            "use-after-free",
                            e.function() + " used " + e.object() + " after it was freed",
                            pids(b, e.owner())));
                case GET, PUT -> {
                    if (o == null) continue; // statically allocated (init_nsproxy)
                    if (o.freed) {
                        v.add(new ViolationRow(
                                la.seq(),
                                "use-after-free",
                                e.function() + " did a " + e.event() + " on " + e.object() + ", freed at seq "
                                        + o.freedAt,
                                pids(b, e.owner())));
                        continue;
                    }
                    if (e.holder().startsWith("users:")) continue; // mm_users, not mm_count
                    if (e.event() == LedgerEvent.GET) o.holders.add(e.holder());
                    else o.holders.remove(e.holder());
                    checkCount(la, o, v, b);
                }
                case FREE -> {
                    if (o == null) continue;
                    if (o.freed) {
                        v.add(new ViolationRow(
                                la.seq(),
                                "double-free",
                                e.function() + " freed " + e.object() + " again (first freed at seq " + o.freedAt + ")",
                                pids(b, e.owner())));
                        continue;
                    }
                    o.freed = true;
                    o.freedAt = la.seq();
                    o.holders.clear();
                }
                default -> {}
            }
        }
        leaks(b, objs, v);
        rcu(b, v);
        tree(b, v);
    }

    /** For pages, files and mm_count the refcount must equal the number of holders the ledger saw. */
    private static void checkCount(LedgerEntryAt la, Obj o, List<ViolationRow> v, ReportBuilder b) {
        if (!Set.of("page", "file", "mm_struct").contains(o.type)) return;
        if (la.e().refcount() != o.holders.size()) {
            v.add(new ViolationRow(
                    la.seq(),
                    "refcount-mismatch",
                    o.id + " refcount " + la.e().refcount() + " but " + o.holders.size() + " holders " + o.holders,
                    pids(b, o.owner)));
        }
    }

    private static void leaks(ReportBuilder b, Map<String, Obj> objs, List<ViolationRow> v) {
        Map<String, Boolean> live = new HashMap<>();
        for (Obj o : objs.values()) live.put(o.id, !o.freed);
        long end = b.ledger.isEmpty() ? 0 : b.ledger.get(b.ledger.size() - 1).seq();
        for (Obj o : objs.values()) {
            if (o.freed) continue;
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
            } else if (o.type.equals("file")) {
                ok = o.holders.stream().anyMatch(h -> live.getOrDefault(h, false));
            } else if (Set.of("page", "vma", "page_table").contains(o.type)) {
                ok = o.holders.stream().anyMatch(h -> live.getOrDefault(h, false));
            } else if (o.type.equals("mm_struct")) {
                ok = !o.holders.isEmpty() && o.holders.stream().allMatch(h -> mmHolderLive(b, o.id, h));
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
    private static boolean mmHolderLive(ReportBuilder b, String mm, String holder) {
        if (holder.equals("users")) {
            return b.tasks.values().stream().anyMatch(t -> !t.freed && mm.equals(t.mm));
        }
        if (holder.startsWith("lazy:")) {
            if (b.cpuLazy.containsValue(mm + "|" + holder)) return true;
            T t = b.tasks.get(holder.substring(5));
            return t != null && !t.dead && !t.freed; // still running on it as active_mm
        }
        return true;
    }

    /**
     * RCU: a task_struct queued for freeing (call_rcu at C) may not be freed (at F) before every reader
     * section that began before C has ended.
     */
    private static void rcu(ReportBuilder b, List<ViolationRow> v) {
        for (LedgerEntryAt la : b.ledger) {
            LedgerEntry e = la.e();
            if (!e.type().equals("task_struct") || e.event() != LedgerEvent.FREE) continue;
            Long queued = b.callRcuSeq.get(e.object());
            if (queued == null) continue; // freed without RCU (fork failure)
            for (Section s : b.sections) {
                if (s.lock() < queued && (s.unlock() == null || s.unlock() > la.seq())) {
                    v.add(new ViolationRow(
                            la.seq(),
                            "rcu-free-under-reader",
                            e.object() + " freed at seq " + la.seq() + " while CPU " + s.cpu()
                                    + " was in an rcu_read_lock section begun at seq " + s.lock(),
                            pids(b, e.owner())));
                }
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
            if (t.state.equals("zombie") && t.parentKey.equals(Kernel.INIT_KEY)) {
                v.add(new ViolationRow(
                        end,
                        "unreaped-zombie",
                        "pid " + t.pid + " (" + t.comm + ") is a zombie child of init, which reaps forever",
                        List.of(t.pid)));
            }
        }
    }

    private static List<Integer> pids(ReportBuilder b, String key) {
        int p = b.pidOf(key);
        return p == 0 ? List.of() : List.of(p);
    }
}
