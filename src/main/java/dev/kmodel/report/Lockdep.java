package dev.kmodel.report;

import dev.kmodel.journal.JournalEntry;
import dev.kmodel.kernel.locking.HeldLock;
import dev.kmodel.kernel.locking.LockActor;
import dev.kmodel.kernel.locking.LockClass;
import dev.kmodel.kernel.locking.LockMode;
import dev.kmodel.kernel.task.TaskEvent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The model's lockdep (kernel/locking/lockdep.c, Documentation/locking/lockdep-design.rst), run over a
 * journal: lock classes (a class and subclass, never an instance), each task's held-lock stack, the
 * dependency graph with the first chain that made each edge, and the hardirq usage of every class.
 * Like lockdep it judges what could deadlock from orders it has seen, whether or not the deadlock
 * happened: a circular dependency, recursive locking, a hardirq-safe lock ordered before a
 * hardirq-unsafe one, an inconsistent irq usage, a lock held at the return to user space or at exit, a
 * release of a lock not held, and a lockdep assertion that failed. Each report is one {@link Splat}, in
 * the kernel's words and shape.
 *
 * <p>As lockdep does, a dependency is added only between locks of the same context (a lock taken by an
 * interrupt handler does not depend on what the interrupted task holds: hlock->irq_context), only from
 * the innermost held lock (the outer ones have their own edge to it already), and never into
 * {@code rcu_read_lock}, a recursive read lock that waits for nobody. Each distinct problem is reported
 * once.
 */
public final class Lockdep {

    /** Where a lock was taken: the witness lockdep keeps as a stack trace. */
    public record Witness(long seq, int cpu, int pid, String task, String function, String path) {
        String line() {
            return function + " at " + path + "  [seq " + seq + ", cpu " + cpu + ", " + task + "]";
        }
    }

    /** One dependency: {@code from} was held when {@code to} was taken, first at {@code witness}. */
    public record Edge(String from, String to, Witness witness) {}

    /** A lockdep usage bit (lockdep_states.h: HARDIRQ only; the model has no softirq locks). */
    public enum Usage {
        IN_HARDIRQ_W("IN-HARDIRQ-W"),
        IN_HARDIRQ_R("IN-HARDIRQ-R"),
        HARDIRQ_ON_W("HARDIRQ-ON-W"),
        HARDIRQ_ON_R("HARDIRQ-ON-R");

        public final String label;

        Usage(String label) {
            this.label = label;
        }

        boolean safe() {
            return this == IN_HARDIRQ_W || this == IN_HARDIRQ_R;
        }
    }

    /** What the graph knows of one class. */
    public static final class ClassInfo {
        public final String name;
        public final LockClass cls;
        public long holds;
        public long contentions;
        public final EnumMap<Usage, Witness> usage = new EnumMap<>(Usage.class);

        ClassInfo(String name, LockClass cls) {
            this.name = name;
            this.cls = cls;
        }

        /** lockdep's usage characters for hardirq ({@code .}, {@code +}, {@code -}, {@code ?}): write, then read. */
        public String usageChars() {
            return "{" + ch(Usage.IN_HARDIRQ_W, Usage.HARDIRQ_ON_W) + ch(Usage.IN_HARDIRQ_R, Usage.HARDIRQ_ON_R) + "}";
        }

        private String ch(Usage in, Usage on) {
            boolean i = usage.containsKey(in), o = usage.containsKey(on);
            return i && o ? "?" : i ? "-" : o ? "+" : ".";
        }

        boolean safe() {
            return usage.containsKey(Usage.IN_HARDIRQ_W) || usage.containsKey(Usage.IN_HARDIRQ_R);
        }

        boolean unsafe() {
            return usage.containsKey(Usage.HARDIRQ_ON_W) || usage.containsKey(Usage.HARDIRQ_ON_R);
        }
    }

