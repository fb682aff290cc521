package dev.kmodel.stress;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import dev.kmodel.journal.JournalFile;
import dev.kmodel.replay.Rerun;
import dev.kmodel.report.Report;
import dev.kmodel.report.ReportBuilder;
import dev.kmodel.run.Bounds;
import dev.kmodel.run.Machine;
import dev.kmodel.run.Schedule;
import dev.kmodel.scenario.Fault;
import dev.kmodel.scenario.Scenario;
import dev.kmodel.scenario.ScenarioException;
import dev.kmodel.scenario.ScenarioParser;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Turns a violating run into a small one that shows the same violation (kind and site): first the
 * program (fewer boot tasks, steps, repeats, ticks and CPUs: each edit is kept if some schedule of the
 * edited scenario still shows the violation), then the schedule (of the seeds that show it, the one
 * with the fewest preemptions, then the fewest context switches: the order dejafu uses). Every
 * candidate runs under a controlled schedule, so the result is a seed and a journal that re-run exactly.
 */
public final class Shrink {

    /** The violation to keep: its kind and its site (the detail without numbers). */
    public record Target(String kind, String site, String detail) {}

    /** How hard to try. {@code tries}: seeds tried per candidate; {@code seeds}: seeds compared at the end. */
    public record Options(int tries, int seeds, String strategy) {}

    /** What came out: the scenario text, its seed and the run that shows the violation. */
    public record Result(
            Target target,
            String text,
            Scenario scenario,
            long seed,
            String strategy,
            Machine.Result run,
            long eventsBefore,
            int tasksBefore,
            int stepsBefore,
            int cpusBefore,
            int steps,
            int candidates,
            double seconds) {}

    private final Options opt;
    private final Set<Fault> faults;
    private final Config recorded; // the recording's knobs, with a bound on each candidate's wall time
    private final Target target;
    private final String name;
    private final Consumer<String> log;
    private int candidates;

    private Shrink(Options opt, Set<Fault> faults, Target target, String name, Config recorded, Consumer<String> log) {
        this.opt = opt;
        this.recorded = Bounds.of(recorded).withWallTime(CANDIDATE_TIME).into(recorded);
        this.faults = faults;
        this.target = target;
        this.name = name;
        this.log = log;
    }

    /** The first violation of a recorded run (the one to keep), or null if it has none. */
    public static Target targetOf(JournalFile.Loaded l) throws ScenarioException {
        List<Target> all = targetsOf(l);
        return all.isEmpty() ? null : all.get(0);
    }

    /** Every violation of a recorded run, in the report's order. */
    public static List<Target> targetsOf(JournalFile.Loaded l) throws ScenarioException {
        Scenario sc = Rerun.scenario(l.header());
        Report r = ReportBuilder.build(sc, l.entries(), l.events().size(), 0, "completed", List.of());
        List<Target> out = new ArrayList<>();
        for (Report.ViolationRow v : r.violations()) out.add(new Target(v.kind(), Stress.site(v.detail()), v.detail()));
        return out;
    }

    /** A candidate that runs longer than this is taken for one that does not show the violation. */
    static final Duration CANDIDATE_TIME = Duration.ofSeconds(60);

