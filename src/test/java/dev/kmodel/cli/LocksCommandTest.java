package dev.kmodel.cli;

import static org.junit.jupiter.api.Assertions.*;

import dev.kmodel.Cli;
import dev.kmodel.journal.JournalFile;
import dev.kmodel.kernel.locking.LockOrder;
import dev.kmodel.replay.Rerun;
import dev.kmodel.report.Lockdep;
import dev.kmodel.report.ReportBuilder;
import dev.kmodel.run.Machine;
import dev.kmodel.scenario.Fault;
import dev.kmodel.scenario.ScenarioParser;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kmodel locks}: lockdep's classes, graph and reports of a run or a journal; the documented order. */
class LocksCommandTest {
    private static final String ZOMBIE_REAP = "conf/scenarios/zombie-reap.conf";
    private static final String INVERSION = "conf/exercises/inversion.conf";
    private static final List<String> ZOMBIE_REAP_CLASSES =
            List.of("tasklist_lock", "&sighand->siglock", "pidmap_lock", "&mm->mmap_lock", "&p->alloc_lock");
    private static final List<String> ZOMBIE_REAP_EDGES = List.of(
            "tasklist_lock → &sighand->siglock", "&sighand->siglock → pidmap_lock", "&mm->mmap_lock → &p->alloc_lock");

    @TempDir
    static Path tmp;

    /** zombie-reap recorded once by run --journal, for the journal tests. */
    private static Path journal;

    @BeforeAll
    static void record() {
        journal = tmp.resolve("z.kmj");
        Cli.Result r = Cli.run("run", ZOMBIE_REAP, "--journal", journal.toString());
        assertEquals(Main.OK, r.status(), r.out() + r.err());
    }

    private static void assertBadInput(Cli.Result r, String... mustContain) {
        assertEquals(Main.BAD_INPUT, r.status(), r.out() + r.err());
        String line = r.err().strip();
        assertEquals(1, line.lines().count(), "one line: " + line);
        assertFalse(line.contains("Exception") || line.contains("\tat "), "no stack trace: " + line);
        assertTrue(line.startsWith("kmodel: "), line);
        for (String m : mustContain) assertTrue(line.contains(m), line + " should mention " + m);
    }

    /** The class names of the text output's "Lock classes" table. */
    private static Set<String> classes(String text) {
        Set<String> names = new TreeSet<>();
        boolean in = false;
        for (String line : text.lines().toList()) {
            if (line.startsWith("Lock classes")) {
                in = true;
            } else if (in && line.startsWith("  usage:")) {
                break;
            } else if (in && !line.startsWith("  class ")) {
                names.add(line.strip().split("\\s+")[0]);
            }
        }
        return names;
    }

    @Test
    void aScenarioRunShowsItsClassesAndTheDocumentedEdges() {
        Cli.Result r = Cli.run("locks", ZOMBIE_REAP);
        assertEquals(Main.OK, r.status(), r.out() + r.err());
        assertTrue(classes(r.out()).containsAll(ZOMBIE_REAP_CLASSES), r.out());
        for (String e : ZOMBIE_REAP_EDGES) assertTrue(r.out().contains("  " + e + "\n"), e + " in\n" + r.out());
        assertTrue(r.out().contains("first: seq "), r.out());
        assertFalse(r.out().contains("not in the documented order"), r.out());
        assertTrue(r.out().contains("lockdep: no reports"), r.out());
        assertEquals("", r.err());
    }

    @Test
    void anInvertedOrderIsLockdepsCircularSplatAndExitOne() {
        Cli.Result r = Cli.run("locks", INVERSION);
        assertEquals(Main.VIOLATION, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("WARNING: possible circular locking dependency detected"), r.out());
        assertTrue(r.out().contains("*** DEADLOCK ***"), r.out());
        assertTrue(
                r.out()
                        .contains("&sighand->siglock → tasklist_lock   [in a circular dependency]"
                                + "   [not in the documented order]"),
                r.out());
        assertTrue(r.out().contains("tasklist_lock → &sighand->siglock   [in a circular dependency]"), r.out());
    }

    @Test
    void aJournalGivesTheSameClassesAsItsRun() {
        Cli.Result fromJournal = Cli.run("locks", journal.toString());
        assertEquals(Main.OK, fromJournal.status(), fromJournal.out() + fromJournal.err());
        assertTrue(fromJournal.out().contains("from the journal " + journal), fromJournal.out());
        Cli.Result run = Cli.run("locks", ZOMBIE_REAP);
        assertEquals(classes(run.out()), classes(fromJournal.out()));
        assertTrue(classes(fromJournal.out()).containsAll(ZOMBIE_REAP_CLASSES), fromJournal.out());
        for (String e : ZOMBIE_REAP_EDGES) assertTrue(fromJournal.out().contains("  " + e + "\n"), e);
        // The journal is the run: reading it twice is the same text.
        assertEquals(fromJournal.out(), Cli.run("locks", journal.toString()).out());
    }

