package dev.kmodel.scenarios;

import static dev.kmodel.Runs.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.kmodel.report.Report;
import dev.kmodel.report.Report.ResultRow;
import org.junit.jupiter.api.Test;

/**
 * The machine's clock on several CPUs: system calls take no time, sleeps and computations do, and
 * the clock moves only when nothing else can happen. So a task that sleeps 10 ticks acts before one
 * on another CPU that sleeps (or computes) 1000 has woken up — the order Linux would give.
 */
class TimeTest {

    private static final String SCENARIO = """
      name = "time", cpus = 2, seed = %d
      programs {
        main = [
          { op = fork, run = sleeper, save = a }
          { op = fork, run = cruncher, save = b }
          { op = sleep, ticks = 10 }
          { op = kill, pid = "$a", sig = SIGKILL }
          { op = kill, pid = "$b", sig = SIGTERM }
          { op = wait4, pid = "$a", save = sa }
          { op = wait4, pid = "$b", save = sb }
          { op = exit, code = 0 }
        ]
        sleeper  = [ { op = sleep, ticks = 1000 }, { op = exit, code = 1 } ]
        cruncher = [ { op = compute, ticks = 1000 }, { op = exit, code = 2 } ]
      }
      boot = [ main ]
      """;

    @Test
    void aShortSleepEndsBeforeLongSleepsAndComputationsOnOtherCpus() throws Exception {
        for (long seed = 1; seed <= 4; seed++) {
            Report r = text(SCENARIO.formatted(seed));
            assertEquals("completed", r.outcome(), r.violations().toString());
            ResultRow a = result(r, "main", 5);
            ResultRow b = result(r, "main", 6);
            assertTrue(a.status().signaled(), "seed " + seed + ": the sleeper was killed in its sleep: " + a.status());
            assertEquals(9, a.status().signal());
            assertTrue(b.status().signaled(), "seed " + seed + ": the computation was interrupted: " + b.status());
            assertEquals(15, b.status().signal());
        }
    }
}
