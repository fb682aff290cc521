package dev.kmodel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmodel.Cli;
import dev.kmodel.JournalEdits;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input of issue 9 (items 6 and 7), end to end: each is exit status 2 and one line
 * {@code FILE:LINE: problem} (or {@code FILE: problem} for a file that cannot be a journal at all),
 * never a stack trace or an internal error (exit 3), never a hang or an OutOfMemoryError.
 */
class BadInputTest {
    @TempDir
    static Path tmp;

    /** A journal of zombie-reap, recorded once for the tests that edit it. */
    private static List<String> journal;

    @BeforeAll
    static void record() throws Exception {
        journal = Files.readAllLines(JournalEdits.record(tmp, "zombie-reap"));
    }

    private static Cli.Result cli(String... args) {
        return Cli.run(args);
    }

    /** Exit 2 and one line on stderr that starts with {@code start}; the line, for more checks. */
    private static String badInput(Cli.Result r, String start) {
        assertEquals(Main.BAD_INPUT, r.status(), r.out() + r.err());
        String line = r.err().strip();
        assertEquals(1, line.lines().count(), line);
        assertFalse(line.contains("internal error") || line.contains("Exception in") || line.contains("\tat "), line);
        assertFalse(line.contains("StackOverflowError") || line.contains("OutOfMemoryError"), line);
        assertTrue(line.startsWith("kmodel: " + start), line + " should start with " + start);
        return line;
    }

    private static Path write(String name, String text) throws Exception {
        Path p = tmp.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    @Test
    void scenarioValuesOfTheWrongKindNameTheirLine() throws Exception {
        Path p = write(
                "abc.conf", "programs {\n  main = [\n    { op = kill, pid = \"abc\" }\n  ]\n}\nboot = [ main ]\n");
        badInput(cli("run", p.toString()), p + ":3: kill's pid must be");
        p = write("list.conf", "programs {\n  main = [\n    { op = wait4, pid = [1, 2] }\n  ]\n}\nboot = [ main ]\n");
        badInput(cli("run", p.toString()), p + ":3: wait4's pid must be");
        p = write("typo.conf", """
                programs {
                  main = [ { op = fork, run = child, save = child }
                           { op = wait4, pid = "$chlid" } ]
                  child = []
                }
                boot = [ main ]
                """);
        String line = badInput(cli("run", p.toString()), p + ":3: wait4's pid \"$chlid\": no step saves 'chlid'");
        assertTrue(line.contains("$child"), line);
    }

    @Test
    void aSeedTheOptionWouldRefuseIsRefusedInTheFileToo() throws Exception {
        for (String seed : List.of("99999999999999999999", "1e300", "1.5")) {
            Path p = write("seed.conf", "seed = " + seed + "\nprograms { main = [] }\nboot = [ main ]\n");
            badInput(cli("run", p.toString()), p + ":1: seed must be a 64-bit integer");
            badInput(cli("run", "conf/scenarios/zombie-reap.conf", "--seed", seed), "");
        }
    }

    @Test
    void repeatsNestedThreeThousandDeepAreOneLineNotAStackOverflow() throws Exception {
        int depth = 3000;
        Path p = write(
                "deep.conf",
                "programs {\n  main = [ " + "{ op = repeat, times = 1, steps = [ ".repeat(depth) + "{ op = exit }"
                        + " ] }".repeat(depth) + " ]\n}\nboot = [ main ]\n");
        badInput(cli("run", p.toString()), p + ":2: nested deeper than 256 brackets");
    }

    @Test
    void aScenarioFileThatCannotBeOneIsNotReadIntoMemory() throws Exception {
        Path big = tmp.resolve("big.conf");
        try (OutputStream o = Files.newOutputStream(big)) {
            byte[] spaces = new byte[1 << 20];
            Arrays.fill(spaces, (byte) ' ');
            for (int i = 0; i < 17; i++) o.write(spaces);
        }
        badInput(cli("run", big.toString()), big + ": larger than 16 MB");
        badInput(cli("run", tmp.toString()), tmp + ": not a regular file");
        if (Files.exists(Path.of("/dev/zero"))) badInput(cli("run", "/dev/zero"), "/dev/zero: not a regular file");
    }

    @Test
    void aDeviceIsNotAJournalAndIsNotReadIntoMemory() {
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/zero")), "no /dev/zero here");
        badInput(cli("replay", "/dev/zero", "--at", "1"), "/dev/zero: not a regular file");
        badInput(cli("explain", "/dev/zero", "--pid", "1"), "/dev/zero: not a regular file");
        badInput(cli("replay", tmp.toString(), "--rerun"), tmp + ": not a regular file");
    }

    @Test
    void aFifoIsRefusedBeforeItIsOpened() throws Exception {
        Path fifo = tmp.resolve("journal.fifo");
        boolean made;
        try {
            Process mk = new ProcessBuilder("mkfifo", fifo.toString())
                    .redirectErrorStream(true)
                    .start();
            made = mk.waitFor(10, TimeUnit.SECONDS) && mk.exitValue() == 0 && Files.exists(fifo);
        } catch (Exception e) {
            made = false;
        }
        Assumptions.assumeTrue(made, "mkfifo is not available");
        // Opening a FIFO for reading waits for a writer: it would block for ever.
        Cli.Result r =
                assertTimeoutPreemptively(Duration.ofSeconds(20), () -> cli("replay", fifo.toString(), "--at", "1"));
        badInput(r, fifo + ": not a regular file");
    }

    @Test
    void aLineLongerThanSixteenMegabytesNamesItsLine() throws Exception {
        Path big = tmp.resolve("big.kmj");
        try (OutputStream o = Files.newOutputStream(big)) {
            o.write((journal.get(0) + "\n").getBytes(StandardCharsets.UTF_8));
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 17; i++) o.write(zeros);
        }
        badInput(cli("replay", big.toString(), "--at", "1"), big + ":2: a line longer than 16 MB");
    }

