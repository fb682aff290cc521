package dev.kmodel.cli;

import static org.junit.jupiter.api.Assertions.*;

import dev.kmodel.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bounds on the command line: human durations, bad values as one line, a stopped run as exit 1. */
class RunBoundsOptionsTest {
    @TempDir
    Path tmp;

    private static Cli.Result cli(String... args) {
        return Cli.run(args);
    }

    private String endless() throws Exception {
        Path p = tmp.resolve("endless.conf");
        Files.writeString(p, """
                cpus = 1
                programs { main = [ { op = repeat, times = 1000000000, steps = [ { op = getpid } ] } ] }
                boot = [ main ]
                """);
        return p.toString();
    }

    @Test
    void badBoundValuesAreOneLineAndExitTwo() throws Exception {
        for (String[] bad : new String[][] {
            {"--max-time", "soon"},
            {"--max-time", "0s"},
            {"--max-events", "0"},
            {"--max-ticks", "-5"},
            {"--max-events", "1e3"}
        }) {
            Cli.Result r = cli("run", endless(), bad[0], bad[1]);
            assertEquals(Main.BAD_INPUT, r.status(), String.join(" ", bad) + ": " + r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(r.err().contains(bad[0]) || r.err().contains(bad[1]), r.err());
        }
    }

    @Test
    void aRunStoppedByABoundExitsOneAndSaysWhichAndWhatWasRunning() throws Exception {
        Path report = tmp.resolve("r.json");
        Cli.Result r = cli("run", endless(), "--max-events", "2000", "--report", report.toString());
        assertEquals(Main.VIOLATION, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("outcome stopped"), r.out());
        assertTrue(r.out().contains("stopped by events (2000 events)"), r.out());
        assertTrue(r.out().contains("still running:") && r.out().contains("main"), r.out());
        String json = Files.readString(report);
        assertTrue(json.contains("\"by\" : \"events\""), json.substring(0, Math.min(600, json.length())));
    }

    @Test
    void theWallTimeLimitIsPrintedAsPeopleReadIt() throws Exception {
        Cli.Result r = cli("run", endless(), "--max-time", "1s");
        assertEquals(Main.VIOLATION, r.status());
        assertTrue(r.out().contains("outcome timeout"), r.out());
        assertTrue(r.out().contains("stopped by wall-time (1s)"), r.out());
        assertFalse(r.out().contains("PT"), r.out());
    }

    @Test
    void theJournalOfAStoppedRunSaysSoAndReRunsToTheSamePoint() throws Exception {
        Path journal = tmp.resolve("j.kmj");
        Cli.Result r = cli("run", endless(), "--max-events", "2000", "--journal", journal.toString());
        assertEquals(Main.VIOLATION, r.status(), r.out() + r.err());
        assertTrue(Files.readAllLines(journal).get(0).contains("\"stopped\":\"events\""), "the header says so");
        Cli.Result re = cli("replay", journal.toString(), "--rerun");
        assertEquals(Main.OK, re.status(), re.out() + re.err());
        assertTrue(re.out().contains("re-run identical") && re.out().contains("outcome stopped"), re.out());
        Cli.Result at = cli("replay", journal.toString(), "--at", "100");
        assertEquals(Main.OK, at.status(), at.err());
    }
}
