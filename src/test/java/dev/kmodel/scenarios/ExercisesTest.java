package dev.kmodel.scenarios;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kmodel.Cli;
import dev.kmodel.cli.Main;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exercises of docs/locking.md: each scenario of conf/exercises gives its lockdep report from one
 * run (whatever the interleaving), with the chains the report's kind has, and exits 1; the scenario
 * without a fault gives none. One run per scenario, as a student would run it.
 */
class ExercisesTest {
    @TempDir
    Path tmp;

    private record Run(Cli.Result cli, JsonNode report) {
        List<JsonNode> splats(String kind) {
            List<JsonNode> l = new ArrayList<>();
            for (JsonNode s : report.get("lockdep")) if (s.get("kind").asText().equals(kind)) l.add(s);
            return l;
        }

        String describe() {
            return cli.out() + cli.err() + report.get("lockdep");
        }
    }

    private Run run(String name, String... more) throws IOException {
        Path report = tmp.resolve(name + ".json");
        List<String> args =
                new ArrayList<>(List.of("run", "conf/exercises/" + name + ".conf", "--report", report.toString()));
        args.addAll(List.of(more));
        Cli.Result r = Cli.run(args.toArray(String[]::new));
        assertTrue(Files.exists(report), r.out() + r.err());
        return new Run(r, new ObjectMapper().readTree(report.toFile()));
    }

    /** The one report of {@code kind} naming exactly {@code classes}. */
    private static JsonNode splat(Run r, String kind, String... classes) {
        Set<String> want = Set.of(classes);
        for (JsonNode s : r.splats(kind)) {
            Set<String> named = new HashSet<>();
            s.get("classes").forEach(c -> named.add(c.asText()));
            if (named.equals(want)) return s;
        }
        return fail("no " + kind + " report naming " + want + ": " + r.describe());
    }

    private static List<String> paths(JsonNode chain) {
        List<String> l = new ArrayList<>();
        chain.forEach(w -> {
            assertTrue(w.get("seq").asLong() > 0, "a witness has its seq: " + w);
            assertFalse(w.get("function").asText().isEmpty(), "a witness names its function: " + w);
            l.add(w.get("path").asText());
        });
        return l;
    }

    private static boolean any(List<String> paths, String part) {
        return paths.stream().anyMatch(p -> p.contains(part));
    }

    @Test
    void inversionIsACircularDependencyOfCopyProcessAndExitNotifyAndItsJournalReplays() throws Exception {
        Path journal = tmp.resolve("j.kmj");
        Run r = run("inversion", "--journal", journal.toString());
        assertEquals(Main.VIOLATION, r.cli().status(), r.describe());
        JsonNode s = splat(r, "circular-dependency", "tasklist_lock", "&sighand->siglock");
        assertEquals(1, s.get("chains").size());
        List<String> chain = paths(s.get("chains").get(0));
        assertTrue(chain.size() >= 2, "the existing dependency and the attempt that closes the cycle");
        assertTrue(any(chain, "kernel_clone/copy_process"), "copy_process: tasklist_lock, then siglock " + chain);
        assertTrue(any(chain, "do_exit/exit_notify"), "exit_notify (the fault): siglock, then tasklist_lock " + chain);
        // Exercise 2: whether this run deadlocked or not, its journal runs again exactly.
        Cli.Result rerun = Cli.run("replay", journal.toString(), "--rerun");
        assertEquals(Main.OK, rerun.status(), rerun.out() + rerun.err());
        assertTrue(rerun.out().contains("re-run identical"), rerun.out());
    }

    @Test
    void pidmapLockWithInterruptsOnIsHardirqSafeToUnsafe() throws Exception {
        Run r = run("pidmap-irq");
        assertEquals(Main.VIOLATION, r.cli().status(), r.describe());
        JsonNode s = splat(r, "irq-safe-unsafe", "tasklist_lock", "pidmap_lock");
        JsonNode chains = s.get("chains");
        assertEquals(2, chains.size(), "where each became safe / unsafe, and the dependencies between them");
        List<String> usage = paths(chains.get(0));
        assertEquals(2, usage.size());
        assertTrue(usage.get(0).contains("kill_fasync/send_sigio"), "safe: read in the interrupt " + usage);
        assertTrue(usage.get(1).contains("copy_process/alloc_pid"), "unsafe: alloc_pid with irqs on " + usage);
        List<String> deps = paths(chains.get(1));
        assertFalse(deps.isEmpty());
        assertTrue(deps.get(deps.size() - 1).contains("release_task/__exit_signal"), "free_pid under siglock " + deps);
        assertTrue(deps.get(deps.size() - 1).endsWith("free_pid"), deps.toString());
    }

