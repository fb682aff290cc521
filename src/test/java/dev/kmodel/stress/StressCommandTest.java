package dev.kmodel.stress;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kmodel.Cli;
import dev.kmodel.journal.JournalFile;
import dev.kmodel.replay.Rerun;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stress and shrink commands end to end: a clean scenario passes, a faulty one is found, grouped,
 * its first journal saved and re-run exactly, and shrunk to a smaller run that shows the same violation.
 */
class StressCommandTest {
    @TempDir
    Path tmp;

    @Test
    void aCleanScenarioPassesEverySchedule() throws Exception {
        File json = tmp.resolve("s.json").toFile();
        Cli.Result r = Cli.run(
                "stress",
                "conf/scenarios/two-waiters.conf",
                "--schedules",
                "12",
                "--jobs",
                "2",
                "--out",
                tmp.resolve("out").toString(),
                "--report",
                json.getPath());
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("12 schedules (random, seeds 1..12"), r.out());
        assertTrue(r.out().contains("violations: none"), r.out());
        JsonNode s = new ObjectMapper().readTree(json);
        assertEquals(12, s.get("schedules").asLong());
        assertEquals("random", s.get("strategy").asText());
        assertTrue(s.get("interleavings").asLong() > 1, "12 seeds, one interleaving: " + s);
        assertEquals(0, s.get("violations").size());
    }

    @Test
    void aFaultIsFoundGroupedSavedReRunAndShrunk() throws Exception {
        Path out = tmp.resolve("out");
        File json = tmp.resolve("s.json").toFile();
        Cli.Result r = Cli.run(
                "stress",
                "conf/scenarios/zombie-reap.conf",
                "--faults",
                "exit-notify-siglock-first",
                "--schedules",
                "3",
                "--strategy",
                "pct:2",
                "--out",
                out.toString(),
                "--report",
                json.getPath());
        assertEquals(1, r.status(), r.out() + r.err());
        JsonNode s = new ObjectMapper().readTree(json);
        JsonNode g = s.get("violations").get(0);
        assertEquals("lockdep", g.get("kind").asText());
        assertEquals(3, g.get("hits").asLong());
        assertTrue(g.get("rate").get("low").asDouble() > 0.2, g.toString());
        assertTrue(
                s.get("strategy").asText().matches("pct:2:\\d+"),
                s.get("strategy").asText());
        File kmj = new File(g.get("journal").asText());
        assertTrue(kmj.isFile(), kmj.toString());
        Rerun.Outcome o = Rerun.run(JournalFile.read(kmj));
        assertTrue(o.identical(), o.divergence() + " " + o.status());

        Cli.Result sh = Cli.run("shrink", kmj.getPath(), "--out", out.toString(), "--tries", "3", "--seeds", "3");
        assertEquals(0, sh.status(), sh.out() + sh.err());
        File shrunk;
        try (Stream<Path> files = Files.list(out)) {
            shrunk = files.filter(p -> p.toString().endsWith("-shrunk.kmj"))
                    .findFirst()
                    .orElseThrow()
                    .toFile();
        }
        JournalFile.Loaded small = JournalFile.read(shrunk);
        assertTrue(
                small.events().size() < JournalFile.read(kmj).events().size(),
                "shrunk: " + small.events().size() + " events\n" + sh.out());
        Shrink.Target t = Shrink.targetOf(small);
        assertEquals("lockdep", t.kind());
        Rerun.Outcome so = Rerun.run(small);
        assertTrue(so.identical(), so.divergence() + " " + so.status());
    }

    @Test
    void badInputIsOneLineAndExitTwo() {
        Cli.Result none = Cli.run("stress");
        assertEquals(2, none.status());
        assertTrue(none.err().startsWith("kmodel: stress needs"), none.err());
        Cli.Result strat = Cli.run("stress", "conf/scenarios/two-waiters.conf", "--strategy", "fifo");
        assertEquals(2, strat.status());
        assertEquals(1, strat.err().lines().count(), strat.err());
        Cli.Result missing = Cli.run("shrink", tmp.resolve("nothing.kmj").toString());
        assertEquals(2, missing.status());
        assertEquals(1, missing.err().lines().count(), missing.err());
    }

    @Test
    void wilsonIntervalsBracketTheRate() {
        Stress.Rate none = Stress.Rate.of(0, 100);
        assertEquals(0, none.low());
        assertTrue(none.high() > 0.03 && none.high() < 0.04, "" + none); // 3.7% for 0/100
        Stress.Rate half = Stress.Rate.of(50, 100);
        assertTrue(half.low() < 0.5 && half.high() > 0.5);
        assertEquals(0.5, half.rate());
    }

    @Test
    void aSiteIgnoresWhatChangesBetweenSchedules() {
        assertEquals(
                Stress.site("use after free of task-5 at seq 812"), Stress.site("use after free of task-7 at seq 90"));
    }
}