    @Test
    void aJournalWithoutItsSuffixIsRecognisedByItsHeader() throws Exception {
        Path copy = tmp.resolve("journal-copy");
        Files.copy(journal, copy);
        Cli.Result r = Cli.run("locks", copy.toString());
        assertEquals(Main.OK, r.status(), r.err());
        assertTrue(r.out().contains("from the journal"), r.out());
    }

    private static final Pattern DOT_STATEMENT =
            Pattern.compile("\\s*(\"(?:[^\"\\\\]|\\\\.)*\"(\\s*->\\s*\"(?:[^\"\\\\]|\\\\.)*\")?\\s*(\\[.*])?"
                    + "|\\w+\\s*=\\s*(\"(?:[^\"\\\\]|\\\\.)*\"|\\w+)|(node|edge)\\s*\\[.*])\\s*;");

    @Test
    void dotIsADigraphWithTheEdges() {
        Cli.Result r = Cli.run("locks", journal.toString(), "--format", "dot");
        assertEquals(Main.OK, r.status(), r.err());
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.get(0).startsWith("digraph "), r.out());
        assertTrue(lines.get(0).endsWith("{"), r.out());
        assertEquals("}", lines.get(lines.size() - 1));
        for (String l : lines.subList(1, lines.size() - 1)) {
            assertTrue(DOT_STATEMENT.matcher(l).matches(), "not a dot statement: " + l);
        }
        for (String e : ZOMBIE_REAP_EDGES) {
            String[] ends = e.split(" → ");
            String edge = "\"" + ends[0] + "\" -> \"" + ends[1] + "\" [label=";
            assertTrue(r.out().contains(edge), edge + " in\n" + r.out());
        }
        for (String c : ZOMBIE_REAP_CLASSES) assertTrue(r.out().contains("  \"" + c + "\" [label="), c);
        assertFalse(r.out().contains("color=red"), "no cycle, no red edge");
    }

    @Test
    void dotDrawsTheCycleRed() {
        Cli.Result r = Cli.run("locks", INVERSION, "--format", "dot");
        assertEquals(Main.VIOLATION, r.status(), r.err());
        assertTrue(r.out().startsWith("digraph "), r.out());
        Matcher m = Pattern.compile("\"&sighand->siglock\" -> \"tasklist_lock\" \\[[^]]*color=red")
                .matcher(r.out());
        assertTrue(m.find(), r.out());
        m = Pattern.compile("\"tasklist_lock\" -> \"&sighand->siglock\" \\[[^]]*color=red")
                .matcher(r.out());
        assertTrue(m.find(), r.out());
    }

    @Test
    void mermaidIsAGraphLr() {
        Cli.Result r = Cli.run("locks", journal.toString(), "--format", "mermaid");
        assertEquals(Main.OK, r.status(), r.err());
        assertTrue(r.out().startsWith("graph LR\n"), r.out());
        // Ids, not class names, are the nodes; the names are labels with & and > as entity codes.
        assertTrue(r.out().contains("[\"#38;sighand-#62;siglock"), r.out());
        // cgroup_threadgroup_rwsem → tasklist_lock, and the three of ZOMBIE_REAP_EDGES.
        assertEquals(
                4,
                r.out()
                        .lines()
                        .filter(l -> l.matches("  c\\d+ -->\\|\".*\"\\| c\\d+"))
                        .count(),
                r.out());
    }

    @Test
    void theOrderListsEveryDocumentedEdge() {
        Cli.Result r = Cli.run("locks", "--order");
        assertEquals(Main.OK, r.status(), r.err());
        List<String> lines = r.out().lines().toList();
        for (LockOrder.Edge e : LockOrder.EDGES) {
            assertTrue(
                    lines.stream()
                            .anyMatch(l -> l.matches("  " + Pattern.quote(e.from()) + " +→ " + Pattern.quote(e.to())
                                    + " +" + Pattern.quote(e.kernelFile()) + " +" + Pattern.quote(e.kernelFunction()))),
                    e + " in\n" + r.out());
        }
        for (LockOrder.InIrq u : LockOrder.IN_HARDIRQ) assertTrue(r.out().contains(u.kernelFunction()), u.toString());
        assertTrue(r.out().contains("Interrupt rules"), r.out());
        Cli.Result dot = Cli.run("locks", "--order", "--format", "dot");
        assertEquals(Main.OK, dot.status(), dot.err());
        assertTrue(dot.out().startsWith("digraph "), dot.out());
        for (LockOrder.Edge e : LockOrder.pairs()) {
            assertTrue(dot.out().contains("\"" + e.from() + "\" -> \"" + e.to() + "\""), e.toString());
        }
    }

    @Test
    void badInputIsOneLineAndExitTwo() {
        assertBadInput(Cli.run("locks", ZOMBIE_REAP, "--faults", "no-such-fault"), "no-such-fault", "--faults");
        assertBadInput(Cli.run("run", ZOMBIE_REAP, "--faults", "pidmap-lock-irqs-on,nope"), "'nope'");
        assertBadInput(Cli.run("locks", ZOMBIE_REAP, "--format", "svg"), "--format", "svg");
        assertBadInput(Cli.run("locks"), "--order");
        assertBadInput(Cli.run("locks", "--order", ZOMBIE_REAP), "--order");
        assertBadInput(Cli.run("locks", journal.toString(), "--seed", "3"), "--seed", "journal");
        assertBadInput(Cli.run("locks", tmp.resolve("missing.kmj").toString()), "missing.kmj");
        assertBadInput(Cli.run("locks", tmp.resolve("missing.conf").toString()), "missing.conf");
    }

    @Test
    void aBrokenJournalIsItsLine() throws Exception {
        Path bad = tmp.resolve("bad.kmj");
        List<String> lines = new ArrayList<>(Files.readAllLines(journal));
        lines.set(3, "{not json");
        Files.write(bad, lines);
        assertBadInput(Cli.run("locks", bad.toString()), bad + ":4:");
        Path unknownFault = tmp.resolve("unknown-fault.kmj");
        lines = new ArrayList<>(Files.readAllLines(journal));
        lines.set(0, lines.get(0).replace("\"source\":", "\"faults\":[\"nope\"],\"source\":"));
        Files.write(unknownFault, lines);
        assertBadInput(Cli.run("locks", unknownFault.toString()), unknownFault + ":1:", "\"nope\"");
    }

    @Test
    void faultsOnTheCommandLineAreRunAndRecorded() throws Exception {
        Path j = tmp.resolve("faulty.kmj");
        Cli.Result r = Cli.run("run", ZOMBIE_REAP, "--faults", "exit-notify-siglock-first", "--journal", j.toString());
        assertEquals(Main.VIOLATION, r.status(), r.out() + r.err());
        JournalFile.Header h = JournalFile.read(j.toFile()).header();
        assertEquals(List.of("exit-notify-siglock-first"), h.faults());
        assertTrue(Rerun.scenario(h).has(Fault.EXIT_NOTIFY_SIGLOCK_FIRST), "replay --rerun runs it with the fault");
        Cli.Result rerun = Cli.run("replay", j.toString(), "--rerun");
        assertEquals(Main.OK, rerun.status(), rerun.out() + rerun.err());
        assertTrue(rerun.out().startsWith("re-run identical"), rerun.out());
        Cli.Result locks = Cli.run("locks", j.toString());
        assertEquals(Main.VIOLATION, locks.status(), locks.out());
        assertTrue(locks.out().contains("faults exit-notify-siglock-first"), locks.out());
        assertTrue(locks.out().contains("possible circular locking dependency"), locks.out());
        // Without faults the header has none (the format is unchanged for every other run).
        assertEquals(List.of(), JournalFile.read(journal.toFile()).header().faults());
        assertFalse(Files.readAllLines(journal).get(0).contains("\"faults\""));
    }

    /** Scenarios too long for this check (tens of thousands of forks, pids wrapped round). */
    private static final Set<String> SLOW = Set.of("fork-bomb", "pid-exhaustion", "pid-wrap", "pid-ns-max");

    /**
     * The documented order is the model's order: every dependency lockdep sees in a run of every
     * shipped scenario (one seed each) is an edge of {@link LockOrder}.
     */
    @Test
    void everyEdgeOfEveryScenarioIsInTheDocumentedOrder() throws Exception {
        List<Path> scenarios;
        try (Stream<Path> s = Files.list(Path.of("conf/scenarios"))) {
            scenarios = s.filter(p -> p.toString().endsWith(".conf")).sorted().toList();
        }
        List<String> undocumented = new ArrayList<>();
        int ran = 0;
        for (Path p : scenarios) {
            String name = p.getFileName().toString().replace(".conf", "");
            if (SLOW.contains(name)) continue;
            var sc = ScenarioParser.parseFile(new File(p.toString()));
            Machine.Result result = Machine.run(sc);
            Lockdep d = ReportBuilder.lockdep(result.journal());
            for (Lockdep.Edge e : d.edges()) {
                if (!LockOrder.documents(e.from(), e.to())) {
                    undocumented.add(name + ": " + e.from() + " → " + e.to() + " at " + e.witness());
                }
            }
            ran++;
        }
        assertTrue(ran > 20, "ran " + ran + " scenarios");
        assertEquals(List.of(), undocumented);
    }
}
