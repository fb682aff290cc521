package dev.kmodel.run;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.time.Duration;

/**
 * How far a run may go before the machine stops it: real (wall-clock) time, journal events, model
 * ticks, and the share of the heap still in use after a full collection. A run that reaches one ends
 * with what it has (report and journal so far) and says which bound stopped it; it never hangs.
 * Read from {@code kmodel.bounds} (reference.conf; conf/application.conf and the command line override).
 */
public record Bounds(Duration wallTime, long maxEvents, long maxTicks, double heapFraction) {

    /** What stopped a run before quiescence. */
    public enum Bound {
        WALL_TIME("wall-time"),
        EVENTS("events"),
        TICKS("ticks"),
        MEMORY("memory"),
        SIGINT("SIGINT"),
        SIGTERM("SIGTERM");

        /** The name in the report ({@code stopped.by}) and the summary. */
        public final String label;

        Bound(String label) {
            this.label = label;
        }
    }

    public Bounds {
        if (wallTime.isNegative() || wallTime.isZero()) throw new IllegalArgumentException("wall time must be > 0");
        if (maxEvents < 1) throw new IllegalArgumentException("max events must be >= 1");
        if (maxTicks < 1) throw new IllegalArgumentException("max ticks must be >= 1");
        if (!(heapFraction > 0 && heapFraction <= 1))
            throw new IllegalArgumentException("heap fraction must be in (0, 1]");
    }

    /** The bounds a config sets ({@code kmodel.bounds.*}). */
    public static Bounds of(Config cfg) {
        Config b = cfg.getConfig("kmodel.bounds");
        return new Bounds(
                b.getDuration("wall-time"), b.getLong("events"), b.getLong("ticks"), b.getDouble("heap-fraction"));
    }

    /** {@code cfg} with these bounds in it (they travel with the config to the machine). */
    public Config into(Config cfg) {
        return cfg.withValue("kmodel.bounds.wall-time", ConfigValueFactory.fromAnyRef(wallTime.toMillis() + "ms"))
                .withValue("kmodel.bounds.events", ConfigValueFactory.fromAnyRef(maxEvents))
                .withValue("kmodel.bounds.ticks", ConfigValueFactory.fromAnyRef(maxTicks))
                .withValue("kmodel.bounds.heap-fraction", ConfigValueFactory.fromAnyRef(heapFraction));
    }

    public Bounds withWallTime(Duration d) {
        return new Bounds(d, maxEvents, maxTicks, heapFraction);
    }

    public Bounds withMaxEvents(long n) {
        return new Bounds(wallTime, n, maxTicks, heapFraction);
    }

    public Bounds withMaxTicks(long n) {
        return new Bounds(wallTime, maxEvents, n, heapFraction);
    }

    /** The limit a bound had, as the report and summary print it. */
    public String limitOf(Bound b) {
        return switch (b) {
            case WALL_TIME -> human(wallTime);
            case EVENTS -> maxEvents + " events";
            case TICKS -> maxTicks + " ticks";
            case MEMORY ->
                Math.round(heapFraction * 100) + "% of the heap ("
                        + (Runtime.getRuntime().maxMemory() >> 20) + " MiB) after a full GC";
            case SIGINT, SIGTERM -> "";
        };
    }

    /**
     * Parses a duration as people write it and HOCON reads it: {@code 90s}, {@code 2m}, {@code 1h},
     * {@code 500ms}, {@code 2 minutes}; a bare number is seconds. Throws IllegalArgumentException.
     */
    public static Duration parseDuration(String text) {
        String t = text.strip();
        if (t.matches("\\d+")) t = t + "s";
        try {
            Duration d = ConfigFactory.parseString("d = \"" + t.replace("\"", "") + "\"")
                    .getDuration("d");
            if (d.isNegative() || d.isZero()) throw new IllegalArgumentException("a duration must be > 0: " + text);
            return d;
        } catch (ConfigException e) {
            throw new IllegalArgumentException("not a duration: '" + text + "' (write e.g. 90s, 2m, 1h)");
        }
    }

    /** A duration as people read it: {@code 2m}, {@code 1m 30s}, {@code 1.5s}, {@code 250ms}, {@code 1h 5m}. */
    public static String human(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) return ms + "ms";
        if (ms < 60_000) {
            return ms % 1000 == 0 ? (ms / 1000) + "s" : String.format("%.1fs", ms / 1000.0);
        }
        long s = ms / 1000, h = s / 3600, m = (s % 3600) / 60, sec = s % 60;
        StringBuilder b = new StringBuilder();
        if (h > 0) b.append(h).append("h");
        if (m > 0) b.append(b.length() > 0 ? " " : "").append(m).append("m");
        if (sec > 0) b.append(b.length() > 0 ? " " : "").append(sec).append("s");
        return b.toString();
    }
}
