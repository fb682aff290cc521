package dev.kmodel.replay;

import static org.junit.jupiter.api.Assertions.*;

import dev.kmodel.journal.JournalFile;
import dev.kmodel.report.Report;
import dev.kmodel.report.ReportBuilder;
import dev.kmodel.run.Machine;
import dev.kmodel.scenario.Scenario;
import dev.kmodel.scenario.ScenarioParser;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Journals written to files and read back: the report folded from the file is the run's report,
 * and a re-run with real actors in the recorded receive orders journals exactly the same events,
 * actor by actor — for every scenario of conf/scenarios and for 100 seeds of a race on 2 CPUs.
 */
class ReplayTest {
    @TempDir
    Path tmp;

    private JournalFile.Loaded record(Scenario sc, String source, String name) throws Exception {
        Machine.Result r = Machine.run(sc);
        File f = tmp.resolve(name + ".kmj").toFile();
        Map<String, Object> knobs = Map.of("kmodel.timeslice-ticks", 4, "kmodel.ticks-per-jiffy", 4);
        JournalFile.write(f, sc, source, knobs, r.journal());
        JournalFile.Loaded l = JournalFile.read(f);
        // The report folded from the file equals the live one (import loses nothing the report uses).
        Report live = r.report();
        Report read = ReportBuilder.build(
                sc,
                l.entries(),
                l.events().size(),
                (int) l.events().stream()
                        .map(JournalFile.Recorded::pid)
                        .distinct()
                        .count(),
                live.outcome(),
                List.of());
        assertEquals(live.tasks(), read.tasks(), name);
        assertEquals(live.results(), read.results(), name);
        assertEquals(live.ledger(), read.ledger(), name);
        assertEquals(live.violations(), read.violations(), name);
        return l;
    }

    @Test
    void everyScenarioReRunsExactly() throws Exception {
        List<String> failed = new ArrayList<>();
        try (Stream<Path> files = Files.list(Path.of("conf/scenarios"))) {
            for (Path p : files.sorted().toList()) {
                String source = Files.readString(p);
                Scenario sc = ScenarioParser.parseFile(p.toFile());
                JournalFile.Loaded l = record(sc, source, p.getFileName().toString());
                Rerun.Outcome o = Rerun.run(l);
                if (!o.identical()) failed.add(p.getFileName() + ": " + o.divergence() + " " + o.status());
                else assertEquals(l.events().size(), o.compared(), p.toString());
            }
        }
        assertEquals(List.of(), failed);
    }

    @Test
    void aRaceReRunsExactlyOverAHundredSeeds() throws Exception {
        Path p = Path.of("conf/scenarios/two-waiters.conf");
        String source = Files.readString(p);
        Set<Long> winners = new TreeSet<>();
        for (long seed = 1; seed <= 100; seed++) {
            Scenario sc = ScenarioParser.parseFile(p.toFile()).withSeed(seed);
            JournalFile.Loaded l = record(sc, source, "race-" + seed);
            Rerun.Outcome o = Rerun.run(l);
            assertTrue(o.identical(), "seed " + seed + ": " + o.divergence() + " " + o.status());
            assertEquals(l.events().size(), o.compared());
            // Which thread won the zombie in this run (the re-run agrees, event for event).
            o.report().results().stream()
                    .filter(x -> x.op().equals("wait4")
                            && x.errno() == null
                            && x.comm().equals("parent"))
                    .forEach(x -> winners.add((long) x.pid()));
        }
        assertFalse(winners.isEmpty());
    }

    @Test
    void aChangedScenarioIsReportedAtItsFirstDifferentEvent() throws Exception {
        Path p = Path.of("conf/scenarios/zombie-reap.conf");
        String source = Files.readString(p);
        JournalFile.Loaded l = record(ScenarioParser.parseFile(p.toFile()), source, "zombie");
        // The code changed since the recording: the child now exits with 8 instead of 7.
        JournalFile.Header h = l.header();
        JournalFile.Header changed = new JournalFile.Header(
                h.scenario(),
                h.file(),
                h.source().replace("{ op = exit,  code = 7 }", "{ op = exit,  code = 8 }"),
                h.seed(),
                h.cpus(),
                h.config(),
                h.events());
        assertNotEquals(h.source(), changed.source());
        Rerun.Outcome o = Rerun.run(new JournalFile.Loaded(changed, l.events()));
        assertFalse(o.identical());
        ReplayPlan.Divergence d = o.divergence();
        assertNotNull(d);
        assertNotNull(d.expected());
        assertNotNull(d.actual());
        assertTrue(
                d.expected().toString().contains("1792")
                        || d.expected().toString().contains("\"status\":1792")
                        || !d.expected().equals(d.actual()),
                d.toString());
    }
}