    /** The kinds of report, with the kernel's header line. */
    public enum Kind {
        CIRCULAR("circular-dependency", "WARNING: possible circular locking dependency detected"),
        RECURSIVE("recursive-locking", "WARNING: possible recursive locking detected"),
        IRQ_SAFE_UNSAFE("irq-safe-unsafe", "WARNING: HARDIRQ-safe -> HARDIRQ-unsafe lock order detected"),
        /** The same hazard found when a class's usage changes rather than when an edge is added. */
        IRQ_INVERSION("irq-lock-inversion", "WARNING: possible irq lock inversion dependency detected"),
        INCONSISTENT("inconsistent-lock-state", "WARNING: inconsistent lock state"),
        HELD_AT_RETURN("held-at-return-to-user", "WARNING: lock held when returning to user space!"),
        HELD_AT_EXIT("held-at-exit", "WARNING: %s still has locks held!"),
        BAD_UNLOCK("bad-unlock-balance", "WARNING: bad unlock balance detected!"),
        SUSPICIOUS_RCU("suspicious-rcu-usage", "WARNING: suspicious RCU usage"),
        /** __might_resched (kernel/sched/core.c): not lockdep's, but a sleeping lock under a spinlock is as wrong. */
        SLEEP_IN_ATOMIC("sleep-in-atomic", "BUG: sleeping function called from invalid context at %s");

        public final String word;
        final String header;

        Kind(String word, String header) {
            this.word = word;
            this.header = header;
        }
    }

    /**
     * One report: its kind, the classes it names, the chains (each a list of witnesses: the dependency
     * chain in reverse order, or the usage that made a class irq-safe and unsafe), and the text.
     */
    public record Splat(
            long seq, Kind kind, int pid, List<String> classes, List<List<Witness>> chains, List<String> text) {
        /** The one line a violation row and a summary show. */
        public String headline() {
            return text.get(1).replace("WARNING: ", "");
        }
    }

    private record Held(HeldLock lock, String name, Witness at) {}

    private final Function<String, String> taskName; // task key → "comm/pid"
    private final Function<String, Integer> pidOf;
    private final Map<String, ClassInfo> classes = new LinkedHashMap<>();
    private final Map<String, Map<String, Edge>> edges = new LinkedHashMap<>(); // from → to → edge
    private final Map<String, List<Held>> held = new HashMap<>(); // task → its stack, innermost last
    private final List<Splat> splats = new ArrayList<>();
    private final Set<String> reported = new HashSet<>();

    private Lockdep(Function<String, String> taskName, Function<String, Integer> pidOf) {
        this.taskName = taskName;
        this.pidOf = pidOf;
    }

    /** Runs lockdep over a journal, in its order. */
    public static Lockdep run(
            List<JournalEntry> journal, Function<String, String> taskName, Function<String, Integer> pidOf) {
        Lockdep d = new Lockdep(taskName, pidOf);
        for (JournalEntry e : journal) {
            if (e.event() instanceof TaskEvent te) d.fold(e.ordinal(), e.persistenceId(), te);
            else if (e.event() instanceof LockActor.Contended c) d.trying(e.ordinal(), c);
        }
        return d;
    }

    public List<Splat> splats() {
        return Collections.unmodifiableList(splats);
    }

    public Map<String, ClassInfo> classes() {
        return Collections.unmodifiableMap(classes);
    }

    /** Every dependency, each with its first witness, in the order they were first seen. */
    public List<Edge> edges() {
        List<Edge> all = new ArrayList<>();
        for (Map<String, Edge> m : edges.values()) all.addAll(m.values());
        return all;
    }

    /** What {@code task} holds now (at the end of the journal): each lock's class and instance. */
    public List<String> heldBy(String task) {
        return held.getOrDefault(task, List.of()).stream()
                .map(h -> h.lock().label())
                .toList();
    }

    /** Is there a dependency {@code from → to}? */
    public boolean hasEdge(String from, String to) {
        return edges.getOrDefault(from, Map.of()).containsKey(to);
    }

    private void fold(long seq, String task, TaskEvent e) {
        if (e instanceof TaskEvent.LockAcquired a) {
            acquire(seq, task, a);
        } else if (e instanceof TaskEvent.LockReleased r) {
            List<Held> stack = held.getOrDefault(task, List.of());
            for (int i = stack.size() - 1; i >= 0; i--) {
                if (stack.get(i).lock().sameLock(r.cls(), r.instance())) {
                    stack.remove(i);
                    return;
                }
            }
            badUnlock(seq, task, r.cls(), r.function(), r.path());
        } else if (e instanceof TaskEvent.LockNotHeld n) {
            badUnlock(seq, task, n.cls(), n.function(), n.path());
        } else if (e instanceof TaskEvent.LockAssertFailed f) {
            suspiciousRcu(seq, task, f);
        } else if (e instanceof TaskEvent.SyscallReturned) {
            heldAt(seq, task, Kind.HELD_AT_RETURN);
        } else if (e instanceof TaskEvent.TaskDead) {
            heldAt(seq, task, Kind.HELD_AT_EXIT);
        }
    }

