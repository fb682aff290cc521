package dev.kmodel.cli;

import dev.kmodel.kernel.locking.LockClass;
import dev.kmodel.kernel.locking.LockMode;
import dev.kmodel.kernel.locking.LockOrder;
import dev.kmodel.report.Lockdep;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * How {@code kmodel locks} draws what it found: the classes, the dependency graph with each edge's first
 * witness and the lockdep reports as text, a Graphviz digraph or a Mermaid graph; and the model's
 * documented lock order in the same three shapes.
 */
final class LockGraphs {
    private LockGraphs() {}

    /** One node: a class lockdep saw (held, or only asked for). */
    private record Node(String name, LockClass cls, long holds, long contentions, String usage, List<String> bits) {}

    /** Every class in the order lockdep first met it; a class only ever asked for (never granted) too. */
    private static List<Node> nodes(Lockdep d) {
        Map<String, Node> out = new LinkedHashMap<>();
        for (Lockdep.ClassInfo c : d.classes().values()) {
            List<String> bits = c.usage.keySet().stream().map(u -> u.label).toList();
            out.put(c.name, new Node(c.name, c.cls, c.holds, c.contentions, c.usageChars(), bits));
        }
        for (Lockdep.Edge e : d.edges()) {
            for (String n : List.of(e.from(), e.to())) {
                out.computeIfAbsent(n, k -> new Node(k, LockClass.named(LockOrder.base(k)), 0, 0, "{..}", List.of()));
            }
        }
        return new ArrayList<>(out.values());
    }

    private static String kind(LockClass c) {
        return c == null ? "?" : c.kind.name().toLowerCase(Locale.ROOT);
    }

    /** The edges of every reported circular dependency, as "from\0to". */
    private static Set<String> cycleEdges(Lockdep d) {
        Set<String> red = new HashSet<>();
        for (Lockdep.Splat s : d.splats()) {
            if (s.kind() != Lockdep.Kind.CIRCULAR) continue;
            // classes: the new lock, then the chain from it back to the lock held (which closes the cycle).
            List<String> c = s.classes();
            for (int i = 0; i < c.size(); i++) red.add(c.get(i) + "\0" + c.get((i + 1) % c.size()));
        }
        return red;
    }

    /** The kernel function of a witness: the last function of its path. */
    private static String function(Lockdep.Witness w) {
        String p = w.path();
        return p.substring(p.lastIndexOf('/') + 1);
    }

    // ---- text -----------------------------------------------------------------------------------

    static String text(LocksCommand.Source src, Lockdep d) {
        StringBuilder b = new StringBuilder();
        b.append(src.title()).append("\n\n");
        List<Node> nodes = nodes(d);
        b.append("Lock classes (").append(nodes.size()).append("):\n");
        int w = Math.max(
                5, nodes.stream().mapToInt(n -> n.name().length()).max().orElse(0));
        String row = "  %-" + w + "s  %-8s  %6s  %9s  %-6s  %s";
        b.append(String.format(row, "class", "kind", "holds", "contended", "usage", "")
                        .stripTrailing())
                .append('\n');
        for (Node n : nodes) {
            b.append(String.format(
                                    row,
                                    n.name(),
                                    kind(n.cls()),
                                    n.holds(),
                                    n.contentions(),
                                    n.usage(),
                                    String.join(", ", n.bits()))
                            .stripTrailing())
                    .append('\n');
        }
        b.append("  usage: lockdep's hardirq characters, write then read: '.' never, '-' in hardirq (irq-safe),"
                + " '+' with interrupts on (irq-unsafe), '?' both\n\n");
        List<Lockdep.Edge> edges = d.edges();
        Set<String> red = cycleEdges(d);
        b.append("Dependencies (").append(edges.size()).append("), each with the acquisition that first made it:\n");
        if (edges.isEmpty()) b.append("  (none: no lock was taken while another was held)\n");
        boolean undocumented = false;
        for (Lockdep.Edge e : edges) {
            boolean doc = LockOrder.documents(e.from(), e.to());
            undocumented |= !doc;
            b.append("  ")
                    .append(e.from())
                    .append(" → ")
                    .append(e.to())
                    .append(red.contains(e.from() + "\0" + e.to()) ? "   [in a circular dependency]" : "")
                    .append(doc ? "" : "   [not in the documented order]")
                    .append('\n');
            Lockdep.Witness x = e.witness();
            b.append("      first: seq ")
                    .append(x.seq())
                    .append(", cpu ")
                    .append(x.cpu())
                    .append(", ")
                    .append(x.task())
                    .append(": ")
                    .append(x.function())
                    .append(" in ")
                    .append(x.path())
                    .append('\n');
        }
        if (undocumented) b.append("  (the documented order: kmodel locks --order)\n");
        b.append('\n');
        List<Lockdep.Splat> splats = d.splats();
        if (splats.isEmpty()) {
            b.append("lockdep: no reports\n");
        } else {
            b.append("lockdep: ")
                    .append(splats.size())
                    .append(splats.size() == 1 ? " report" : " reports")
                    .append(" (")
                    .append(splats.stream().map(s -> s.kind().word).distinct().collect(Collectors.joining(", ")))
                    .append(")\n");
            for (Lockdep.Splat s : splats) {
                b.append('\n');
                for (String line : s.text()) b.append(line).append('\n');
            }
        }
        return b.toString();
    }