    /**
     * Shrinks the run {@code l} records, keeping {@code target} (one of its violations: {@link #targetOf} is
     * the first); null if no controlled schedule shows it again.
     */
    public static Result shrink(JournalFile.Loaded l, Target target, Options opt, Consumer<String> log)
            throws ScenarioException {
        long started = System.nanoTime();
        JournalFile.Header h = l.header();
        EnumSet<Fault> faults = EnumSet.noneOf(Fault.class);
        for (String f : h.faults()) faults.add(Fault.named(f));
        Shrink s = new Shrink(opt, faults, target, h.scenario(), Rerun.config(h), log);
        String text = render(ConfigFactory.parseString(h.source()));
        int cpus = h.cpus();
        Found found = s.reproduce(text, cpus, h.seed());
        if (found == null) return null;
        Scenario before = Rerun.scenario(h);
        int tasksBefore = ReportBuilder.build(before, l.entries(), l.events().size(), 0, "completed", List.of())
                .tasks()
                .size();
        int stepsBefore = stepCount(text);
        // The program: keep each edit that still shows the violation, until none does.
        boolean progress = true;
        while (progress) {
            progress = false;
            if (cpus > 1) {
                Found f = s.reproduce(text, cpus - 1, found.seed);
                if (f != null) {
                    cpus--;
                    found = f;
                    progress = true;
                    log.accept("cpus → " + cpus);
                    continue;
                }
            }
            for (String candidate : edits(text)) {
                Found f = s.reproduce(candidate, cpus, found.seed);
                if (f != null) {
                    text = candidate;
                    found = f;
                    progress = true;
                    log.accept("program: " + stepCount(text) + " steps, "
                            + f.run.journal().size() + " events");
                    break;
                }
            }
        }
        // The schedule: the fewest preemptions, then the fewest context switches, then the fewest events. Beside
        // the strategy's own seeds, PCT of depth 1 and 2 (a fixed priority order, switched at most once) find
        // schedules that preempt only where the race needs it.
        Found best = found;
        long k = Math.max(1, found.run.scheduleSteps());
        for (String strategy : List.of(opt.strategy(), "pct:1:" + k, "pct:2:" + k)) {
            for (long seed = 1; seed <= opt.seeds(); seed++) {
                Found f = s.attempt(text, cpus, seed, strategy);
                if (f != null && better(f, best)) best = f;
            }
        }
        // The scenario names the CPUs and the seed it shows the violation with.
        text = render(ConfigFactory.parseString(text)
                .withValue("cpus", ConfigValueFactory.fromAnyRef(cpus))
                .withValue("seed", ConfigValueFactory.fromAnyRef(best.seed)));
        log.accept("schedule: " + best.strategy + " seed " + best.seed + ", " + best.run.preemptions()
                + " preemptions, " + switches(best.run) + " context switches");
        return new Result(
                target,
                text,
                best.scenario,
                best.seed,
                best.strategy,
                best.run,
                l.events().size(),
                tasksBefore,
                stepsBefore,
                h.cpus(),
                stepCount(text),
                s.candidates,
                (System.nanoTime() - started) / 1e9);
    }

    private record Found(long seed, String strategy, Scenario scenario, Machine.Result run) {}

    private static boolean better(Found a, Found b) {
        if (a.run.preemptions() != b.run.preemptions()) return a.run.preemptions() < b.run.preemptions();
        if (switches(a.run) != switches(b.run)) return switches(a.run) < switches(b.run);
        return a.run.journal().size() < b.run.journal().size();
    }

    public static long switches(Machine.Result r) {
        return r.report().cpuStats().stream().mapToLong(Report.CpuRow::switches).sum();
    }

    /** Some schedule of the candidate that shows the violation: the seed that did, then the first others. */
    private Found reproduce(String text, int cpus, long seed) throws ScenarioException {
        candidates++;
        Found f = attempt(text, cpus, seed, opt.strategy());
        for (long s = 1; f == null && s <= opt.tries(); s++) {
            if (s != seed) f = attempt(text, cpus, s, opt.strategy());
        }
        return f;
    }

    private Found attempt(String text, int cpus, long seed, String strategy) {
        Scenario sc;
        try {
            sc = ScenarioParser.parseString(name + ".conf", text)
                    .withCpus(cpus)
                    .withSeed(seed)
                    .withFaults(faults);
        } catch (ScenarioException e) {
            return null; // an edit that made the program invalid (a variable no longer saved, ...)
        }
        Config config = recorded.withValue("kmodel.schedule", ConfigValueFactory.fromAnyRef(strategy));
        Machine.Result r = Machine.run(sc, config, true);
        for (Report.ViolationRow v : r.report().violations()) {
            if (v.kind().equals(target.kind()) && Stress.site(v.detail()).equals(target.site())) {
                return new Found(seed, strategy, sc, r);
            }
        }
        return null;
    }

    /** The program edits to try, biggest first: a boot task, a step (also inside a repeat), a count, ticks. */
    static List<String> edits(String text) {
        Config c = ConfigFactory.parseString(text);
        List<String> out = new ArrayList<>();
        if (c.hasPath("boot")) {
            List<? extends ConfigValue> boot = c.getList("boot");
            for (int i = 0; i < boot.size() && boot.size() > 1; i++) {
                out.add(render(c.withValue("boot", without(c.getList("boot"), i))));
            }
        }
        ConfigObject programs = c.getObject("programs");
        for (String p : programs.keySet()) {
            // A program nothing runs any more (the parser refuses the edit if something still names it).
            if (programs.size() > 1) out.add(render(c.withoutPath(ConfigUtil.joinPath("programs", p))));
        }
        for (String p : programs.keySet()) {
            String path = ConfigUtil.joinPath("programs", p);
            ConfigList steps = c.getList(path);
            for (int i = 0; i < steps.size(); i++) {
                if (steps.size() > 1) out.add(render(c.withValue(path, without(steps, i))));
            }
            for (int i = 0; i < steps.size(); i++) {
                for (Map<String, Object> smaller : smaller(steps.get(i))) {
                    List<Object> l = new ArrayList<>(steps.unwrapped());
                    l.set(i, smaller);
                    out.add(render(c.withValue(path, ConfigValueFactory.fromIterable(l))));
                }
            }
        }
        return out;
    }

