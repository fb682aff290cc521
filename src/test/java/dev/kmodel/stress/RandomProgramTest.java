package dev.kmodel.stress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.kmodel.report.Report;
import dev.kmodel.run.Machine;
import dev.kmodel.scenario.Program;
import dev.kmodel.scenario.Scenario;
import dev.kmodel.scenario.ScenarioException;
import dev.kmodel.scenario.Step;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Seeded random programs (issue 11, item 3): the same seed gives the same text, every text parses and
 * keeps to the bounds, the runs end with no violation, and over a few hundred seeds every op and
 * option the generator is meant to draw from appears. The runs use seeds 0-59. Seeds 98 and 311 met a
 * model bug the generator found, since fixed (init killed by kill_orphaned_pgrp's SIGHUP: the regression
 * scenario init-sighup in src/test/resources/regressions).
 */
class RandomProgramTest {
    private static final int SEEDS = 300;
    private static final int RUNS = 60;

    @Test
    void theSameSeedGivesTheSameText() {
        for (long s = 0; s < 50; s++) assertEquals(RandomProgram.generate(s), RandomProgram.generate(s), "seed " + s);
        assertEquals(RandomProgram.generate(Long.MIN_VALUE), RandomProgram.generate(Long.MIN_VALUE));
    }

    @Test
    void differentSeedsMostlyGiveDifferentTexts() {
        Set<String> bodies = new HashSet<>();
        for (long s = 0; s < 200; s++) bodies.add(withoutHeader(RandomProgram.generate(s)));
        assertTrue(bodies.size() >= 190, bodies.size() + " distinct programs in 200 seeds");
    }

    /** The text without the lines that name the seed (comment, name, seed). */
    private static String withoutHeader(String text) {
        return text.lines()
                .filter(l -> !l.startsWith("#") && !l.startsWith("name =") && !l.startsWith("seed ="))
                .reduce("", (a, b) -> a + b + "\n");
    }

    @Test
    void everySeedParsesAndKeepsToTheBounds() throws ScenarioException {
        for (long s = -5; s < SEEDS; s++) {
            String text = RandomProgram.generate(s);
            Scenario sc = RandomProgram.scenario(s);
            assertEquals("random-" + s, sc.name(), text);
            assertEquals(s, sc.seed(), text);
            assertTrue(sc.cpus() >= 2 && sc.cpus() <= 4, text);
            assertTrue(sc.programs().size() <= RandomProgram.MAX_PROGRAMS, text);
            assertTrue(!sc.boot().isEmpty() && sc.boot().size() <= 3, text);
            for (Program p : sc.programs().values()) {
                assertTrue(!p.steps().isEmpty() && p.steps().size() <= RandomProgram.MAX_STEPS, p.name() + "\n" + text);
                for (Step st : p.steps()) {
                    if (Set.of("sleep", "compute", "rcu_walk").contains(st.op())) {
                        long t = st.num("ticks", 0);
                        assertTrue(t >= 1 && t <= RandomProgram.MAX_TICKS, text);
                    }
                }
            }
            int tasks = 0;
            for (String b : sc.boot()) tasks += 1 + created(sc, sc.programs().get(b), 0);
            assertTrue(tasks <= RandomProgram.MAX_TASKS, tasks + " tasks\n" + text);
        }
    }

    /** The most tasks one task running {@code p} may create, its descendants' included. */
    private static int created(Scenario sc, Program p, int depth) {
        assertTrue(depth < 20, "programs create each other: " + p.name());
        int n = 0;
        List<Step> steps = p.steps();
        for (Step s : steps) {
            int times = 1;
            for (Step r : steps) {
                if (r.op().equals("repeat") && r.index() < s.index() && s.index() < r.bodyEnd()) {
                    times *= (int) r.num("times", 1);
                }
            }
            switch (s.op()) {
                case "fork", "vfork", "clone", "clone3", "thread" ->
                    n += times * (1 + created(sc, sc.programs().get(s.str("run", "")), depth + 1));
                case "exec" -> n += created(sc, sc.programs().get(s.str("image", "")), depth + 1);
                default -> {}
            }
        }
        return n;
    }

    @Test
    void runsEndWithoutViolation() throws ScenarioException {
        // A run that does not end is bounded well below the default five minutes.
        Config cfg = ConfigFactory.parseString("kmodel.bounds.wall-time = 30s").withFallback(Machine.config());
        List<String> failures = new ArrayList<>();
        for (long s = 0; s < RUNS; s++) {
            Report r = Machine.run(RandomProgram.scenario(s), cfg, false).report();
            if (!r.outcome().equals("completed") || !r.violations().isEmpty()) {
                failures.add(
                        "seed " + s + ": " + r.outcome() + " " + r.violations() + "\n" + RandomProgram.generate(s));
            }
        }
        assertEquals(List.of(), failures);
    }

    @Test
    void everyOpAndOptionAppears() {
        Set<String> ops = new TreeSet<>();
        StringBuilder all = new StringBuilder();
        for (long s = 0; s < SEEDS; s++) {
            String text = RandomProgram.generate(s);
            ops.addAll(RandomProgram.ops(text));
            all.append(text);
        }
        for (String op : List.of(
                "fork",
                "clone",
                "thread",
                "vfork",
                "exec",
                "exit",
                "exit_group",
                "wait4",
                "waitid",
                "kill",
                "sigaction",
                "setpgid",
                "setsid",
                "prctl",
                "unshare",
                "sleep",
                "compute",
                "rcu_walk",
                "repeat",
                "getpid",
                "getppid")) {
            assertTrue(ops.contains(op), "no " + op + " in " + SEEDS + " seeds: " + ops);
        }
        String text = all.toString();
        for (String feature : List.of(
                "CLONE_PARENT",
                "CLONE_THREAD, CLONE_SIGHAND, CLONE_VM ]",
                "CLONE_FILES",
                "CLONE_VM, CLONE_SIGHAND ]",
                "CLONE_NEWPID",
                "CLONE_VM, CLONE_VFORK",
                "exit-signal = none",
                "exit-signal = SIGUSR1",
                "WNOHANG",
                "WUNTRACED",
                "WSTOPPED",
                "WCONTINUED",
                "WNOWAIT",
                "__WALL",
                "__WCLONE",
                "__WNOTHREAD",
                "op = wait4, pid = -1",
                "op = wait4, pid = 0",
                "op = wait4, pid = \"$",
                "op = wait4, pid = \"-$",
                "idtype = P_ALL",
                "idtype = P_PID",
                "idtype = P_PGID",
                "sig = SIGSTOP",
                "sig = SIGCONT",
                "sig = SIGKILL",
                "sig = SIGTERM",
                "sig = SIGCHLD",
                "sig = SIGUSR1",
                "op = kill, pid = \"-$",
                "op = kill, pid = 0",
                "sig = SIGCHLD, handler = SIG_IGN",
                "SA_NOCLDWAIT",
                "SA_NOCLDSTOP",
                "handler = catch",
                "PR_SET_CHILD_SUBREAPER",
                "PR_SET_PDEATHSIG",
                "flags = [ CLONE_NEWPID ], save",
                "left-stopped")) {
            assertTrue(text.contains(feature), "no " + feature + " in " + SEEDS + " seeds");
        }
    }
}
