package dev.kmodel.replay;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import dev.kmodel.journal.JournalFile;
import dev.kmodel.report.Report;
import dev.kmodel.run.Bounds;
import dev.kmodel.run.Machine;
import dev.kmodel.scenario.Fault;
import dev.kmodel.scenario.Scenario;
import dev.kmodel.scenario.ScenarioException;
import dev.kmodel.scenario.ScenarioParser;
import java.util.EnumSet;
import java.util.Map;

/**
 * Deterministic re-execution of a recorded run: the same scenario, seed, CPUs and knobs, real actors
 * on real threads, but every actor handles its messages in the recorded order (a message that
 * arrives early waits in the actor's stash until it is due). Every event journaled is compared with
 * the recording; the first difference is reported with both sides.
 */
public final class Rerun {
    private Rerun() {}

    /** What a re-run found. */
    public record Outcome(
            Report report,
            ReplayPlan.Divergence divergence,
            long compared,
            int actors,
            String status,
            boolean replayedAll) {
        /** Every event again, in order; a recording a bound stopped is identical when its re-run stops there too. */
        public boolean identical() {
            return divergence == null && (status.equals("completed") || status.equals("stopped") && replayedAll);
        }
    }

    /** The recorded scenario, with the seed, CPU count and faults the recording used. */
    public static Scenario scenario(JournalFile.Header h) throws ScenarioException {
        String name = h.file().isEmpty() ? h.scenario() + ".conf" : h.file();
        EnumSet<Fault> faults = EnumSet.noneOf(Fault.class);
        for (String f : h.faults()) faults.add(Fault.named(f)); // the reader checked the names
        return ScenarioParser.parseString(name, h.source())
                .withSeed(h.seed())
                .withCpus(h.cpus())
                .withFaults(faults);
    }

    /** The config the recording ran with (the knobs in its header). */
    public static Config config(JournalFile.Header h) {
        Config c = Machine.config();
        for (Map.Entry<String, Object> e : h.config().entrySet()) {
            c = c.withValue(e.getKey(), ConfigValueFactory.fromAnyRef(e.getValue()));
        }
        return c;
    }

    public static Outcome run(JournalFile.Loaded loaded) throws ScenarioException {
        ReplayPlan plan = ReplayPlan.of(loaded);
        Scenario sc = scenario(loaded.header());
        // The events bound may not cut a re-run short of its recording.
        Config recorded = config(loaded.header());
        Bounds bounds = Bounds.of(recorded);
        Config cfg = bounds.withMaxEvents(
                        Math.max(bounds.maxEvents(), loaded.events().size() + 1L))
                .into(recorded);
        try (Machine.Running r = Machine.start(sc, cfg, true, plan)) {
            String status = r.awaitQuiescence();
            Report report = r.result(status).report();
            // A run that stopped moving without a differing event did not finish: that is not a divergence.
            ReplayPlan.Divergence d =
                    plan.mismatch() != null ? plan.mismatch() : status.equals("completed") ? plan.divergence() : null;
            return new Outcome(report, d, plan.compared(), plan.actors(), status, plan.replayedAll());
        }
    }
}
