package dev.kmodel.stress;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import dev.kmodel.journal.JournalEntry;
import dev.kmodel.journal.JournalFile;
import dev.kmodel.report.Report;
import dev.kmodel.run.Machine;
import dev.kmodel.run.Schedule;
import dev.kmodel.scenario.Fault;
import dev.kmodel.scenario.Scenario;
import dev.kmodel.scenario.ScenarioException;
import dev.kmodel.scenario.ScenarioParser;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Many schedules of one scenario (or of random programs) in one JVM, several at a time: each is a
 * whole machine run with its own seed. Keeps what the summary needs: the interleavings and outcomes
 * seen, and the violations grouped by kind and site with the first seed and its journal.
 */
public final class Stress {

    /** What to run. {@code scenario} null: random programs ({@link RandomProgram}), one per schedule. */
    public record Options(
            Scenario scenario,
            String source,
            String strategy,
            long schedules,
            int jobs,
            long firstSeed,
            boolean untilFirst,
            File out,
            Config config,
            Set<Fault> faults) {}

    /** One schedule's result, as the summary counts it. */
    public record Run(
            long index,
            long seed,
            String scenario,
            String interleaving,
            String outcome,
            List<String> results,
            List<Report.ViolationRow> violations,
            String status,
            String stoppedBy,
            long events,
            long steps) {}

    /** A group of violations: one kind at one site (the detail with its numbers taken out). */
    public static final class Group {
        final String kind;
        final String site;
        String detail; // the first seed's
        long firstIndex = Long.MAX_VALUE;
        long firstSeed;
        String firstScenario;
        File journal;
        long hits;

        Group(String kind, String site) {
            this.kind = kind;
            this.site = site;
        }
    }

    private final Options opt;
    private final String strategy; // with PCT's step estimate filled in
    private final Config config;
    private final Set<String> interleavings = new HashSet<>();
    private final Map<String, Long> outcomes = new LinkedHashMap<>();
    private final Map<String, Run> outcomeExample = new HashMap<>(); // the first schedule that saw each
    private final Map<String, Group> groups = new TreeMap<>();
    private long runs;
    private long violating;
    private long eventsTotal;
    private final AtomicLong next = new AtomicLong();
    private final AtomicBoolean found = new AtomicBoolean();
    private volatile String stoppedBy; // a signal asked the stress run to stop (its summary is still written)

    /** Stop after the schedules running now (Ctrl-C, SIGTERM): the summary covers what ran. */
    public void requestStop(String why) {
        stoppedBy = why;
    }

    private Stress(Options opt, String strategy) {
        this.opt = opt;
        this.strategy = strategy;
        this.config = opt.config().withValue("kmodel.schedule", ConfigValueFactory.fromAnyRef(strategy));
    }

    /**
     * PCT needs k, the number of steps a run takes: unless the strategy names it, one run of the first
     * seed under the random strategy measures it.
     */
    public static Stress prepare(Options opt) throws ScenarioException {
        String s = opt.strategy();
        if (!s.equals(Schedule.PARALLEL)) {
            Schedule.Strategy st = Schedule.Strategy.parse(s);
            if (st.kind() == Schedule.Kind.PCT && st.steps() == 0) {
                Scenario sc = scenarioOf(opt, opt.firstSeed());
                Config c = opt.config().withValue("kmodel.schedule", ConfigValueFactory.fromAnyRef("random"));
                long k = Machine.run(sc, c, false).scheduleSteps();
                st = st.withSteps(Math.max(1, k));
            }
            s = st.toString();
        }
        return new Stress(opt, s);
    }

    /** The strategy as run (PCT's k filled in). */
    public String strategy() {
        return strategy;
    }