    /**
     * A contended acquisition: lockdep checks a lock when it is asked for (lock_acquire runs before the
     * CPU spins), so the dependency is added, and a cycle reported, even if the grant never comes.
     */
    private void trying(long seq, LockActor.Contended c) {
        HeldLock h = c.lock();
        List<Held> stack = held.getOrDefault(c.task(), List.of());
        Witness w = new Witness(seq, c.cpu(), c.pid(), taskName.apply(c.task()), h.acquire(), h.path());
        depend(seq, c.task(), stack, h, className(h), w);
    }

    private static String className(HeldLock h) {
        return h.className();
    }

    private ClassInfo info(HeldLock h) {
        return classes.computeIfAbsent(className(h), n -> new ClassInfo(n, h.cls()));
    }

    private void acquire(long seq, String task, TaskEvent.LockAcquired a) {
        HeldLock h = a.lock();
        String name = className(h);
        Witness w = new Witness(seq, a.cpu(), pidOf.apply(task), taskName.apply(task), h.acquire(), h.path());
        ClassInfo c = info(h);
        c.holds++;
        if (a.waited()) c.contentions++;
        List<Held> stack = held.computeIfAbsent(task, k -> new ArrayList<>());
        // Usage: taken by an interrupt handler, or with interrupts on.
        boolean read = h.mode() == LockMode.READ;
        if (h.inIrq()) mark(seq, task, c, read ? Usage.IN_HARDIRQ_R : Usage.IN_HARDIRQ_W, w, h);
        else if (a.hardirqsOn()) mark(seq, task, c, read ? Usage.HARDIRQ_ON_R : Usage.HARDIRQ_ON_W, w, h);
        depend(seq, task, stack, h, name, w);
        stack.add(new Held(h, name, w));
    }

    /** check_prevs_add: the dependency of {@code h} on the innermost held lock of the same context. */
    private void depend(long seq, String task, List<Held> stack, HeldLock h, String name, Witness w) {
        if (h.cls().sleeps()) mightSleep(seq, task, stack, h);
        boolean read = h.mode() == LockMode.READ;
        Held prev = null;
        for (int i = stack.size() - 1; i >= 0; i--) {
            Held x = stack.get(i);
            if (x.lock().inIrq() != h.inIrq()) continue;
            if (prev == null) prev = x;
            if (x.name().equals(name)
                    && !(read && x.lock().mode() == LockMode.READ && h.cls().shared())) {
                recursive(seq, task, x, h, w);
            }
        }
        if (prev == null || h.cls() == LockClass.RCU_READ_LOCK || prev.name().equals(name)) return;
        Map<String, Edge> out = edges.computeIfAbsent(prev.name(), k -> new LinkedHashMap<>());
        if (out.containsKey(name)) return;
        // A new dependency prev → new: does the new lock already lead back to prev?
        List<Edge> back = path(name, prev.name());
        out.put(name, new Edge(prev.name(), name, w));
        if (back != null) circular(seq, task, prev, h, w, back);
        irqSafety(seq, task, prev, h, w);
    }

    /** The shortest dependency path from {@code from} to {@code to}, or null (breadth first). */
    private List<Edge> path(String from, String to) {
        Map<String, Edge> via = new HashMap<>();
        ArrayDeque<String> queue = new ArrayDeque<>(List.of(from));
        Set<String> seen = new HashSet<>(List.of(from));
        while (!queue.isEmpty()) {
            String n = queue.poll();
            if (n.equals(to)) {
                List<Edge> p = new ArrayList<>();
                for (String x = to; !x.equals(from); x = via.get(x).from()) p.add(0, via.get(x));
                return p;
            }
            for (Edge e : edges.getOrDefault(n, Map.of()).values()) {
                if (seen.add(e.to())) {
                    via.put(e.to(), e);
                    queue.add(e.to());
                }
            }
        }
        return null;
    }