    /** The journal with {@code regex} replaced in line {@code n} (1-based), resealed, as a file. */
    private static Path edited(String name, int n, String regex, String to) throws Exception {
        List<String> lines = new ArrayList<>(journal);
        String was = lines.get(n - 1);
        lines.set(n - 1, was.replaceFirst(regex, to));
        assertNotEquals(was, lines.get(n - 1), "the edit applies to line " + n);
        JournalEdits.reseal(lines, false);
        Path p = tmp.resolve(name);
        Files.write(p, lines);
        return p;
    }

    /** The line number of the first event line of {@code type} journaled by an actor matching {@code pid}. */
    private static int lineOf(String type, String pid) {
        for (int i = 1; i < journal.size(); i++) {
            String l = journal.get(i);
            if (l.contains("\"type\":\"" + type + "\"") && l.matches(".*\"pid\":\"" + pid + "\".*")) return i + 1;
        }
        throw new AssertionError("no " + type + " of " + pid);
    }

    @Test
    void anEditedJournalWithItsChecksumRecomputedIsRefusedAtTheEditedLine() throws Exception {
        // A CPU's event moved to a task: the report used to parse "k-9999" as a CPU number (exit 3).
        int n = lineOf("kernel.sched.Cpu$Switched", "cpu0");
        Path p = edited("moved.kmj", n, "\"pid\":\"cpu0\"", "\"pid\":\"task-9999\"");
        badInput(cli("replay", p.toString(), "--at", "1"), p + ":" + n + ": task-9999 journals before the kernel");
        p = edited("moved2.kmj", n, "\"pid\":\"cpu0\"", "\"pid\":\"task-1\"");
        String line = badInput(cli("explain", p.toString(), "--pid", "3"), p + ":" + n + ": ");
        assertTrue(line.contains("is an event of a cpu actor, not of task-1"), line);
        // A field of the wrong type, a CPU the run did not have, a task that never existed.
        n = lineOf("kernel.task.TaskEvent$RanOn", "task-3");
        p = edited("type.kmj", n, "\"cpu\":", "\"cpu\":\"x\",\"was\":");
        badInput(cli("replay", p.toString(), "--at", "1"), p + ":" + n + ": corrupt ");
        p = edited("cpu.kmj", n, "\"cpu\":[0-9]+", "\"cpu\":7");
        line = badInput(cli("replay", p.toString(), "--at", "1"), p + ":" + n + ": corrupt event: cpu is 7");
        assertTrue(line.contains("2 CPUs"), line);
        n = lineOf("kernel.task.TaskEvent$ReapedBy", "task-4");
        p = edited("waiter.kmj", n, "\"waiter\":\"task-3\"", "\"waiter\":\"task-77\"");
        badInput(cli("replay", p.toString(), "--rerun"), p + ":" + n + ": names task-77, a task this journal never");
        // A null where the model always writes one of its enums (a lock mode) is named at its line.
        n = lineOf("kernel.locking.LockActor$Acquired", "tasklist_lock");
        p = edited("null.kmj", n, "\"mode\":\"[A-Z]+\"", "\"mode\":null");
        line = badInput(cli("replay", p.toString()), p + ":" + n + ": corrupt ");
        assertTrue(line.endsWith("mode is null"), line);
        badInput(cli("explain", p.toString(), "--pid", "4"), p + ":" + n + ": corrupt ");
    }

    @Test
    void anEditTheLineItselfGivesAwayIsNamedThereBeforeTheChecksum() throws Exception {
        List<String> lines = new ArrayList<>(journal);
        int n = lineOf("kernel.task.TaskEvent$RanOn", "task-3");
        lines.set(n - 1, lines.get(n - 1).replaceFirst("\"nr\":[0-9]+", "\"nr\":99"));
        Path p = tmp.resolve("nr.kmj");
        Files.write(p, lines); // not resealed: the checksum at the end would tell too, without the line
        badInput(
                cli("replay", p.toString(), "--at", "1"),
                p + ":" + n + ": corrupt event line: task-3's journal write 99");
    }

    @Test
    void aRecordedScenarioThatNoLongerLoadsIsLineOne() throws Exception {
        Path p = edited("scenario.kmj", 1, "pid = \\\\\"\\$c\\\\\"", "pid = \\\\\"\\$chlid\\\\\"");
        String line =
                badInput(cli("replay", p.toString(), "--at", "1"), p + ":1: the recorded scenario no longer loads: ");
        assertTrue(line.contains("'chlid'"), line);
    }
}
