package dev.kmodel.run;

import static org.junit.jupiter.api.Assertions.*;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import dev.kmodel.journal.JournalFile;
import dev.kmodel.replay.Rerun;
import dev.kmodel.report.Report;
import dev.kmodel.scenario.Scenario;
import dev.kmodel.scenario.ScenarioParser;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Controlled schedules: the seed alone fixes the interleaving (the same seed gives the same journal,
 * byte for byte), different seeds reach different interleavings and both sides of a race, and a
 * controlled journal re-runs exactly like a parallel one.
 */
class ScheduleTest {
    @TempDir
    Path tmp;

    private static Config schedule(String s) {
        return Machine.config().withValue("kmodel.schedule", ConfigValueFactory.fromAnyRef(s));
    }

    private File record(String scenario, long seed, String strategy, String name) throws Exception {
        Path p = Path.of("conf/scenarios", scenario + ".conf");
        Scenario sc = ScenarioParser.parseFile(p.toFile()).withSeed(seed);
        Config cfg = schedule(strategy);
        Machine.Result r = Machine.run(sc, cfg, true);
        assertNull(r.report().stopped(), scenario + " seed " + seed + " " + strategy + " did not end");
        File f = tmp.resolve(name + ".kmj").toFile();
        JournalFile.write(f, sc, Files.readString(p), JournalFile.knobs(cfg), r.journal());
        return f;
    }

    @Test
    void theSameSeedGivesTheSameJournalByteForByte() throws Exception {
        List<String> differ = new ArrayList<>();
        String[] scenarios = {
            "two-waiters",
            "exit-vs-reparent",
            "threads",
            "pid-ns",
            "subreaper",
            "vfork-exec",
            "stop-continue",
            "kthreads"
        };
        for (String s : scenarios) {
            for (String strategy : List.of("random", "pct:3")) {
                long seed = s.length(); // a different seed per scenario
                byte[] a =
                        Files.readAllBytes(record(s, seed, strategy, s + "-a").toPath());
                byte[] b =
                        Files.readAllBytes(record(s, seed, strategy, s + "-b").toPath());
                if (!Arrays.equals(a, b)) differ.add(s + " " + strategy);
            }
        }
        assertEquals(List.of(), differ);
    }

    /** Which thread of the parent reaped the child: the leader's pid or the waiter thread's. */
    private static int winner(Report r) {
        return r.results().stream()
                .filter(x ->
                        x.op().equals("wait4") && x.errno() == null && x.comm().equals("parent"))
                .mapToInt(Report.ResultRow::pid)
                .findFirst()
                .orElse(-1);
    }

    @Test
    void seedsReachBothSidesOfARaceUnderBothStrategies() throws Exception {
        Path p = Path.of("conf/scenarios/two-waiters.conf");
        for (String strategy : List.of("random", "pct:3")) {
            Set<Integer> winners = new TreeSet<>();
            Set<Integer> orders = new TreeSet<>();
            for (long seed = 1; seed <= 24 && winners.size() < 2; seed++) {
                Scenario sc = ScenarioParser.parseFile(p.toFile()).withSeed(seed);
                Machine.Result r = Machine.run(sc, schedule(strategy), true);
                assertEquals("completed", r.report().outcome(), strategy + " seed " + seed);
                winners.add(winner(r.report()));
                orders.add(r.journal().hashCode());
            }
            assertEquals(2, winners.size(), strategy + ": the leader and the waiter thread each win some seed");
            assertTrue(orders.size() > 1, strategy);
        }
    }

    @Test
    void aControlledJournalReRunsExactly() throws Exception {
        for (String strategy : List.of("random", "pct:2:500")) {
            File f = record("exit-vs-reparent", 11, strategy, "rerun-" + strategy.replace(':', '-'));
            JournalFile.Loaded l = JournalFile.read(f);
            assertEquals(strategy, l.header().config().get("kmodel.schedule"));
            Rerun.Outcome o = Rerun.run(l);
            assertTrue(o.identical(), strategy + ": " + o.divergence() + " " + o.status());
            assertEquals(l.events().size(), o.compared());
        }
    }

    @Test
    void strategiesAreReadAsTheCommandLineWritesThem() {
        assertEquals("random", Schedule.Strategy.parse("random").toString());
        assertEquals("pct:3", Schedule.Strategy.parse("pct").toString());
        assertEquals("pct:2:700", Schedule.Strategy.parse("pct:2:700").toString());
        assertEquals(
                "pct:3:2000", Schedule.Strategy.parse("pct:3").withSteps(2000).toString());
        assertThrows(IllegalArgumentException.class, () -> Schedule.Strategy.parse("pct:0"));
        assertThrows(IllegalArgumentException.class, () -> Schedule.Strategy.parse("pct:x"));
        assertThrows(IllegalArgumentException.class, () -> Schedule.Strategy.parse("fifo"));
    }
}