    /** Every class reachable from {@code from} (forwards) or reaching it (backwards), with itself. */
    private Set<String> closure(String from, boolean forwards) {
        Set<String> seen = new HashSet<>(List.of(from));
        ArrayDeque<String> queue = new ArrayDeque<>(List.of(from));
        while (!queue.isEmpty()) {
            String n = queue.poll();
            if (forwards) {
                for (Edge e : edges.getOrDefault(n, Map.of()).values()) if (seen.add(e.to())) queue.add(e.to());
            } else {
                for (Map.Entry<String, Map<String, Edge>> m : edges.entrySet()) {
                    if (m.getValue().containsKey(n) && seen.add(m.getKey())) queue.add(m.getKey());
                }
            }
        }
        return seen;
    }

    private String head(String task) {
        return taskName.apply(task);
    }

    private static List<String> banner(String header) {
        String rule = "=".repeat(header.length());
        return new ArrayList<>(List.of(rule, header, "-".repeat(header.length())));
    }

    private void add(
            long seq, Kind kind, String task, List<String> cls, List<List<Witness>> chains, List<String> text) {
        splats.add(new Splat(seq, kind, pidOf.apply(task), List.copyOf(cls), List.copyOf(chains), List.copyOf(text)));
    }

    private static String at(HeldLock h) {
        return h.className() + ", at: " + h.acquire() + " " + h.path();
    }

    private void circular(long seq, String task, Held prev, HeldLock next, Witness w, List<Edge> back) {
        if (!reported.add("circular " + prev.name() + " " + className(next))) return;
        List<String> t = banner(Kind.CIRCULAR.header);
        tryingWhileHolding(t, task, next, prev);
        t.add("which lock already depends on the new lock.");
        t.add("");
        t.add("");
        t.add("the existing dependency chain (in reverse order) is:");
        List<Witness> chain = new ArrayList<>();
        int n = back.size();
        for (int i = back.size() - 1; i >= 0; i--) {
            Edge e = back.get(i);
            t.add("");
            t.add("-> #" + n-- + " (" + e.to() + "){" + usageOf(e.to()) + "}:");
            t.add("       " + e.witness().line());
            chain.add(e.witness());
        }
        t.add("");
        t.add("-> #0 (" + className(next) + "):");
        t.add("       " + w.line());
        chain.add(w);
        t.add("");
        t.add("other info that might help us debug this:");
        t.add("");
        String a = prev.name(), b = className(next);
        if (back.size() == 1) {
            t.add(" Possible unsafe locking scenario:");
            t.add("");
            t.add("       CPU0                    CPU1");
            t.add("       ----                    ----");
            t.add("  lock(" + a + ");");
            t.add("                               lock(" + b + ");");
            t.add("                               lock(" + a + ");");
            t.add("  lock(" + b + ");");
        } else {
            t.add("Chain exists of:");
            t.add(chainLine(b, back));
            t.add("");
            t.add(" Possible unsafe locking scenario:");
            t.add("");
            t.add("       CPU0                    CPU1");
            t.add("       ----                    ----");
            t.add("  lock(" + a + ");");
            t.add("                               lock("
                    + back.get(back.size() - 1).from() + ");");
            t.add("                               lock(" + a + ");");
            t.add("  lock(" + b + ");");
        }
        t.add("");
        t.add(" *** DEADLOCK ***");
        List<String> cls = new ArrayList<>();
        cls.add(b);
        for (Edge e : back) cls.add(e.to());
        add(seq, Kind.CIRCULAR, task, cls, List.of(chain), t);
    }

    private static String chainLine(String from, List<Edge> back) {
        StringBuilder c = new StringBuilder("  " + from);
        for (Edge e : back) c.append(" --> ").append(e.to());
        return c.toString();
    }

    private String usageOf(String cls) {
        ClassInfo c = classes.get(cls);
        String u = c == null ? "{....}" : c.usageChars();
        return u.substring(1, u.length() - 1);
    }

    /** The opening both reports of a new acquisition share: the lock asked for and the one held. */
    private void tryingWhileHolding(List<String> t, String task, HeldLock next, Held prev) {
        t.add(head(task) + " is trying to acquire lock:");
        t.add(at(next));
        t.add("");
        t.add("but task is already holding lock:");
        t.add(at(prev.lock()));
        t.add("");
    }