    /** Runs the schedules; {@code progress} is told of each one as it ends (from the worker threads). */
    public Summary run(Consumer<Run> progress) throws InterruptedException {
        long started = System.nanoTime();
        int jobs = Math.max(1, opt.jobs());
        ExecutorService pool = Executors.newFixedThreadPool(jobs, r -> {
            Thread t = new Thread(r, "stress");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int j = 0; j < jobs; j++) {
                workers.add(pool.submit(() -> {
                    while (true) {
                        long i = next.getAndIncrement();
                        if (i >= opt.schedules() || opt.untilFirst() && found.get() || stoppedBy != null) return null;
                        Run r = one(i);
                        progress.accept(r);
                    }
                }));
            }
            for (Future<?> f : workers) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    throw new IllegalStateException("a schedule failed: " + e.getCause(), e.getCause());
                }
            }
        } finally {
            pool.shutdownNow();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        return summary(seconds);
    }

    private static Scenario scenarioOf(Options opt, long seed) throws ScenarioException {
        if (opt.scenario() != null) return opt.scenario().withSeed(seed);
        return ScenarioParser.parseString("random-" + seed + ".conf", RandomProgram.generate(seed))
                .withFaults(opt.faults());
    }

    /** Schedule {@code i}: seed firstSeed + i. */
    private Run one(long i) throws ScenarioException, IOException {
        long seed = opt.firstSeed() + i;
        Scenario sc = scenarioOf(opt, seed);
        Machine.Result res = Machine.run(sc, config, true);
        Report rep = res.report();
        List<Report.ViolationRow> v = new ArrayList<>(rep.violations());
        String status = rep.stopped() != null ? rep.stopped().by() : rep.outcome();
        if (rep.stopped() != null && v.isEmpty()) {
            // A schedule that did not end: a hang (or a bound too small for it), never silently passed.
            v.add(new Report.ViolationRow(0, "hang", rep.stopped().detail(), List.of()));
        }
        Run run = new Run(
                i,
                seed,
                sc.name(),
                interleaving(res.journal()),
                outcome(outcomeLines(rep)),
                outcomeLines(rep),
                v,
                status,
                rep.stopped() == null ? null : rep.stopped().by(),
                res.journal().size(),
                res.scheduleSteps());
        record(run, sc, res.journal());
        return run;
    }

    private synchronized void record(Run r, Scenario sc, List<JournalEntry> journal) throws IOException {
        runs++;
        eventsTotal += r.events();
        interleavings.add(r.interleaving());
        outcomes.merge(r.outcome(), 1L, Long::sum);
        outcomeExample.merge(r.outcome(), r, (a, b) -> a.index() <= b.index() ? a : b);
        if (r.violations().isEmpty()) return;
        violating++;
        found.set(true);
        Set<String> counted = new HashSet<>();
        for (Report.ViolationRow v : r.violations()) {
            String site = site(v.detail());
            String key = v.kind() + " " + site;
            if (!counted.add(key)) continue; // a group counts schedules, not rows
            Group g = groups.computeIfAbsent(key, k -> new Group(v.kind(), site));
            g.hits++;
            if (r.index() < g.firstIndex) {
                // (with several jobs a lower seed can end after a higher one: its journal replaces that one's)
                if (g.journal != null && !g.journal.delete()) g.journal.deleteOnExit();
                g.firstIndex = r.index();
                g.firstSeed = r.seed();
                g.firstScenario = r.scenario();
                g.detail = v.detail();
                if (opt.out() != null) g.journal = save(g, sc, journal, r);
            }
        }
    }

    private File save(Group g, Scenario sc, List<JournalEntry> journal, Run r) throws IOException {
        File dir = opt.out();
        if (!dir.isDirectory() && !dir.mkdirs()) throw new IOException("cannot create " + dir);
        // The site's hash tells apart two groups of one kind whose first seed is the same.
        String base = (opt.scenario() == null ? r.scenario() : sc.name()) + "-" + g.kind + "-"
                + String.format("%04x", g.site.hashCode() & 0xffff) + "-seed" + r.seed();
        File f = new File(dir, base.replaceAll("[^A-Za-z0-9._-]", "_") + ".kmj");
        String source = opt.scenario() == null ? RandomProgram.generate(r.seed()) : opt.source();
        JournalFile.write(f, sc, source, JournalFile.knobs(config), journal, r.stoppedBy());
        return f;
    }

    private static final Pattern NUMBERS = Pattern.compile("\\d+");

    /** Where a violation happened, without what changes from one schedule to the next (pids, seqs, task keys). */
    static String site(String detail) {
        String s = NUMBERS.matcher(detail == null ? "" : detail).replaceAll("N");
        return s.length() > 160 ? s.substring(0, 160) : s;
    }

    /** The receive order of the whole machine: each step's actor and message, in journal order. */
    static String interleaving(List<JournalEntry> journal) {
        MessageDigest d = sha();
        String lastPid = null;
        long lastNr = -1;
        for (JournalEntry e : journal) {
            if (e.persistenceId().equals(lastPid) && e.sequenceNr() == lastNr) continue;
            lastPid = e.persistenceId();
            lastNr = e.sequenceNr();
            d.update((lastPid + " " + e.msg() + "\n").getBytes(StandardCharsets.UTF_8));
        }
        return hex(d.digest());
    }

    /**
     * What the programs saw: every system call's result (return value, errno, wait status), by task and
     * step, not by when each call returned (that is the interleaving, counted apart).
     */
    static List<String> outcomeLines(Report r) {
        List<String> lines = new ArrayList<>();
        for (Report.ResultRow row : r.results()) lines.add(resultLine(row));
        lines.sort(null);
        return lines;
    }

    static String outcome(List<String> lines) {
        MessageDigest d = sha();
        for (String l : lines) d.update(l.getBytes(StandardCharsets.UTF_8));
        return hex(d.digest());
    }

    private static String resultLine(Report.ResultRow row) {
        return String.format("pid %d step %d ", row.pid(), row.step()) + row.comm() + " " + row.op() + " = "
                + (row.ret() == null ? "-" : row.ret()) + (row.errno() == null ? "" : " " + row.errno())
                + (row.status() == null
                        ? ""
                        : String.format(" status=0x%04x", row.status().raw()));
    }

    private static MessageDigest sha() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hex(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 8; i++) s.append(String.format("%02x", b[i]));
        return s.toString();
    }

    /** A group's hit rate with its 95% Wilson score interval. */
    public record Rate(double rate, double low, double high) {
        static Rate of(long hits, long n) {
            if (n == 0) return new Rate(0, 0, 1);
            double z = 1.959963984540054;
            double p = (double) hits / n;
            double z2n = z * z / n;
            double centre = (p + z2n / 2) / (1 + z2n);
            double half = z * Math.sqrt(p * (1 - p) / n + z2n / (4.0 * n)) / (1 + z2n);
            // At 0 or n hits the interval's end is the rate itself (the formula gives it up to rounding).
            double low = hits == 0 ? 0 : Math.max(0, centre - half);
            double high = hits == n ? 1 : Math.min(1, centre + half);
            return new Rate(p, low, high);
        }
    }

    /** One violation group in the summary. */
    public record GroupRow(
            String kind,
            String site,
            String detail,
            long hits,
            Rate rate,
            long firstSeed,
            String firstScenario,
            String journal) {}

    /** The summary of a stress run (its JSON form is in docs/contract.md). */
    public record Summary(
            String scenario,
            String strategy,
            long schedules,
            int jobs,
            long firstSeed,
            double seconds,
            double schedulesPerSecond,
            long events,
            long interleavings,
            long outcomes,
            List<OutcomeRow> outcomeCounts,
            long violatingSchedules,
            List<GroupRow> violations,
            String stoppedBy) {}

    /**
     * A distinct outcome (its hash over every system call's result), how many schedules saw it, the first
     * seed that did and the results themselves.
     */
    public record OutcomeRow(String outcome, long schedules, long firstSeed, List<String> results) {}

    private synchronized Summary summary(double seconds) {
        List<GroupRow> rows = new ArrayList<>();
        for (Group g : groups.values()) {
            rows.add(new GroupRow(
                    g.kind,
                    g.site,
                    g.detail,
                    g.hits,
                    Rate.of(g.hits, runs),
                    g.firstSeed,
                    g.firstScenario,
                    g.journal == null ? null : g.journal.getPath()));
        }
        rows.sort((a, b) -> Long.compare(b.hits(), a.hits()));
        List<OutcomeRow> oc = new ArrayList<>();
        outcomes.forEach((k, n) -> {
            Run first = outcomeExample.get(k);
            oc.add(new OutcomeRow(k, n, first.seed(), first.results()));
        });
        oc.sort((a, b) -> Long.compare(b.schedules(), a.schedules()));
        return new Summary(
                opt.scenario() == null ? "random programs" : opt.scenario().name(),
                strategy,
                runs,
                Math.max(1, opt.jobs()),
                opt.firstSeed(),
                seconds,
                seconds > 0 ? runs / seconds : 0,
                eventsTotal,
                interleavings.size(),
                outcomes.size(),
                oc.size() > 20 ? List.copyOf(oc.subList(0, 20)) : oc,
                violating,
                rows,
                stoppedBy);
    }
}
