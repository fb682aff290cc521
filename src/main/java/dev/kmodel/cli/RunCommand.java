package dev.kmodel.cli;

import dev.kmodel.journal.JournalFile;
import dev.kmodel.report.Report;
import dev.kmodel.report.ReportJson;
import dev.kmodel.run.Machine;
import dev.kmodel.scenario.Scenario;
import dev.kmodel.scenario.ScenarioException;
import dev.kmodel.scenario.ScenarioParser;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kmodel run SCENARIO.conf}: one scenario to quiescence, a summary, the report and journal. */
@Command(name = "run", description = "Run a scenario to quiescence and report what was freed when.")
public final class RunCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SCENARIO.conf", description = "the scenario (HOCON)")
    File scenario;

    @Option(names = "--report", paramLabel = "R.json", description = "write the JSON report here")
    File report;

    @Option(names = "--journal", paramLabel = "J", description = "write the run's journal here (JSON Lines)")
    File journal;

    @Option(names = "--cpus", paramLabel = "N", description = "override the scenario's CPU count")
    Integer cpus;

    @Option(names = "--seed", paramLabel = "S", description = "override the scenario's seed")
    Long seed;

    /** A report this large gets a hint that a .gz name compresses it. */
    static final long LARGE_REPORT_BYTES = 64L << 20;

    @Override
    public Integer call() {
        Scenario sc;
        try {
            sc = ScenarioParser.parseFile(scenario);
        } catch (ScenarioException e) {
            System.err.println("kmodel: " + e.getMessage());
            return Main.BAD_INPUT;
        }
        if (cpus != null) {
            if (cpus < 1 || cpus > 256) {
                System.err.println("kmodel: --cpus must be between 1 and 256, got " + cpus);
                return Main.BAD_INPUT;
            }
            sc = sc.withCpus(cpus);
        }
        if (seed != null) sc = sc.withSeed(seed);
        Machine.Result result = Machine.run(sc);
        Summary.print(result.report(), System.out, report);
        try {
            if (report != null) {
                ReportJson.write(result.report(), report);
                if (!report.getName().endsWith(".gz") && report.length() > LARGE_REPORT_BYTES) {
                    System.out.printf(
                            "report %s: %d MB; a name ending in .gz writes it gzip-compressed (about 20× smaller)%n",
                            report.getPath(), report.length() / 1_000_000);
                }
            }
            if (journal != null) {
                String source = new String(
                        Files.readAllBytes(scenario.toPath()),
                        StandardCharsets.UTF_8); // (malformed bytes become U+FFFD, as the parser read them)
                JournalFile.write(journal, sc, source, knobs(), result.journal());
            }
        } catch (IOException e) {
            System.err.println("kmodel: cannot write output: " + e.getMessage());
            return Main.BAD_INPUT;
        }
        return exitStatus(result.report());
    }

    /** The config knobs that shape a run, for the journal's header. */
    static Map<String, Object> knobs() {
        var cfg = Machine.config();
        Map<String, Object> m = new LinkedHashMap<>();
        for (String k : JournalFile.KNOBS) m.put(k, cfg.getAnyRef(k));
        return m;
    }

    static int exitStatus(Report r) {
        return r.outcome().equals("completed") ? Main.OK : Main.VIOLATION;
    }
}