    private void recursive(long seq, String task, Held prev, HeldLock next, Witness w) {
        if (!reported.add("recursive " + prev.name())) return;
        List<String> t = banner(Kind.RECURSIVE.header);
        tryingWhileHolding(t, task, next, prev);
        t.add("other info that might help us debug this:");
        t.add(" Possible unsafe locking scenario:");
        t.add("");
        t.add("       CPU0");
        t.add("       ----");
        t.add("  lock(" + prev.name() + ");");
        t.add("  lock(" + prev.name() + ");");
        t.add("");
        t.add(" *** DEADLOCK ***");
        t.add("");
        t.add(" May be due to missing lock nesting notation");
        add(seq, Kind.RECURSIVE, task, List.of(prev.name()), List.of(List.of(prev.at(), w)), t);
    }

    /** mark_lock: a new usage bit; an inconsistent one is a report, and so is a new safe → unsafe order. */
    private void mark(long seq, String task, ClassInfo c, Usage u, Witness w, HeldLock h) {
        if (c.usage.containsKey(u)) return;
        c.usage.put(u, w);
        Usage clash = switch (u) {
            case IN_HARDIRQ_W -> first(c, Usage.HARDIRQ_ON_W, Usage.HARDIRQ_ON_R);
            case IN_HARDIRQ_R, HARDIRQ_ON_R ->
                u == Usage.IN_HARDIRQ_R ? first(c, Usage.HARDIRQ_ON_W) : first(c, Usage.IN_HARDIRQ_W);
            case HARDIRQ_ON_W -> first(c, Usage.IN_HARDIRQ_W, Usage.IN_HARDIRQ_R);
        };
        if (clash != null) inconsistent(seq, task, c, clash, u, w, h);
        if (u.safe()) {
            for (String x : closure(c.name, true)) {
                ClassInfo to = classes.get(x);
                if (to != null && !x.equals(c.name) && conflicts(c, to)) safeUnsafe(seq, task, c, to, null, h, w);
            }
        } else {
            for (String x : closure(c.name, false)) {
                ClassInfo from = classes.get(x);
                if (from != null && !x.equals(c.name) && conflicts(from, c)) safeUnsafe(seq, task, from, c, null, h, w);
            }
        }
    }

    /**
     * lockdep's exclusive usage pairs (exclusive_mask): a lock used for write in hardirq context must not
     * lead to one taken with interrupts on at all; one read in hardirq context (an rwlock reader, which
     * may nest in an interrupted reader) only to one written with interrupts on.
     */
    private static boolean conflicts(ClassInfo safe, ClassInfo unsafe) {
        Map<Usage, Witness> s = safe.usage, u = unsafe.usage;
        return (s.containsKey(Usage.IN_HARDIRQ_W)
                        && (u.containsKey(Usage.HARDIRQ_ON_W) || u.containsKey(Usage.HARDIRQ_ON_R)))
                || (s.containsKey(Usage.IN_HARDIRQ_R) && u.containsKey(Usage.HARDIRQ_ON_W));
    }

    private static Usage first(ClassInfo c, Usage... us) {
        for (Usage u : us) if (c.usage.containsKey(u)) return u;
        return null;
    }

    private void inconsistent(long seq, String task, ClassInfo c, Usage was, Usage now, Witness w, HeldLock h) {
        if (!reported.add("inconsistent " + c.name)) return;
        List<String> t = banner(Kind.INCONSISTENT.header);
        t.add("inconsistent {" + was.label + "} -> {" + now.label + "} usage.");
        t.add(head(task) + " [HC" + (h.inIrq() ? 1 : 0) + "[" + (h.inIrq() ? 1 : 0) + "]:SC0[0]:HE"
                + (now == Usage.HARDIRQ_ON_W || now == Usage.HARDIRQ_ON_R ? 1 : 0) + ":SE1] takes:");
        t.add(at(h));
        t.add("{" + was.label + "} state was registered at:");
        t.add("  " + c.usage.get(was).line());
        t.add("");
        t.add("other info that might help us debug this:");
        t.add(" Possible unsafe locking scenario:");
        t.add("");
        t.add("       CPU0");
        t.add("       ----");
        t.add("  lock(" + c.name + ");");
        t.add("  <Interrupt>");
        t.add("    lock(" + c.name + ");");
        t.add("");
        t.add(" *** DEADLOCK ***");
        add(seq, Kind.INCONSISTENT, task, List.of(c.name), List.of(List.of(c.usage.get(was), w)), t);
    }