    // ---- Graphviz -------------------------------------------------------------------------------

    /** A Graphviz string: quoted, with quotes and backslashes escaped; "\n" stays a line break. */
    private static String q(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }

    static String dot(LocksCommand.Source src, Lockdep d) {
        StringBuilder b = new StringBuilder("digraph lockdep {\n");
        b.append("  label=").append(q(src.title() + "\n" + verdict(d))).append(";\n");
        b.append("  labelloc=t;\n  rankdir=LR;\n");
        b.append("  node [shape=box, fontname=\"monospace\"];\n  edge [fontname=\"monospace\", fontsize=10];\n");
        for (Node n : nodes(d)) {
            b.append("  ")
                    .append(q(n.name()))
                    .append(" [label=")
                    .append(q(n.name() + "\n" + kind(n.cls()) + " " + n.usage() + "\nholds " + n.holds()
                            + ", contended " + n.contentions()))
                    .append("];\n");
        }
        Set<String> red = cycleEdges(d);
        for (Lockdep.Edge e : d.edges()) {
            Lockdep.Witness w = e.witness();
            List<String> attrs = new ArrayList<>();
            attrs.add("label=" + q(function(w) + " (" + w.function() + ")\nseq " + w.seq()));
            if (red.contains(e.from() + "\0" + e.to())) attrs.add("color=red, fontcolor=red, penwidth=2");
            if (!LockOrder.documents(e.from(), e.to())) attrs.add("style=dashed");
            b.append("  ")
                    .append(q(e.from()))
                    .append(" -> ")
                    .append(q(e.to()))
                    .append(" [")
                    .append(String.join(", ", attrs))
                    .append("];\n");
        }
        return b.append("}\n").toString();
    }

    private static String verdict(Lockdep d) {
        return d.splats().isEmpty()
                ? "lockdep: no reports"
                : "lockdep: "
                        + d.splats().stream().map(s -> s.kind().word).distinct().collect(Collectors.joining(", "));
    }

    // ---- Mermaid --------------------------------------------------------------------------------

    /** A Mermaid label: quoted, with the characters Mermaid or HTML would read as syntax as entity codes. */
    private static String m(String s) {
        return "\""
                + s.replace("&", "#38;")
                        .replace("\"", "#quot;")
                        .replace("<", "#60;")
                        .replace(">", "#62;")
                        .replace("\n", "<br/>")
                + "\"";
    }

    static String mermaid(LocksCommand.Source src, Lockdep d) {
        StringBuilder b = new StringBuilder("graph LR\n");
        b.append("  %% ").append(src.title().replace('\n', ' ')).append('\n');
        b.append("  %% ").append(verdict(d)).append('\n');
        Map<String, String> id = new LinkedHashMap<>();
        for (Node n : nodes(d)) {
            String k = "c" + id.size();
            id.put(n.name(), k);
            b.append("  ")
                    .append(k)
                    .append('[')
                    .append(m(n.name() + "\n" + kind(n.cls()) + " " + n.usage() + "\nholds " + n.holds()
                            + ", contended " + n.contentions()))
                    .append("]\n");
        }
        Set<String> red = cycleEdges(d);
        List<Integer> redLinks = new ArrayList<>();
        int link = 0;
        for (Lockdep.Edge e : d.edges()) {
            Lockdep.Witness w = e.witness();
            String arrow = LockOrder.documents(e.from(), e.to()) ? "-->" : "-.->";
            b.append("  ")
                    .append(id.get(e.from()))
                    .append(' ')
                    .append(arrow)
                    .append('|')
                    .append(m(function(w) + " (" + w.function() + "), seq " + w.seq()))
                    .append("| ")
                    .append(id.get(e.to()))
                    .append('\n');
            if (red.contains(e.from() + "\0" + e.to())) redLinks.add(link);
            link++;
        }
        if (!redLinks.isEmpty()) {
            b.append("  linkStyle ")
                    .append(redLinks.stream().map(String::valueOf).collect(Collectors.joining(",")))
                    .append(" stroke:red,stroke-width:2px,color:red\n");
        }
        return b.toString();
    }

    // ---- the documented order -------------------------------------------------------------------

