package dev.kmodel.cli;

import dev.kmodel.run.Bounds.Bound;
import java.util.function.Consumer;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Ctrl-C (SIGINT) and SIGTERM during a run: the first asks the run to stop, so that the report and
 * the journal so far are still written; a second one quits at once (exit 128 + the signal's number,
 * as a shell reports a process killed by it).
 */
final class Interrupts implements AutoCloseable {
    private final SignalHandler oldInt;
    private final SignalHandler oldTerm;
    private volatile boolean asked;

    private Interrupts(Consumer<Bound> stop) {
        SignalHandler i = null, t = null;
        try {
            i = Signal.handle(new Signal("INT"), sig -> handle(stop, Bound.SIGINT, 130));
            t = Signal.handle(new Signal("TERM"), sig -> handle(stop, Bound.SIGTERM, 143));
        } catch (IllegalArgumentException e) {
            // The JVM does not let us (java -Xrs): the signals keep their default action.
        }
        oldInt = i;
        oldTerm = t;
    }

    /** Routes SIGINT and SIGTERM to {@code stop} until closed. */
    static Interrupts install(Consumer<Bound> stop) {
        return new Interrupts(stop);
    }

    private void handle(Consumer<Bound> stop, Bound b, int status) {
        if (asked) {
            System.err.println("kmodel: " + b.label + " again: quitting without a report");
            Runtime.getRuntime().halt(status);
        }
        asked = true;
        System.err.println("kmodel: " + b.label + ": stopping; what ran so far is reported and written"
                + " (send it again to quit at once)");
        stop.accept(b);
    }

    /** The exit status of a run a signal stopped: 130 for SIGINT, 143 for SIGTERM. */
    static int statusOf(String stoppedBy) {
        return switch (stoppedBy) {
            case "SIGINT" -> 130;
            case "SIGTERM" -> 143;
            default -> Main.VIOLATION;
        };
    }

    @Override
    public void close() {
        if (oldInt != null) Signal.handle(new Signal("INT"), oldInt);
        if (oldTerm != null) Signal.handle(new Signal("TERM"), oldTerm);
    }
}