    /** A new dependency prev → next: every safe class before it against every unsafe class after it. */
    private void irqSafety(long seq, String task, Held prev, HeldLock next, Witness w) {
        Set<String> before = closure(prev.name(), false);
        Set<String> after = closure(className(next), true);
        for (String s : before) {
            ClassInfo safe = classes.get(s);
            if (safe == null || !safe.safe()) continue;
            for (String u : after) {
                ClassInfo unsafe = classes.get(u);
                if (unsafe != null && conflicts(safe, unsafe)) safeUnsafe(seq, task, safe, unsafe, prev, next, w);
            }
        }
    }

    private void safeUnsafe(
            long seq, String task, ClassInfo safe, ClassInfo unsafe, Held prev, HeldLock next, Witness w) {
        if (safe == unsafe || !reported.add("irq " + safe.name + " " + unsafe.name)) return;
        Witness became = safe.usage.getOrDefault(Usage.IN_HARDIRQ_W, safe.usage.get(Usage.IN_HARDIRQ_R));
        Witness unsafeAt = unsafe.usage.getOrDefault(Usage.HARDIRQ_ON_W, unsafe.usage.get(Usage.HARDIRQ_ON_R));
        List<Edge> chain = path(safe.name, unsafe.name);
        Kind kind = prev == null ? Kind.IRQ_INVERSION : Kind.IRQ_SAFE_UNSAFE;
        List<String> t = banner(kind.header);
        if (prev == null) {
            // print_irq_inversion_bug: the usage of the class just taken changed.
            boolean becameSafe = className(next).equals(safe.name);
            t.add(head(task) + " [HC" + (next.inIrq() ? 1 : 0) + "[" + (next.inIrq() ? 1 : 0) + "]:SC0[0]:HE"
                    + (next.inIrq() ? 0 : 1) + ":SE1] just changed the state of lock:");
            t.add(at(next));
            t.add(
                    becameSafe
                            ? "but this lock took another, HARDIRQ-unsafe lock in the past:"
                            : "but this lock was taken by another, HARDIRQ-safe lock in the past:");
            t.add(" (" + (becameSafe ? unsafe.name : safe.name) + "){" + usageOf(becameSafe ? unsafe.name : safe.name)
                    + "}");
            t.add("");
            t.add("and interrupts could create inverse lock ordering between them.");
            t.add("");
        } else {
            t.add(head(task) + " [HC0[0]:SC0[0]:HE0:SE1] is trying to acquire:");
            t.add(at(next));
            t.add("");
            t.add("and this task is already holding:");
            t.add(at(prev.lock()));
            t.add("which would create a new lock dependency:");
            t.add(" (" + prev.name() + "){" + usageOf(prev.name()) + "} -> (" + className(next) + "){"
                    + usageOf(className(next)) + "}");
            t.add("");
        }
        t.add(
                prev == null
                        ? "the HARDIRQ-irq-safe lock:"
                        : "but this new dependency connects a HARDIRQ-irq-safe lock:");
        t.add(" (" + safe.name + "){" + usageOf(safe.name) + "}");
        t.add("");
        t.add("... which became HARDIRQ-irq-safe at:");
        t.add("  " + became.line());
        t.add("");
        t.add(prev == null ? "the HARDIRQ-irq-unsafe lock:" : "to a HARDIRQ-irq-unsafe lock:");
        t.add(" (" + unsafe.name + "){" + usageOf(unsafe.name) + "}");
        t.add("");
        t.add("... which became HARDIRQ-irq-unsafe at:");
        t.add("  " + unsafeAt.line());
        t.add("");
        t.add("other info that might help us debug this:");
        t.add("");
        if (chain != null && chain.size() > 1) t.add("Chain exists of:");
        if (chain != null && chain.size() > 1) t.add(chainLine(safe.name, chain));
        if (chain != null && chain.size() > 1) t.add("");
        String middle =
                chain != null && chain.size() > 1 ? chain.get(chain.size() - 1).from() : null;
        t.add(" Possible interrupt unsafe locking scenario:");
        t.add("");
        t.add("       CPU0                    CPU1");
        t.add("       ----                    ----");
        t.add("  lock(" + unsafe.name + ");");
        t.add("                               local_irq_disable();");
        t.add("                               lock(" + safe.name + ");");
        if (middle != null) t.add("                               lock(" + middle + ");");
        t.add("  <Interrupt>");
        t.add("    lock(" + safe.name + ");");
        t.add("");
        t.add(" *** DEADLOCK ***");
        List<Witness> deps = new ArrayList<>();
        if (chain != null) for (Edge e : chain) deps.add(e.witness());
        add(seq, kind, task, List.of(safe.name, unsafe.name), List.of(List.of(became, unsafeAt), deps), t);
    }

