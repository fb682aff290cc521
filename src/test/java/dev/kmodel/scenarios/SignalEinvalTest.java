package dev.kmodel.scenarios;

import static dev.kmodel.Runs.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.kmodel.Runs;
import dev.kmodel.report.Report;
import dev.kmodel.scenario.ScenarioException;
import dev.kmodel.scenario.ScenarioParser;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Invalid signal numbers are the system calls' EINVAL at run time (valid_signal, _NSIG = 64), and
 * unknown prctl options EINVAL, in conf/scenarios/signal-einval.conf; the parser still refuses what
 * cannot be an argument at all.
 */
class SignalEinvalTest {
    static Report r;

    @BeforeAll
    static void run() throws Exception {
        r = Runs.scenario("signal-einval");
    }

    @Test
    void completes() {
        assertEquals("completed", r.outcome(), () -> r.violations().toString());
    }

    @Test
    void killChecksTheSignalForEachTargetItFinds() {
        long t = result(r, "main", 0).ret();
        for (int step : new int[] {1, 2, 3, 7, 8})
            assertEquals("EINVAL", result(r, "main", step).errno(), "step " + step);
        assertEquals(0L, result(r, "main", 4).ret(), "signal 0: the target exists");
        assertNull(result(r, "main", 4).errno());
        assertEquals("ESRCH", result(r, "main", 5).errno(), "nobody to check signal 2000 for");
        assertEquals("ESRCH", result(r, "main", 6).errno());
        // Nothing was sent by the refused calls: the only signal the target got is the 64 of step 20.
        assertEquals(
                1,
                r.signals().stream().filter(x -> x.to() == t).count(),
                () -> r.signals().toString());
    }

    @Test
    void sigactionRefusesInvalidAndUncatchableSignals() {
        for (int step = 9; step <= 13; step++)
            assertEquals("EINVAL", result(r, "main", step).errno(), "step " + step);
        assertEquals(0L, result(r, "main", 14).ret(), "64 (SIGRTMAX) can be caught");
        assertNull(result(r, "main", 14).errno());
    }

    @Test
    void cloneRefusesAnInvalidExitSignalBeforeCreatingAnything() {
        for (int step = 15; step <= 17; step++)
            assertEquals("EINVAL", result(r, "main", step).errno(), "step " + step);
        assertEquals(1, tasks(r, "quiet").size(), "only the exit-signal-64 child was created");
        long q = result(r, "main", 18).ret();
        assertEquals(q, result(r, "main", 19).ret(), "reaped with __WALL: a clone child");
        assertEquals(3 << 8, result(r, "main", 19).status().raw());
        int main = task(r, "main").pid();
        assertTrue(
                r.signals().stream()
                        .anyMatch(x -> x.from() == q
                                && x.to() == main
                                && x.sig().equals("SIG64")
                                && x.disposition().equals("pending")),
                () -> r.signals().toString());
    }

    @Test
    void signal64IsValidAndItsDefaultActionTerminates() {
        long t = result(r, "main", 0).ret();
        assertEquals(0L, result(r, "main", 20).ret());
        assertEquals(t, result(r, "main", 21).ret());
        assertTrue(result(r, "main", 21).status().signaled());
        assertEquals(64, result(r, "main", 21).status().signal());
    }

    @Test
    void prctlOptionsLinuxDoesNotHaveAreEinval() {
        assertEquals("EINVAL", result(r, "main", 22).errno());
        assertEquals("EINVAL", result(r, "main", 23).errno());
        assertEquals(0L, result(r, "main", 24).ret(), "36 is PR_SET_CHILD_SUBREAPER");
        assertEquals(1L, result(r, "main", 25).ret());
    }

    @Test
    void anyIntIsASignalArgumentButANameMustBeKnown() throws Exception {
        String ok = """
        programs { m = [ { op = kill, pid = 1, sig = 2000 }, { op = sigaction, sig = -7 }
          { op = clone, exit-signal = 300, run = m } ] }
        boot = [ m ]
        """;
        assertDoesNotThrow(() -> ScenarioParser.parseString("ok.conf", ok));
        for (String bad : new String[] {
            "{ op = kill, pid = 1, sig = SIGFOO }",
            "{ op = kill, pid = 1, sig = 2.5 }",
            "{ op = kill, pid = 1, sig = 99999999999 }",
            "{ op = sigaction, sig = BOGUS }",
            "{ op = sigaction }",
            "{ op = clone, exit-signal = SIGNOPE, run = m }",
            "{ op = getpgid, pid = 0, bogus = 1 }",
            "{ op = getsidd }"
        }) {
            String text = "programs { m = [ " + bad + " ] }\nboot = [ m ]\n";
            assertThrows(ScenarioException.class, () -> ScenarioParser.parseString("bad.conf", text), bad);
        }
    }
}
