package dev.kmodel;

import com.typesafe.config.ConfigValueFactory;
import dev.kmodel.report.Report;
import dev.kmodel.report.Report.LedgerRow;
import dev.kmodel.report.Report.ResultRow;
import dev.kmodel.report.Report.TaskRow;
import dev.kmodel.run.Machine;
import dev.kmodel.scenario.Scenario;
import dev.kmodel.scenario.ScenarioParser;
import java.io.File;
import java.util.List;
import java.util.function.Predicate;

/** Test helpers: run a scenario of conf/scenarios and look things up in its report. */
public final class Runs {
    private Runs() {}

    public static Report scenario(String name) throws Exception {
        return run(ScenarioParser.parseFile(new File("conf/scenarios/" + name + ".conf")));
    }

    /**
     * A regression scenario (src/test/resources/regressions/NAME.conf) under the controlled random schedule
     * and the seed that showed its bug.
     */
    public static Report regression(String name, long seed) throws Exception {
        Scenario sc = ScenarioParser.parseFile(new File("src/test/resources/regressions/" + name + ".conf"))
                .withSeed(seed);
        return Machine.run(
                        sc,
                        Machine.config().withValue("kmodel.schedule", ConfigValueFactory.fromAnyRef("random")),
                        true)
                .report();
    }

    public static Report run(Scenario sc) {
        return Machine.run(sc).report();
    }

    public static Report text(String hocon) throws Exception {
        return run(ScenarioParser.parseString("test.conf", hocon));
    }

    public static TaskRow task(Report r, String comm) {
        return r.tasks().stream()
                .filter(t -> t.comm().equals(comm))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no task " + comm));
    }

    public static List<TaskRow> tasks(Report r, String comm) {
        return r.tasks().stream().filter(t -> t.comm().equals(comm)).toList();
    }

    public static ResultRow result(Report r, String comm, int step) {
        return r.results().stream()
                .filter(x -> x.comm().equals(comm) && x.step() == step)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no result for " + comm + " step " + step));
    }

    public static List<ResultRow> results(Report r, Predicate<ResultRow> p) {
        return r.results().stream().filter(p).toList();
    }

    /** The {@code nth} call of {@code op} by tasks named {@code comm}. */
    public static ResultRow call(Report r, String comm, String op, int nth) {
        List<ResultRow> l = results(r, x -> x.comm().equals(comm) && x.op().equals(op));
        if (l.size() <= nth) throw new AssertionError(comm + " has no " + op + " #" + nth + ": " + l);
        return l.get(nth);
    }

    /** The {@code nth} call of {@code op} by the task with pid {@code pid}. */
    public static ResultRow call(Report r, int pid, String op, int nth) {
        List<ResultRow> l = results(r, x -> x.pid() == pid && x.op().equals(op));
        if (l.size() <= nth) throw new AssertionError("pid " + pid + " has no " + op + " #" + nth + ": " + l);
        return l.get(nth);
    }

    public static List<LedgerRow> ledger(Report r, int owner, String type, String event) {
        return r.ledger().stream()
                .filter(l ->
                        l.owner() == owner && l.type().equals(type) && l.event().equals(event))
                .toList();
    }

    public static LedgerRow freeOf(Report r, int owner, String type) {
        List<LedgerRow> l = ledger(r, owner, type, "free");
        if (l.size() != 1) throw new AssertionError(type + " of pid " + owner + " freed " + l.size() + " times");
        return l.get(0);
    }
}
