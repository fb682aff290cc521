package dev.kmodel.log;

import ch.qos.logback.classic.spi.LogbackServiceProvider;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * Logback, with the slf4j MDC switched off. Akka Persistence Typed writes the persistence id and
 * phase into the MDC for every message an actor handles; with Logback's adapter that allocated a map
 * per message and cost about 15% of a run (docs/benchmarks.md). kmodel's log patterns do not print
 * MDC values, so the facade's MDC is a no-op; logging itself is Logback's, unchanged.
 */
public final class LogbackWithoutMdc implements SLF4JServiceProvider {
    private final LogbackServiceProvider logback = new LogbackServiceProvider();
    private final MDCAdapter mdc = new NOPMDCAdapter();

    /** Makes slf4j use this provider; call before anything logs. */
    public static void install() {
        if (System.getProperty("slf4j.provider") == null) {
            System.setProperty("slf4j.provider", LogbackWithoutMdc.class.getName());
            // slf4j announces an explicitly chosen provider at INFO; keep its own chatter to warnings.
            if (System.getProperty("slf4j.internal.verbosity") == null) {
                System.setProperty("slf4j.internal.verbosity", "WARN");
            }
        }
    }

    @Override
    public ILoggerFactory getLoggerFactory() {
        return logback.getLoggerFactory();
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return logback.getMarkerFactory();
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return mdc;
    }

    @Override
    public String getRequestedApiVersion() {
        return logback.getRequestedApiVersion();
    }

    @Override
    public void initialize() {
        logback.initialize();
    }
}
