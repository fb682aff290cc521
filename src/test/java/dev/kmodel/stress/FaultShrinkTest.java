package dev.kmodel.stress;

import static org.junit.jupiter.api.Assertions.*;

import com.typesafe.config.ConfigValueFactory;
import dev.kmodel.journal.JournalFile;
import dev.kmodel.replay.Rerun;
import dev.kmodel.run.Machine;
import dev.kmodel.scenario.Fault;
import dev.kmodel.scenario.Scenario;
import dev.kmodel.scenario.ScenarioParser;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every bug from kernel history (docs/faults.md) goes the whole way: stress finds it, shrink makes its
 * program smaller while keeping the violation's kind and site, and the shrunk journal re-runs exactly.
 * (How fast stress finds each, and that its scenario runs clean without it, is in the *FaultsTest classes.)
 */
class FaultShrinkTest {
    @TempDir
    Path tmp;

    @Test
    void everyHistoricalFaultIsFoundShrunkAndReRunExactly() throws Exception {
        List<String> failed = new ArrayList<>();
        for (Fault fault : Fault.values()) {
            if (!fault.historical()) continue;
            String name = fault.word;
            File conf = new File("conf/faults/" + name + ".conf");
            assertTrue(conf.isFile(), "every historical fault has its scenario: " + conf);
            Scenario sc = ScenarioParser.parseFile(conf);
            assertTrue(sc.has(fault), conf + " switches " + name + " on");
            // The one race random scheduling does not reach is found by PCT (docs/faults.md).
            String strategy = fault == Fault.CLONE_THREAD_ATTACH_OUTSIDE_SIGLOCK ? "pct:3" : "random";
            Path out = tmp.resolve(name);
            Stress.Summary s = Stress.prepare(new Stress.Options(
                            sc,
                            Files.readString(conf.toPath()),
                            strategy,
                            40,
                            1,
                            1,
                            true,
                            out.toFile(),
                            Machine.config(),
                            Set.of()))
                    .run(r -> {});
            if (s.violations().isEmpty()) {
                failed.add(name + ": not found in " + s.schedules() + " schedules");
                continue;
            }
            JournalFile.Loaded l =
                    JournalFile.read(new File(s.violations().get(0).journal()));
            Shrink.Target target = Shrink.targetOf(l);
            // The strategy the journal recorded (PCT with the k stress measured), as the shrink command takes it.
            String recorded =
                    Shrink.strategyFor(String.valueOf(l.header().config().get("kmodel.schedule")));
            assertEquals(s.strategy(), recorded, name);
            Shrink.Result r = Shrink.shrink(l, target, new Shrink.Options(2, 1, recorded), m -> {});
            if (r == null) {
                failed.add(name + ": no schedule shows it again");
                continue;
            }
            assertTrue(
                    r.steps() < r.stepsBefore() || r.run().journal().size() < r.eventsBefore(),
                    name + ": nothing shrunk (" + r.stepsBefore() + " steps, " + r.eventsBefore() + " events)");
            File small = tmp.resolve(name + "-shrunk.kmj").toFile();
            JournalFile.write(
                    small,
                    r.scenario(),
                    r.text(),
                    JournalFile.knobs(
                            Machine.config().withValue("kmodel.schedule", ConfigValueFactory.fromAnyRef(r.strategy()))),
                    r.run().journal());
            JournalFile.Loaded back = JournalFile.read(small);
            Shrink.Target kept = Shrink.targetOf(back);
            assertEquals(target.kind(), kept.kind(), name);
            assertEquals(target.site(), kept.site(), name);
            Rerun.Outcome o = Rerun.run(back);
            if (!o.identical()) failed.add(name + ": the shrunk journal re-ran differently: " + o.divergence());
        }
        assertEquals(List.of(), failed);
    }
}