    @Test
    void waitTaskZombieLockingGivesNoReportEvenWithInterrupts() throws Exception {
        Run r = run("wait-siglock");
        assertEquals(Main.OK, r.cli().status(), r.describe());
        assertEquals(0, r.report().get("lockdep").size(), r.describe());
        boolean interrupted = false, accounted = false;
        for (JsonNode l : r.report().get("locks")) {
            String path = l.get("path").asText();
            interrupted |= path.startsWith("asm_common_interrupt/handle_irq/kill_fasync/send_sigio");
            accounted |= path.endsWith("wait_consider_task/wait_task_zombie")
                    && l.get("lock").asText().equals("&sighand->siglock");
        }
        assertTrue(interrupted, "the run took device interrupts");
        assertTrue(accounted, "wait_task_zombie took the waiter's siglock");
    }

    @Test
    void releaseTaskWithoutTasklistLockIsSuspiciousRcuUsage() throws Exception {
        Run r = run("release-unlocked");
        assertEquals(Main.VIOLATION, r.cli().status(), r.describe());
        JsonNode s = splat(r, "suspicious-rcu-usage", "tasklist_lock");
        assertEquals(0, s.get("chains").size(), "an assertion has no chain");
        assertTrue(s.get("text").toString().contains("release_task/__exit_signal"), s.toString());
    }

    @Test
    void killSiglockWithInterruptsOnIsAnInconsistentLockState() throws Exception {
        Run r = run("kill-irq");
        assertEquals(Main.VIOLATION, r.cli().status(), r.describe());
        JsonNode s = splat(r, "inconsistent-lock-state", "&sighand->siglock");
        assertEquals(1, s.get("chains").size());
        List<String> usage = paths(s.get("chains").get(0));
        assertEquals(2, usage.size(), "where the first usage was registered, and the acquisition now");
        assertTrue(any(usage, "send_sigio_to_task/lock_task_sighand"), "in the interrupt " + usage);
        assertTrue(any(usage, "__x64_sys_kill/"), "kill with interrupts on " + usage);
        splat(
                r,
                "irq-lock-inversion",
                "tasklist_lock",
                "&sighand->siglock"); // siglock became unsafe after the order was seen
    }

    @Test
    void exitMmTaskLockFirstIsACircularDependencyWithExecMmap() throws Exception {
        Run r = run("exit-mm");
        assertEquals(Main.VIOLATION, r.cli().status(), r.describe());
        JsonNode s = splat(r, "circular-dependency", "&mm->mmap_lock", "&p->alloc_lock");
        List<String> chain = paths(s.get("chains").get(0));
        assertTrue(chain.size() >= 2);
        assertTrue(any(chain, "begin_new_exec/exec_mmap"), "exec_mmap: mmap_lock, then task_lock " + chain);
        assertTrue(any(chain, "do_exit/exit_mm"), "exit_mm (the fault): task_lock, then mmap_lock " + chain);
        // and the rw_semaphore asked for under the spinlock: might_sleep's BUG
        splat(r, "sleep-in-atomic", "&p->alloc_lock", "&mm->mmap_lock");
    }

    @Test
    void everyExerciseScenarioSaysWhatItShowsAndIsInTheDocs() throws IOException {
        String doc = Files.readString(Path.of("docs/locking.md"));
        List<String> bad = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of("conf/exercises"))) {
            for (Path p : s.filter(f -> f.toString().endsWith(".conf")).sorted().toList()) {
                String name = p.getFileName().toString();
                String text = Files.readString(p);
                if (!text.startsWith("# Exercise ")
                        || !text.lines().findFirst().orElse("").contains("docs/locking.md"))
                    bad.add(name + ": does not start with its exercise and docs/locking.md");
                if (!text.contains("./kmodel run conf/exercises/" + name)) bad.add(name + ": says not how to run it");
                if (!doc.contains("`" + name + "`")) bad.add(name + ": not in docs/locking.md");
            }
        }
        assertEquals(List.of(), bad);
    }
}
