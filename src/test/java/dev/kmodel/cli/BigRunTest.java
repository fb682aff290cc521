package dev.kmodel.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kmodel.Cli;
import dev.kmodel.fs.FileTable;
import dev.kmodel.journal.JournalEntry;
import dev.kmodel.kernel.Ctx;
import dev.kmodel.kernel.MsgId;
import dev.kmodel.ledger.LedgerEntry;
import dev.kmodel.ledger.LedgerEvent;
import dev.kmodel.ledger.ObjType;
import dev.kmodel.report.Report;
import dev.kmodel.report.ReportBuilder;
import dev.kmodel.scenario.ScenarioParser;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.FileInputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Big runs stay readable: a fork bomb's failed forks are not tasks, the summary is a screen long, and
 * the report is written one row per line (gzip-compressed for a .gz name).
 */
class BigRunTest {
    @TempDir
    Path tmp;

    private static Cli.Result cli(String... args) {
        return Cli.run(args);
    }

    private static String gunzip(File f) throws Exception {
        try (InputStream in = new GZIPInputStream(new FileInputStream(f))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void aForkBombEndsCleanlyWithAScreenLongSummaryAndItsFailedForksApart() throws Exception {
        File report = tmp.resolve("bomb.json.gz").toFile();
        Cli.Result r = cli("run", "conf/scenarios/fork-bomb.conf", "--report", report.getPath());
        assertEquals(Main.OK, r.status(), r.out() + r.err());
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.size() <= 40, lines.size() + " lines:\n" + r.out());
        assertTrue(r.out().contains("tasks: 300 (2 sleeping, 298 freed)  by comm: child 297, init 1"), r.out());
        assertTrue(r.out().contains("… 290 more tasks in " + report.getPath()), r.out());
        assertTrue(r.out().contains("failed forks: 303 (EAGAIN 303) by comm: bomb 303"), r.out());
        assertTrue(lines.stream().noneMatch(l -> l.startsWith("  pid 0 ")), r.out());

        String json = gunzip(report);
        JsonNode j = new ObjectMapper().readTree(json);
        assertEquals("completed", j.get("outcome").asText());
        assertEquals(0, j.get("violations").size(), j.get("violations").toString());
        JsonNode tasks = j.get("tasks");
        assertEquals(300, tasks.size());
        Set<String> taskKeys = new HashSet<>();
        for (JsonNode t : tasks) {
            assertNotEquals(0, t.get("pid").asInt(), "no task row without a pid: " + t);
            taskKeys.add(t.get("key").asText());
        }
        int bomb = 3;
        JsonNode failed = j.get("failed_forks");
        assertEquals(303, failed.size());
        Set<String> failedKeys = new HashSet<>();
        for (JsonNode f : failed) {
            assertEquals(bomb, f.get("pid").asInt());
            assertEquals("bomb", f.get("comm").asText());
            assertEquals("fork", f.get("op").asText());
            assertEquals("EAGAIN", f.get("errno").asText());
            failedKeys.add(f.get("key").asText());
        }
        assertEquals(303, failedKeys.size());
        assertTrue(failedKeys.stream().noneMatch(taskKeys::contains), "a failed fork is not a task");
        // The same calls in results: 297 children, then EAGAIN (-11) 303 times.
        int ok = 0, eagain = 0;
        for (JsonNode x : j.get("results")) {
            if (!x.get("op").asText().equals("fork") || !x.get("comm").asText().equals("bomb")) continue;
            if (x.get("errno").isNull()) ok++;
            else if (x.get("errno").asText().equals("EAGAIN") && x.get("ret").asLong() == -11) eagain++;
        }
        assertEquals(297, ok);
        assertEquals(303, eagain);
        // Each failed fork's task_struct is in the ledger: allocated by dup_task_struct, freed on the
        // bad_fork_cleanup unwind, owned by no pid.
        Set<String> allocated = new HashSet<>(), freed = new HashSet<>();
        for (JsonNode l : j.get("ledger")) {
            if (!l.get("type").asText().equals("task_struct")
                    || !failedKeys.contains(l.get("holder").asText())) continue;
            assertEquals(0, l.get("owner").asInt());
            if (l.get("event").asText().equals("alloc"))
                allocated.add(l.get("holder").asText());
            if (l.get("event").asText().equals("free")) {
                assertTrue(l.get("path").asText().contains("/copy_process/bad_fork_cleanup/"), l.toString());
                freed.add(l.get("holder").asText());
            }
        }
        assertEquals(failedKeys, allocated);
        assertEquals(failedKeys, freed);
        // A big run's report has one row per line: every task row is a line of its own.
        long taskLines = json.lines()
                .filter(l -> l.strip().startsWith("{\"seq\":") && l.contains("\"ns_pid\":"))
                .count();
        assertEquals(300, taskLines);
    }

    @Test
    void aSmallRunListsEveryTaskAndIndentsItsReport() throws Exception {
        File report = tmp.resolve("r.json").toFile();
        Cli.Result r = cli("run", "conf/scenarios/pid-exhaustion.conf", "--report", report.getPath());
        assertEquals(Main.OK, r.status(), r.out() + r.err());
        // 301 tasks: a big run. A small one is zombie-reap.
        assertTrue(r.out().contains("failed forks: 1 (EAGAIN 1)"), r.out());
        Cli.Result small = cli("run", "conf/scenarios/zombie-reap.conf", "--report", report.getPath());
        assertEquals(Main.OK, small.status(), small.out() + small.err());
        JsonNode j = new ObjectMapper().readTree(report);
        for (JsonNode t : j.get("tasks")) {
            assertTrue(
                    small.out()
                            .contains(String.format(
                                    "  pid %-5d ppid %-5d %-12s",
                                    t.get("pid").asInt(),
                                    t.get("ppid").asInt(),
                                    t.get("comm").asText())),
                    "every task of a small run is listed: " + t + "\n" + small.out());
        }
        assertTrue(Files.readString(report.toPath()).contains("\n    \"pid\" : 1,\n"), "indented one field per line");
    }

    @Test
    void aRunWithManyViolationsCountsThemByKind() throws Exception {
        List<JournalEntry> journal = new ArrayList<>();
        Ctx ctx = new Ctx("task-9", 9, 0, "test/double_free");
        for (int i = 0; i < 100; i++) {
            String id = "file#" + i;
            for (LedgerEvent ev : List.of(LedgerEvent.ALLOC, LedgerEvent.FREE, LedgerEvent.FREE)) {
                LedgerEntry e =
                        LedgerEntry.of(id, ObjType.FILE, "task-9", ev, ev == LedgerEvent.ALLOC ? 1 : 0, "x", ctx);
                journal.add(new JournalEntry(
                        journal.size() + 1,
                        "files",
                        journal.size() + 1,
                        new FileTable.Event(MsgId.NONE, 0, List.of(e))));
            }
        }
        var sc = ScenarioParser.parseString("t.conf", "programs { m = [] }\nboot = [ m ]");
        Report rep = ReportBuilder.build(sc, journal, journal.size(), 1, "completed", List.of());
        assertEquals(100, rep.violations().size());
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        Summary.print(rep, new PrintStream(bo, true, StandardCharsets.UTF_8), new File("r.json"));
        String out = bo.toString(StandardCharsets.UTF_8);
        assertTrue(out.lines().count() <= 40, out);
        assertTrue(out.contains("violations: 100 (double-free 100); the first 10:"), out);
        assertTrue(out.contains("  … 90 more violations in r.json"), out);
    }
}
