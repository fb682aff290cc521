package dev.kmodel.scenarios;

import static dev.kmodel.Runs.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.kmodel.Runs;
import dev.kmodel.report.Report;
import dev.kmodel.report.Report.ResultRow;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * RLIMIT_CORE and core-dumping signals in conf/scenarios/coredump.conf, against core(5), signal(7),
 * getrlimit(2) and fs/coredump.c: WCOREDUMP (0x80) only when do_coredump wrote a core.
 */
class CoredumpTest {
    static Report r;

    @BeforeAll
    static void run() throws Exception {
        r = Runs.scenario("coredump");
    }

    private static ResultRow reap(int step) {
        return result(r, "main", step);
    }

    @Test
    void completes() {
        assertEquals("completed", r.outcome(), () -> r.violations().toString());
    }

    @Test
    void theDefaultLimitIsZeroSoNoCore() {
        assertEquals(11, reap(2).status().raw(), "SIGSEGV, WCOREDUMP clear: INIT_RLIMITS has RLIMIT_CORE 0");
        assertEquals(11, reap(2).status().signal());
    }

    @Test
    void belowOnePageNothingIsWritten() {
        assertNull(reap(3).errno());
        assertEquals(6, reap(6).status().raw(), "4095 < the ELF min_coredump");
    }

    @Test
    void anUnlimitedLimitIsInheritedAndTheCoreReported() {
        ResultRow w = reap(10);
        assertEquals("waitid", w.op());
        assertEquals("CLD_DUMPED", w.siginfo().code());
        assertEquals(3, w.siginfo().status());
        assertEquals(0x80 | 3, w.status().raw());
        assertEquals(15, reap(13).status().raw(), "SIGTERM's action is Term, not Core");
    }

    @Test
    void theLimitIsPerProcess() {
        assertEquals(11, reap(15).status().raw(), "the child set its own to 0 and dumped nothing");
        assertEquals(0x80 | 11, reap(18).status().raw(), "the parent's is still unlimited");
    }

    @Test
    void aThreadGroupDumpsOnceAndEveryThreadDies() {
        assertEquals(0x80 | 7, reap(22).status().raw());
        assertEquals(2, tasks(r, "threads").size());
        for (var t : tasks(r, "threads")) {
            assertEquals("freed", t.state());
            assertEquals(7, t.exitSignal());
        }
    }

    @Test
    void aThreadsSetrlimitIsTheWholeProcesss() throws Exception {
        // signal->rlim is shared: a thread raises RLIMIT_CORE; the process, killed through its leader, dumps.
        Report t = Runs.text("""
        programs {
          main = [
            { op = fork, run = proc, save = p }
            { op = sleep, ticks = 5 }
            { op = kill, pid = "$p", sig = SIGSEGV }
            { op = wait4, pid = "$p", save = st }
          ]
          proc = [ { op = thread, run = raiser }, { op = sleep, ticks = 1000 } ]
          raiser = [ { op = setrlimit, resource = RLIMIT_CORE, value = unlimited }, { op = sleep, ticks = 1000 } ]
        }
        boot = [ main ]
        """);
        assertEquals("completed", t.outcome(), () -> t.violations().toString());
        assertNull(call(t, "proc", "setrlimit", 0).errno(), "a thread keeps its creator's comm");
        assertEquals(0x80 | 11, call(t, "main", "wait4", 0).status().raw());
    }

    @Test
    void setrlimitChecks() {
        assertEquals("EINVAL", reap(23).errno(), "soft above hard");
        assertNull(reap(24).errno(), "the hard limit lowered to 4096");
        assertEquals("EINVAL", reap(25).errno(), "RLIM_INFINITY above the new hard limit");
        assertEquals("EINVAL", reap(26).errno(), "resource 16 >= RLIM_NLIMITS");
        assertEquals(0x80 | 8, reap(29).status().raw(), "4096 is exactly one page: a core");
    }
}
