package dev.kmodel.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Contract §1 and §3: exit statuses, one-line errors, and the report's shape. */
class CliTest {
  @TempDir
  Path tmp;

  /** Runs the CLI, capturing stdout and stderr. */
  private record Out(int status, String out, String err) {}

  private Out cli(String... args) {
    PrintStream o = System.out, e = System.err;
    ByteArrayOutputStream bo = new ByteArrayOutputStream(), be = new ByteArrayOutputStream();
    System.setOut(new PrintStream(bo, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(be, true, StandardCharsets.UTF_8));
    try {
      int s = Main.execute(args);
      return new Out(s, bo.toString(StandardCharsets.UTF_8), be.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(o);
      System.setErr(e);
    }
  }

  private Path scenario(String text) throws Exception {
    Path p = tmp.resolve("s.conf");
    Files.writeString(p, text);
    return p;
  }

  private void assertBadInput(Out r, String... mustContain) {
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
    Out r = cli("run", "conf/scenarios/zombie-reap.conf", "--report", report.getPath(), "--journal",
        journal.getPath(), "--cpus", "3", "--seed", "4");
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
  void malformedHoconNamesFileAndLine() throws Exception {
    Path p = scenario("name = x\nprograms {\n  main = [ { op = exit \n");
    assertBadInput(cli("run", p.toString()), p.toString() + ":");
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
    Path p = scenario("programs {\n  main = [\n    { op = wait4, options = [ WSOMETIMES ] }\n  ]\n}\nboot = [ main ]\n");
    assertBadInput(cli("run", p.toString()), ":3", "WSOMETIMES");
    Path q = scenario("programs {\n  main = [\n    { op = kill, pid = 1, sig = SIGFOO }\n  ]\n}\nboot = [ main ]\n");
    assertBadInput(cli("run", q.toString()), ":3", "SIGFOO");
  }

  @Test
  void demoPrintsTheFilledInDiagram() {
    Out r = cli("demo");
    assertEquals(0, r.status(), r.err());
    for (String s : new String[] {"CHILD CALLS exit()", "do_exit()", "exit_mm", "unmap_vmas", "finish_task_switch",
        "PARENT CALLS wait4()", "__cleanup_sighand", "RCU GRACE PERIOD", "delayed_put_task_struct",
        "free_task_struct", "put_cred_rcu"}) {
      assertTrue(r.out().contains(s), "demo shows " + s);
    }
  }
}
