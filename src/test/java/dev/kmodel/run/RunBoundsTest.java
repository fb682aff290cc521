package dev.kmodel.run;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.*;

import dev.kmodel.Runs;
import dev.kmodel.report.Report;
import dev.kmodel.run.Bounds.Bound;
import dev.kmodel.scenario.ScenarioParser;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Runs that would never end are stopped by a bound and say so, with what was still going on. */
class RunBoundsTest {
    private static final String ENDLESS = """
            cpus = 1
            programs { main = [ { op = repeat, times = 1000000000, steps = [ { op = getpid } ] } ] }
            boot = [ main ]
            """;

    private static Machine.Result run(String hocon, Bounds b) throws Exception {
        var sc = ScenarioParser.parseString("test.conf", hocon);
        return Machine.run(sc, b.into(Machine.config()), true);
    }

    private static Bounds defaults() {
        return Bounds.of(Machine.config());
    }

    @Test
    void aLoopOfABillionStepsStopsAtTheEventBoundWithTheJournalSoFar() throws Exception {
        Machine.Result r = run(ENDLESS, defaults().withMaxEvents(3000));
        Report rep = r.report();
        assertEquals("stopped", rep.outcome());
        assertEquals("events", rep.stopped().by());
        assertTrue(
                rep.journal().events() >= 3000,
                "the journal so far: " + rep.journal().events());
        assertEquals(rep.journal().events(), r.journal().size(), "the journal is kept up to the stop");
        Report.BlockedRow main = rep.blocked().stream()
                .filter(b -> b.comm().equals("main"))
                .findFirst()
                .orElseThrow();
        assertEquals("running", main.state(), "what was still running is named: " + rep.blocked());
        assertTrue(rep.results().stream().filter(x -> x.op().equals("getpid")).count() > 100);
        assertEquals(
                List.of(),
                rep.violations(),
                "a run cut short is not judged as ended (its mm is still in use), and halting it is no use after free");
    }

    @Test
    void aKernelThreadNeverStoppedEndsAtTheTickBound() throws Exception {
        Machine.Result r = run("""
                cpus = 1
                programs {
                  main = [ { op = kthread_run, run = k }, { op = exit, code = 0 } ]
                  k = [ { op = sleep, ticks = 10 } ]
                }
                boot = [ main ]
                """, defaults().withMaxTicks(500));
        Report rep = r.report();
        assertEquals("stopped", rep.outcome());
        assertEquals("ticks", rep.stopped().by());
        long clock =
                rep.cpuStats().stream().mapToLong(Report.CpuRow::clock).max().orElseThrow();
        assertTrue(clock <= 510, "the clock stayed within the bound (a system call takes a tick): " + clock);
        assertTrue(clock >= 480, "and got there: " + clock);
        assertTrue(
                rep.blocked().stream().anyMatch(b -> b.comm().equals("k") && b.in().equals("hrtimer_nanosleep")),
                rep.blocked().toString());
    }

    @Test
    void theWallTimeBoundIsRealTimeAndEndsWithTimeout() throws Exception {
        long t0 = System.nanoTime();
        Machine.Result r = run(ENDLESS, defaults().withWallTime(Duration.ofMillis(300)));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals("timeout", r.report().outcome());
        assertEquals("wall-time", r.report().stopped().by());
        assertEquals("300ms", r.report().stopped().limit());
        assertTrue(ms < 30_000, "ended long before a hang would: " + ms + " ms");
    }

    @Test
    void aStopRequestFromAnotherThreadEndsTheRunWithItsReport() throws Exception {
        var sc = ScenarioParser.parseString("test.conf", ENDLESS);
        try (Machine.Running m = Machine.start(sc, Machine.config(), true)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> m.store().accepted() > 500);
            m.requestStop(Bound.SIGTERM);
            String outcome = m.awaitQuiescence();
            assertEquals("stopped", outcome);
            Report rep = m.result(outcome).report();
            assertEquals("SIGTERM", rep.stopped().by());
            assertTrue(rep.journal().events() > 500);
        }
    }

    @Test
    void durationsReadAndPrintAsPeopleWriteThem() {
        assertEquals(Duration.ofMinutes(2), Bounds.parseDuration("2m"));
        assertEquals(Duration.ofSeconds(90), Bounds.parseDuration("90s"));
        assertEquals(Duration.ofSeconds(45), Bounds.parseDuration("45"));
        assertEquals(Duration.ofHours(1), Bounds.parseDuration("1h"));
        assertThrows(IllegalArgumentException.class, () -> Bounds.parseDuration("soon"));
        assertThrows(IllegalArgumentException.class, () -> Bounds.parseDuration("0s"));
        assertEquals("2m", Bounds.human(Duration.ofMinutes(2)));
        assertEquals("1m 30s", Bounds.human(Duration.ofSeconds(90)));
        assertEquals("1.5s", Bounds.human(Duration.ofMillis(1500)));
        assertEquals("250ms", Bounds.human(Duration.ofMillis(250)));
        assertEquals("1h 5m", Bounds.human(Duration.ofMinutes(65)));
    }

    @Test
    void openPastRlimitNofileIsEmfileAndTouchPastTheMachinesMemoryIsEnomem() throws Exception {
        Report r = Runs.text("""
                cpus = 1
                programs {
                  main = [
                    { op = open, count = 1000000000 }
                    { op = open, count = 1024 }
                    { op = open, count = 1 }
                    { op = touch, pages = 1000000000 }
                    { op = exit, code = 0 }
                  ]
                }
                boot = [ main ]
                """);
        assertEquals("completed", r.outcome(), r.violations().toString());
        assertEquals("EMFILE", Runs.result(r, "main", 0).errno());
        assertNull(Runs.result(r, "main", 1).errno(), "descriptors 0..1023 fit");
        assertEquals("EMFILE", Runs.result(r, "main", 2).errno(), "the 1025th does not");
        assertEquals("ENOMEM", Runs.result(r, "main", 3).errno());
        assertTrue(r.violations().isEmpty(), "every frame the faults took is freed at exit: " + r.violations());
    }
}
