package dev.kmodel.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SIGTERM stops a run that would go on for ever; the report and the journal so far are still written. */
class SignalStopTest {
    @TempDir
    Path tmp;

    @Test
    void sigtermStopsARunAndStillWritesTheReportAndJournal() throws Exception {
        Path sc = tmp.resolve("endless.conf");
        Files.writeString(sc, """
                cpus = 1
                programs { main = [ { op = repeat, times = 1000000000, steps = [ { op = getpid }, { op = sleep, ticks = 1 } ] } ] }
                boot = [ main ]
                """);
        File report = tmp.resolve("r.json").toFile(),
                journal = tmp.resolve("j.kmj").toFile();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(
                        java,
                        "-cp",
                        System.getProperty("java.class.path"),
                        "dev.kmodel.cli.Main",
                        "run",
                        sc.toString(),
                        "--report",
                        report.getPath(),
                        "--journal",
                        journal.getPath(),
                        "--max-events",
                        "100000000",
                        "--max-ticks",
                        "1000000000"))
                .redirectErrorStream(true)
                .redirectOutput(tmp.resolve("out.txt").toFile())
                .start();
        // Give the JVM and the actor system time to boot and the run time to record events.
        await().pollDelay(Duration.ofSeconds(8)).atMost(Duration.ofSeconds(15)).until(p::isAlive);
        p.destroy(); // SIGTERM
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the run ended after SIGTERM");
        String out = Files.readString(tmp.resolve("out.txt"));
        assertEquals(143, p.exitValue(), out);
        assertTrue(out.contains("stopped by SIGTERM"), out);
        JsonNode r = new ObjectMapper().readTree(report);
        assertEquals("stopped", r.get("outcome").asText());
        assertEquals("SIGTERM", r.get("stopped").get("by").asText());
        assertTrue(r.get("journal").get("events").asLong() > 0);
        assertTrue(journal.length() > 0, "the journal so far is written");
    }

    @Test
    void aRunThatWouldExhaustTheHeapStopsFirstAndSaysSoInOneLine() throws Exception {
        Path sc = tmp.resolve("grow.conf");
        Files.writeString(sc, """
                cpus = 1
                programs { main = [ { op = repeat, times = 1000000000, steps = [ { op = getpid } ] } ] }
                boot = [ main ]
                """);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(
                        java,
                        "-Xmx128m",
                        "-XX:+UseParallelGC",
                        "-cp",
                        System.getProperty("java.class.path"),
                        "dev.kmodel.cli.Main",
                        "run",
                        sc.toString(),
                        "--max-events",
                        "1000000000",
                        "--max-time",
                        "10m"))
                .redirectErrorStream(true)
                .redirectOutput(tmp.resolve("grow.txt").toFile())
                .start();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the run ended");
        String out = Files.readString(tmp.resolve("grow.txt"));
        assertEquals(Main.VIOLATION, p.exitValue(), out);
        assertTrue(out.contains("outcome stopped") && out.contains("stopped by memory"), out);
        assertFalse(out.contains("OutOfMemoryError") || out.contains("Exception"), out);
    }
}
