package dev.kmodel.cli;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kmodel.Cli;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Contract §1 and §3: exit statuses, one-line errors, and the report's shape. */
class CliTest {
    @TempDir
    Path tmp;

    private static Cli.Result cli(String... args) {
        return Cli.run(args);
    }

    private Path scenario(String text) throws Exception {
        Path p = tmp.resolve("s.conf");
        Files.writeString(p, text);
        return p;
    }

    private void assertBadInput(Cli.Result r, String... mustContain) {
        assertEquals(Main.BAD_INPUT, r.status(), r.err());
        String line = r.err().strip();
        assertEquals(1, line.lines().count(), "one line: " + line);
        assertFalse(line.contains("Exception") || line.contains("\tat "), "no stack trace: " + line);
        for (String m : mustContain) assertTrue(line.contains(m), line + " should mention " + m);
    }

    @Test
    void runWritesTheReportAndJournalAndExitsZero() throws Exception {
        File report = tmp.resolve("r.json").toFile();
        File journal = tmp.resolve("j.kmj").toFile();
        Cli.Result r = cli(
                "run",
                "conf/scenarios/zombie-reap.conf",
                "--report",
                report.getPath(),
                "--journal",
                journal.getPath(),
                "--cpus",
                "3",
                "--seed",
                "4");
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("outcome completed"));
        JsonNode j = new ObjectMapper().readTree(report);
        assertEquals("zombie-reap", j.get("scenario").asText());
        assertEquals(4, j.get("seed").asInt());
        assertEquals(3, j.get("cpus").asInt());
        assertEquals("completed", j.get("outcome").asText());
        assertTrue(j.get("journal").get("events").asLong() > 0);
        assertTrue(j.get("journal").has("persistence_ids"));
        for (String a : new String[] {"tasks", "results", "ledger", "reparent", "signals", "violations"}) {
            assertTrue(j.get(a).isArray(), a);
            for (JsonNode row : j.get(a)) assertTrue(row.has("seq"), a + " rows carry seq");
        }
        JsonNode led = j.get("ledger").get(0);
        for (String f : new String[] {"object", "type", "owner", "event", "refcount", "function", "path", "cpu"}) {
            assertTrue(led.has(f), f);
        }
        JsonNode res = j.get("results").get(0);
        for (String f : new String[] {"pid", "comm", "step", "op", "start", "seq", "ret", "errno", "status", "var"}) {
            assertTrue(res.has(f), f);
        }
        JsonNode task = j.get("tasks").get(0);
        for (String f : new String[] {"pid", "tgid", "ppid", "comm", "state", "exit_code"}) assertTrue(task.has(f), f);
        String first = Files.readAllLines(journal.toPath()).get(0);
        assertTrue(first.contains("\"format\":\"kmodel-journal\""), first);
    }

    @Test
    void malformedHoconNamesFileAndLineOnce() throws Exception {
        Path p = scenario("name = x\nprograms {\n  main = [ { op = exit \n");
        Cli.Result r = cli("run", p.toString());
        assertBadInput(r, p + ":4: ");
        assertFalse(r.err().matches("(?s).*:\\d+: \\d+:.*"), "the line number once: " + r.err());
        Path q = scenario("name = x\ncpus = ${nope}\nprograms { main = [] }\nboot = [ main ]\n");
        assertBadInput(cli("run", q.toString()), q + ":2: Could not resolve substitution");
    }

    @Test
    void includesAreReadBesideTheIncludingFileAndAMissingOneIsOneHumanLine() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("d"));
        Files.writeString(dir.resolve("progs.conf"), "programs { main = [ { op = exit, code = 3 } ] }\n");
        Path ok = dir.resolve("ok.conf");
        Files.writeString(ok, "name = inc\ninclude \"progs.conf\"\nboot = [ main ]\n");
        Cli.Result r = cli("run", ok.toString());
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("exit 3"), r.out());
        // HOCON skips a missing include silently unless it is required(...): a scenario's must exist.
        Path missing = dir.resolve("missing.conf");
        Files.writeString(missing, "name = inc\n\ninclude \"foo.conf\"\nprograms { main = [] }\nboot = [ main ]\n");
        Cli.Result m = cli("run", missing.toString());
        assertBadInput(m, missing + ":3: include file not found: foo.conf");
        assertFalse(m.err().contains("java."), m.err());
        Files.writeString(missing, "name = inc\ninclude required(file(\"/no/such.conf\"))\nboot = [ main ]\n");
        assertBadInput(cli("run", missing.toString()), missing + ":2: include file not found: /no/such.conf");
        Files.createDirectories(dir.resolve("adir.conf"));
        Files.writeString(missing, "name = inc\ninclude \"adir.conf\"\nboot = [ main ]\n");
        assertBadInput(cli("run", missing.toString()), missing + ":2: cannot read include", "adir.conf");
        // A problem inside an included file names that file and its line.
        Files.writeString(dir.resolve("broken.conf"), "programs {\n  main = [ { op = frok } ]\n}\n");
        Path includer = dir.resolve("includer.conf");
        Files.writeString(includer, "name = inc\ninclude \"broken.conf\"\nboot = [ main ]\n");
        assertBadInput(cli("run", includer.toString()), dir.resolve("broken.conf") + ":2: unknown op 'frok'");
    }

    @Test
    void unknownOpNamesItsLine() throws Exception {
        Path p = scenario("programs {\n  main = [\n    { op = frok }\n  ]\n}\nboot = [ main ]\n");
        assertBadInput(cli("run", p.toString()), p + ":3", "frok");
    }

    @Test
    void forkOfAnUnknownProgram() throws Exception {
        Path p = scenario("programs {\n  main = [ { op = fork, run = nope } ]\n}\nboot = [ main ]\n");
        assertBadInput(cli("run", p.toString()), ":2", "nope");
    }

    @Test
    void pidMaxBelowLinuxMinimum() throws Exception {
        Path p = scenario("kernel { pid-max = 100 }\nprograms { main = [] }\nboot = [ main ]\n");
        assertBadInput(cli("run", p.toString()), ":1", "pid-max");
    }

    @Test
    void missingFile() {
        assertBadInput(cli("run", "no/such.conf"), "no/such.conf");
    }

    @Test
    void unknownOption() {
        assertBadInput(cli("run", "conf/scenarios/zombie-reap.conf", "--bogus"), "--bogus");
    }

    @Test
    void badWaitOptionAndSignal() throws Exception {
        Path p = scenario(
                "programs {\n  main = [\n    { op = wait4, options = [ WSOMETIMES ] }\n  ]\n}\nboot = [ main ]\n");
        assertBadInput(cli("run", p.toString()), ":3", "WSOMETIMES");
        Path q =
                scenario("programs {\n  main = [\n    { op = kill, pid = 1, sig = SIGFOO }\n  ]\n}\nboot = [ main ]\n");
        assertBadInput(cli("run", q.toString()), ":3", "SIGFOO");
    }

    @Test
    void demoPrintsTheFilledInDiagram() {
        Cli.Result r = cli("demo");
        assertEquals(0, r.status(), r.err());
        for (String s : new String[] {
            "CHILD CALLS exit()",
            "do_exit()",
            "exit_mm",
            "unmap_vmas",
            "finish_task_switch",
            "PARENT CALLS wait4()",
            "__cleanup_sighand",
            "RCU GRACE PERIOD",
            "delayed_put_task_struct",
            "free_task_struct",
            "put_cred_rcu"
        }) {
            assertTrue(r.out().contains(s), "demo shows " + s);
        }
    }

    @Test
    void replayAndExplainReadAJournalFileWrittenBefore() throws Exception {
        File j = tmp.resolve("z.kmj").toFile();
        assertEquals(
                0,
                cli("run", "conf/scenarios/zombie-reap.conf", "--journal", j.getPath())
                        .status());
        Cli.Result at = cli("replay", j.getPath(), "--at", "120", "--pid", "4");
        assertEquals(0, at.status(), at.err());
        assertTrue(at.out().contains("at seq 120 of"), at.out());
        assertTrue(at.out().contains("TASK pid 4"), at.out());
        assertTrue(at.out().contains("TASKLIST_LOCK"), at.out());
        Cli.Result ex = cli("explain", j.getPath(), "--pid", "4");
        assertEquals(0, ex.status(), ex.err());
        assertTrue(
                ex.out().contains("SYSTEM CALLS")
                        && ex.out().contains("free")
                        && ex.out().contains("CHILD CALLS exit()"),
                ex.out());
        Cli.Result rr = cli("replay", j.getPath(), "--rerun");
        assertEquals(0, rr.status(), rr.out() + rr.err());
        assertTrue(rr.out().startsWith("re-run identical"), rr.out());
    }

    @Test
    void badJournalsAreRefusedWithOneLine() throws Exception {
        File j = tmp.resolve("good.kmj").toFile();
        assertEquals(
                0,
                cli("run", "conf/scenarios/zombie-reap.conf", "--journal", j.getPath())
                        .status());
        List<String> lines = Files.readAllLines(j.toPath());
        Path truncated = tmp.resolve("truncated.kmj");
        Files.write(truncated, lines.subList(0, lines.size() / 2));
        assertBadInput(cli("replay", truncated.toString(), "--at", "1"), "truncated.kmj", "truncated");
        List<String> changed = new ArrayList<>(lines);
        // An edit every line still passes (the recorded scenario's comment): only the checksum tells.
        changed.set(0, changed.get(0).replace("A child exits", "A child quits"));
        assertNotEquals(lines.get(0), changed.get(0));
        Path corrupted = tmp.resolve("corrupted.kmj");
        Files.write(corrupted, changed);
        assertBadInput(cli("explain", corrupted.toString(), "--pid", "4"), "corrupted.kmj", "checksum");
        List<String> garbled = new ArrayList<>(lines);
        garbled.set(7, garbled.get(7).substring(0, 20));
        Path broken = tmp.resolve("broken.kmj");
        Files.write(broken, garbled);
        assertBadInput(cli("replay", broken.toString(), "--rerun"), "broken.kmj:8", "corrupt");
        List<String> future = new ArrayList<>(lines);
        future.set(0, future.get(0).replaceFirst("\"version\":\\d+", "\"version\":99"));
        assertNotEquals(lines.get(0), future.get(0));
        Path newer = tmp.resolve("newer.kmj");
        Files.write(newer, future);
        assertBadInput(cli("replay", newer.toString()), "newer.kmj:1", "newer");
        List<String> header = new ArrayList<>(lines);
        header.set(0, header.get(0).replaceFirst("\"cpus\":\\d+", "\"cpus\":0"));
        assertNotEquals(lines.get(0), header.get(0));
        Path edited = tmp.resolve("edited.kmj");
        Files.write(edited, header);
        assertBadInput(cli("replay", edited.toString(), "--rerun"), "edited.kmj");
        Path notJournal = tmp.resolve("hello.kmj");
        Files.writeString(notJournal, "hello\n");
        assertBadInput(cli("replay", notJournal.toString()), "hello.kmj:1");
        assertBadInput(cli("replay", j.getPath(), "--at", "0"), "--at");
    }

    @Test
    void explainOfAPidNoTaskHadIsBadInput() throws Exception {
        File j = tmp.resolve("z.kmj").toFile();
        assertEquals(
                0,
                cli("run", "conf/scenarios/zombie-reap.conf", "--journal", j.getPath())
                        .status());
        assertBadInput(cli("explain", j.getPath(), "--pid", "99999"), "no task with pid 99999 in " + j.getPath());
        assertBadInput(cli("replay", j.getPath(), "--pid", "99999"), "no task with pid 99999 in " + j.getPath());
        // Contradictions: a re-run has no point to stop at and shows no task.
        assertBadInput(cli("replay", j.getPath(), "--at", "5", "--rerun"), "--at", "--rerun");
        assertBadInput(cli("replay", j.getPath(), "--pid", "4", "--rerun"), "--pid", "--rerun");
        // --pid without --at is the task at the end of the run.
        Cli.Result end = cli("replay", j.getPath(), "--pid", "4");
        assertEquals(0, end.status(), end.err());
        assertTrue(end.out().contains("TASK pid 4"), end.out());
    }

    @Test
    void outputsThatCannotBeWrittenAreRefusedBeforeTheRun() throws Exception {
        String zombie = "conf/scenarios/zombie-reap.conf";
        Path noDir = tmp.resolve("no/such/dir/r.json");
        Cli.Result r = cli("run", zombie, "--report", noDir.toString());
        assertBadInput(r, "--report " + noDir, "no such directory");
        assertEquals("", r.out(), "nothing ran: the summary comes after the run");
        assertBadInput(cli("run", zombie, "--journal", tmp.toString()), "--journal " + tmp, "directory");
        // An existing output is not truncated by the check when another output is refused.
        Path kept = tmp.resolve("kept.json");
        Files.writeString(kept, "keep");
        assertBadInput(
                cli("run", zombie, "--report", kept.toString(), "--journal", noDir.toString()), noDir.toString());
        assertEquals("keep", Files.readString(kept));
        // Outputs that would overwrite the scenario, or each other.
        Path s = scenario("programs { main = [] }\nboot = [ main ]\n");
        String text = Files.readString(s);
        assertBadInput(cli("run", s.toString(), "--report", s.toString()), "--report", "overwrite the input");
        assertEquals(text, Files.readString(s));
        Path both = tmp.resolve("both");
        assertBadInput(
                cli("run", zombie, "--report", both.toString(), "--journal", both.toString()),
                "--report and --journal");
        assertFalse(Files.exists(both), "the check leaves no file behind");
    }

    @Test
    void anOutputInADirectoryWithoutWritePermissionIsRefused() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("ro"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            assumeFalse(Files.isWritable(dir), "root writes anywhere: nothing to refuse");
            Path r = dir.resolve("r.json");
            assertBadInput(cli("run", "conf/scenarios/zombie-reap.conf", "--report", r.toString()), r.toString());
        } finally {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    /** Every command's help: its usage, the exit statuses and an example, on stdout, exit 0. */
    @Test
    void everyCommandHasHelpWithExitStatusesAndAnExample() {
        String[][] asks = {
            {"--help"},
            {"help"},
            {"help", "run"},
            {"run", "--help"},
            {"replay", "--help"},
            {"explain", "-h"},
            {"bench", "--help"},
            {"demo", "--help"},
            {"locks", "--help"},
            {"help", "explain"}
        };
        for (String[] ask : asks) {
            Cli.Result r = cli(ask);
            String what = String.join(" ", ask);
            assertEquals(0, r.status(), what + ": " + r.err());
            assertEquals("", r.err(), what);
            assertTrue(r.out().startsWith("Usage: kmodel"), what + ": " + r.out());
            assertTrue(r.out().contains("Exit status:"), what + ": " + r.out());
            assertTrue(r.out().contains("Example"), what + ": " + r.out());
            assertTrue(r.out().contains("./kmodel "), what + ": " + r.out());
        }
        assertTrue(cli("help", "run").out().contains("SCENARIO.conf"));
        assertTrue(cli("explain", "-h").out().contains("--pid"));
        assertEquals(cli("run", "--help").out(), cli("help", "run").out());
    }

    @Test
    void noCommandIsAUsageError() {
        Cli.Result r = cli();
        assertEquals(Main.BAD_INPUT, r.status());
        assertEquals("", r.out());
        assertTrue(r.err().startsWith("Usage: kmodel"), r.err());
        assertTrue(r.err().contains("Commands:"), r.err());
    }

    @Test
    void runHelpSaysWhatASeedFixesAndWhatItDoesNot() {
        String help = cli("run", "--help").out().replaceAll("\\s+", " ");
        for (String s : new String[] {
            "The seed picks the CPU each new task is placed on at fork",
            "with --schedule random or pct, the interleaving",
            "In the parallel mode it does not fix the interleaving",
            "A journal always fixes a run: replay --rerun"
        }) {
            assertTrue(help.contains(s), "run --help says: " + s + "\n" + help);
        }
    }
}