    static String orderText() {
        StringBuilder b = new StringBuilder();
        b.append("The model's lock order (Linux v6.1's nesting): inner is taken while outer is the innermost"
                + " lock held.\n\n");
        List<LockOrder.Edge> edges = LockOrder.EDGES;
        int wo = "outer".length(), wi = "inner".length(), wf = "kernel file".length();
        for (LockOrder.Edge e : edges) {
            wo = Math.max(wo, e.from().length());
            wi = Math.max(wi, e.to().length());
            wf = Math.max(wf, e.kernelFile().length());
        }
        String row = "  %-" + wo + "s %s %-" + wi + "s  %-" + wf + "s  %s%n";
        b.append(String.format(row, "outer", " ", "inner", "kernel file", "function"));
        for (LockOrder.Edge e : edges) {
            b.append(String.format(row, e.from(), "→", e.to(), e.kernelFile(), e.kernelFunction()));
            b.append(" ".repeat(wo + wi + wf + 10)).append(e.note()).append('\n');
        }
        b.append("\nTaken in interrupt context (the model's device interrupt: kill_fasync → send_sigio, as up to"
                + " ~v5.x):\n");
        int wc = 0, wa = 0;
        for (LockOrder.InIrq u : LockOrder.IN_HARDIRQ) {
            wc = Math.max(wc, u.cls().lockdepName.length());
            wa = Math.max(wa, u.acquire().length());
        }
        for (LockOrder.InIrq u : LockOrder.IN_HARDIRQ) {
            b.append(String.format(
                    "  %-" + wc + "s  %-" + wa + "s  %s %s%n",
                    u.cls().lockdepName,
                    u.acquire(),
                    u.kernelFile(),
                    u.kernelFunction()));
        }
        b.append("\nInterrupt rules for process context (lockdep: an irq-safe lock is never taken with"
                + " interrupts on, nor held around an irq-unsafe one):\n");
        int wr = 0;
        for (LockOrder.IrqRule r : LockOrder.IRQ_RULES)
            wr = Math.max(wr, ruleName(r).length());
        for (LockOrder.IrqRule r : LockOrder.IRQ_RULES) {
            b.append(String.format("  %-" + wr + "s  %s%n", ruleName(r), r.calls()));
            b.append(" ".repeat(wr + 4)).append(r.why()).append('\n');
        }
        return b.toString();
    }

    private static String ruleName(LockOrder.IrqRule r) {
        return r.cls().lockdepName + " (" + (r.mode() == LockMode.READ ? "read" : "write") + ")";
    }

    /** Each documented pair once, labelled with the functions that take it. */
    private static Map<String, List<LockOrder.Edge>> orderPairs() {
        Map<String, List<LockOrder.Edge>> pairs = new LinkedHashMap<>();
        for (LockOrder.Edge e : LockOrder.EDGES) {
            pairs.computeIfAbsent(e.from() + "\0" + e.to(), k -> new ArrayList<>())
                    .add(e);
        }
        return pairs;
    }

    private static String functions(List<LockOrder.Edge> sites) {
        Set<String> f = new LinkedHashSet<>();
        for (LockOrder.Edge e : sites) f.add(e.kernelFunction().split(" → ")[0]);
        return String.join(", ", f);
    }

    private static List<LockClass> orderClasses() {
        Set<LockClass> c = new LinkedHashSet<>();
        for (LockOrder.Edge e : LockOrder.EDGES) {
            c.add(e.outer());
            c.add(e.inner());
        }
        return new ArrayList<>(c);
    }

    private static String irqNote(LockClass c) {
        List<String> s = new ArrayList<>();
        for (LockOrder.InIrq u : LockOrder.IN_HARDIRQ) if (u.cls() == c) s.add("in hardirq: " + u.acquire());
        return s.isEmpty() ? "" : "\n" + String.join("\n", s);
    }

    static String orderDot() {
        StringBuilder b = new StringBuilder("digraph lock_order {\n");
        b.append(
                "  label=\"the model's documented lock order (kmodel locks --order)\";\n  labelloc=t;\n  rankdir=LR;\n");
        b.append("  node [shape=box, fontname=\"monospace\"];\n  edge [fontname=\"monospace\", fontsize=10];\n");
        for (LockClass c : orderClasses()) {
            b.append("  ")
                    .append(q(c.lockdepName))
                    .append(" [label=")
                    .append(q(c.lockdepName + "\n" + kind(c) + irqNote(c)))
                    .append(LockOrder.takenInIrq(c) ? ", peripheries=2" : "")
                    .append("];\n");
        }
        for (List<LockOrder.Edge> sites : orderPairs().values()) {
            LockOrder.Edge e = sites.get(0);
            b.append("  ")
                    .append(q(e.from()))
                    .append(" -> ")
                    .append(q(e.to()))
                    .append(" [label=")
                    .append(q(functions(sites)))
                    .append("];\n");
        }
        return b.append("}\n").toString();
    }

    static String orderMermaid() {
        StringBuilder b =
                new StringBuilder("graph LR\n  %% the model's documented lock order (kmodel locks --order)\n");
        Map<LockClass, String> id = new LinkedHashMap<>();
        for (LockClass c : orderClasses()) {
            String k = "c" + id.size();
            id.put(c, k);
            b.append("  ")
                    .append(k)
                    .append('[')
                    .append(m(c.lockdepName + "\n" + kind(c) + irqNote(c)))
                    .append("]\n");
        }
        for (List<LockOrder.Edge> sites : orderPairs().values()) {
            LockOrder.Edge e = sites.get(0);
            b.append("  ")
                    .append(id.get(e.outer()))
                    .append(" -->|")
                    .append(m(functions(sites)))
                    .append("| ")
                    .append(id.get(e.inner()))
                    .append('\n');
        }
        return b.toString();
    }
}