    /**
     * might_sleep() in down_read / mutex_lock: a sleeping lock asked for in atomic context — holding a
     * spinlock or rwlock, inside rcu_read_lock, with interrupts off, or in an interrupt handler.
     */
    private void mightSleep(long seq, String task, List<Held> stack, HeldLock h) {
        boolean atomic = h.inIrq();
        boolean irqsOff = h.inIrq();
        int rcu = 0;
        for (Held x : stack) {
            if (x.lock().cls() == LockClass.RCU_READ_LOCK) rcu++;
            else if (!x.lock().cls().sleeps()) atomic = true;
            if (x.lock().irq().disables() || x.lock().inIrq()) irqsOff = true;
        }
        if (!atomic && rcu == 0 && !irqsOff) return;
        if (!reported.add("might_sleep " + className(h) + " " + h.path())) return;
        List<String> t = new ArrayList<>();
        t.add("");
        t.add(String.format(Kind.SLEEP_IN_ATOMIC.header, h.cls().file));
        t.add("in_atomic(): " + (atomic ? 1 : 0) + ", irqs_disabled(): " + (irqsOff ? 1 : 0) + ", non_block: 0, pid: "
                + pidOf.apply(task) + ", name: " + head(task).replaceAll("/[0-9]+$", ""));
        t.add("preempt_count: " + (atomic ? 1 : 0) + ", expected: 0");
        t.add("RCU nest depth: " + rcu + ", expected: 0");
        t.add(h.acquire() + " of " + h.className() + " at " + h.path());
        heldLocks(task, t);
        List<String> cls = new ArrayList<>(stack.stream().map(Held::name).toList());
        cls.add(className(h));
        add(
                seq,
                Kind.SLEEP_IN_ATOMIC,
                task,
                cls,
                List.of(stack.stream().map(Held::at).toList()),
                t);
    }

    private void badUnlock(long seq, String task, LockClass cls, String function, String path) {
        if (!reported.add("unlock " + task + " " + cls)) return;
        List<String> t = banner(Kind.BAD_UNLOCK.header);
        t.add(head(task) + " is trying to release lock (" + cls.lockdepName + ") at:");
        t.add("  " + function + " at " + path);
        t.add("but there are no more locks to release!");
        t.add("");
        t.add("other info that might help us debug this:");
        heldLocks(task, t);
        add(seq, Kind.BAD_UNLOCK, task, List.of(cls.lockdepName), List.of(), t);
    }

    private void suspiciousRcu(long seq, String task, TaskEvent.LockAssertFailed f) {
        if (!reported.add("rcu " + f.function() + " " + f.cls())) return;
        List<String> t = banner(Kind.SUSPICIOUS_RCU.header);
        t.add(f.path() + ": suspicious rcu_dereference_check() usage!");
        t.add("");
        t.add("other info that might help us debug this:");
        t.add("");
        t.add(f.function() + " reads what " + f.cls().lockdepName + " guards without holding it");
        heldLocks(task, t);
        add(seq, Kind.SUSPICIOUS_RCU, task, List.of(f.cls().lockdepName), List.of(), t);
    }

    private void heldAt(long seq, String task, Kind kind) {
        List<Held> stack = held.getOrDefault(task, List.of());
        if (stack.isEmpty()) return;
        List<String> t = banner(kind == Kind.HELD_AT_EXIT ? String.format(kind.header, head(task)) : kind.header);
        if (kind == Kind.HELD_AT_RETURN) t.add(head(task) + " is leaving the kernel with locks still held!");
        heldLocks(task, t);
        List<String> cls = stack.stream().map(Held::name).toList();
        List<Witness> where = stack.stream().map(Held::at).toList();
        add(seq, kind, task, cls, List.of(where), t);
        stack.clear(); // reported once; the task has left the kernel (or is dead)
    }

    private void heldLocks(String task, List<String> t) {
        List<Held> stack = held.getOrDefault(task, List.of());
        t.add(stack.size() + " lock" + (stack.size() == 1 ? "" : "s") + " held by " + head(task) + ":");
        for (int i = 0; i < stack.size(); i++)
            t.add(" #" + i + ": " + at(stack.get(i).lock()));
    }
}