    /** Smaller versions of one step: a repeat with fewer times or fewer inner steps, fewer ticks or pages. */
    private static List<Map<String, Object>> smaller(ConfigValue step) {
        List<Map<String, Object>> out = new ArrayList<>();
        if (step.valueType() != ConfigValueType.OBJECT) return out;
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) step.unwrapped();
        for (String k : List.of("times", "ticks", "pages", "count")) {
            if (m.get(k) instanceof Number n && n.longValue() > 1) {
                Map<String, Object> copy = new LinkedHashMap<>(m);
                copy.put(k, n.longValue() / 2);
                out.add(copy);
            }
        }
        if (m.get("steps") instanceof List<?> inner && inner.size() > 1) {
            for (int i = 0; i < inner.size(); i++) {
                List<Object> l = new ArrayList<>(inner);
                l.remove(i);
                Map<String, Object> copy = new LinkedHashMap<>(m);
                copy.put("steps", l);
                out.add(copy);
            }
        }
        return out;
    }

    private static ConfigValue without(List<? extends ConfigValue> l, int i) {
        List<Object> out = new ArrayList<>();
        for (int j = 0; j < l.size(); j++) if (j != i) out.add(l.get(j).unwrapped());
        return ConfigValueFactory.fromIterable(out);
    }

    /**
     * The scenario as people write it: the top-level knobs first, then each program one step per line
     * ({@code { op = fork, run = child, save = c }}), then boot. Values are rendered by Typesafe Config.
     */
    static String render(Config c) {
        ConfigRenderOptions one = ConfigRenderOptions.concise();
        StringBuilder b = new StringBuilder();
        List<String> keys = new ArrayList<>(c.root().keySet());
        keys.sort(Comparator.comparingInt((String k) -> TOP.indexOf(k) < 0 ? TOP.size() : TOP.indexOf(k))
                .thenComparing(k -> k));
        for (String k : keys) {
            ConfigValue v = c.root().get(k);
            if (k.equals("programs") && v.valueType() == ConfigValueType.OBJECT) {
                b.append("programs {\n");
                ConfigObject programs = (ConfigObject) v;
                for (String p : new TreeSet<>(programs.keySet())) {
                    b.append("  ")
                            .append(p.matches("[A-Za-z0-9_-]+") ? p : ConfigUtil.quoteString(p))
                            .append(" = [\n");
                    for (ConfigValue step : (ConfigList) programs.get(p))
                        b.append("    ").append(inline(step, one)).append("\n");
                    b.append("  ]\n");
                }
                b.append("}\n");
            } else {
                b.append(k).append(" = ").append(v.render(one)).append("\n");
            }
        }
        return b.toString();
    }

    private static final List<String> TOP =
            List.of("name", "cpus", "seed", "kernel", "programs", "boot", "left-stopped");

    /** One step on one line, its op first. */
    private static String inline(ConfigValue step, ConfigRenderOptions one) {
        if (step.valueType() != ConfigValueType.OBJECT) return step.render(one);
        ConfigObject o = (ConfigObject) step;
        List<String> keys = new ArrayList<>(o.keySet());
        keys.sort(Comparator.comparing((String k) -> !k.equals("op")).thenComparing(k -> k));
        StringBuilder b = new StringBuilder("{ ");
        for (int i = 0; i < keys.size(); i++) {
            if (i > 0) b.append(", ");
            b.append(keys.get(i)).append(" = ").append(o.get(keys.get(i)).render(one));
        }
        return b.append(" }").toString();
    }

    /** Steps in all programs (a repeat counts its inner steps once, times its count). */
    static int stepCount(String text) {
        Config c = ConfigFactory.parseString(text);
        int n = 0;
        ConfigObject programs = c.getObject("programs");
        for (String p : programs.keySet())
            n += count(c.getList(ConfigUtil.joinPath("programs", p)).unwrapped());
        return n;
    }

    private static int count(List<Object> steps) {
        int n = 0;
        for (Object o : steps) {
            n++;
            if (o instanceof Map<?, ?> m && m.get("steps") instanceof List<?> inner) {
                @SuppressWarnings("unchecked")
                List<Object> l = (List<Object>) inner;
                n += count(l) * (m.get("times") instanceof Number t ? t.intValue() : 1);
            }
        }
        return n;
    }

    /** The schedule strategy a shrink uses for a journal recorded with {@code recorded} (parallel: random). */
    public static String strategyFor(String recorded) {
        return recorded == null || recorded.equals(Schedule.PARALLEL) ? "random" : recorded;
    }
}
