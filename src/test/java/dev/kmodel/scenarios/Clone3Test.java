package dev.kmodel.scenarios;

import static dev.kmodel.Runs.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.kmodel.Runs;
import dev.kmodel.report.Report;
import dev.kmodel.scenario.ScenarioException;
import dev.kmodel.scenario.ScenarioParser;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * clone3(2) in conf/scenarios/clone3.conf, against kernel/fork.c copy_clone_args_from_user and
 * clone3_args_valid, then kernel_clone as for clone.
 */
class Clone3Test {
    static Report r;
    static int main;

    @BeforeAll
    static void run() throws Exception {
        r = Runs.scenario("clone3");
        main = task(r, "main").pid();
    }

    @Test
    void completes() {
        assertEquals("completed", r.outcome(), () -> r.violations().toString());
    }

    @Test
    void clone3ArgsValidRefusesWhatLegacyCloneTakes() {
        for (int step = 0; step <= 7; step++)
            assertEquals("EINVAL", result(r, "main", step).errno(), "step " + step);
        assertEquals(2, tasks(r, "child").size(), "nothing was created for the refused calls");
        // Legacy clone with CLONE_PARENT and an exit signal: accepted, the signal ignored (the caller's is used).
        long s0 = result(r, "main", 8).ret();
        assertTrue(r.signals().stream()
                .anyMatch(s -> s.from() == s0 && s.to() == 1 && s.sig().equals("SIGCHLD")));
    }

    @Test
    void withExitSignalItIsAFork() {
        long a = result(r, "main", 9).ret();
        assertEquals(a, result(r, "main", 10).ret());
        assertEquals(3 << 8, result(r, "main", 10).status().raw());
        assertTrue(r.signals().stream()
                .anyMatch(s -> s.from() == a && s.to() == main && s.sig().equals("SIGCHLD")));
    }

    @Test
    void withoutExitSignalTheChildIsACloneChild() {
        long b = result(r, "main", 11).ret();
        assertEquals("ECHILD", result(r, "main", 12).errno(), "wait4 without __WCLONE does not see it");
        assertEquals(b, result(r, "main", 13).ret());
        assertEquals(3 << 8, result(r, "main", 13).status().raw());
        assertTrue(r.signals().stream().noneMatch(s -> s.from() == b), "exit_signal 0: nothing sent");
    }

    @Test
    void clearSighandResetsHandlersButNotIgnores() {
        long c = result(r, "main", 16).ret();
        long d = result(r, "main", 17).ret();
        assertTrue(
                r.signals().stream()
                        .anyMatch(s -> s.to() == c
                                && s.sig().equals("SIGUSR2")
                                && s.disposition().equals("ignored")),
                "SIG_IGN stays");
        assertEquals(10, result(r, "main", 21).status().raw(), "its SIGUSR1 handler went back to SIG_DFL: killed");
        assertEquals(c, result(r, "main", 21).ret());
        assertEquals(5 << 8, result(r, "main", 22).status().raw(), "without the flag, SIGUSR1 is caught");
        assertEquals(d, result(r, "main", 22).ret());
    }

    @Test
    void cloneParentAndCloneThreadReuseTheClonePath() {
        long e = result(r, "main", 23).ret();
        List<Report.ResultRow> sib = results(r, x -> x.pid() == e && x.op().equals("getppid"));
        assertEquals(1L, sib.get(0).ret(), "a sibling: its parent is init");
        long t = result(r, "main", 24).ret();
        assertEquals((long) main, call(r, (int) t, "getpid", 0).ret(), "a thread of main: its tgid");
        assertEquals(t, call(r, (int) t, "gettid", 0).ret());
    }

    @Test
    void unmodelledFlagsAreRefusedAtLoadTime() {
        ScenarioException x = assertThrows(
                ScenarioException.class,
                () -> ScenarioParser.parseString(
                        "t.conf",
                        "programs { main = [ { op = clone3, flags = [ CLONE_INTO_CGROUP ], run = main } ] }\nboot = [ main ]"));
        assertTrue(x.getMessage().contains("not modelled"), x.getMessage());
        assertThrows(
                ScenarioException.class,
                () -> ScenarioParser.parseString(
                        "t.conf",
                        "programs { main = [ { op = clone3, flags = [ CLONE_BOGUS ], run = main } ] }\nboot = [ main ]"));
    }
}
