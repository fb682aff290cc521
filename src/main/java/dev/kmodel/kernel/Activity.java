package dev.kmodel.kernel;

import akka.persistence.typed.javadsl.CommandHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Termination detection for one run (instrumentation, not model state): the number of model messages
 * sent and not yet fully handled, including journal writes whose follow-up sends have not run yet.
 * The run is quiescent when this is zero and every CPU is idle. Read-only probes are not counted.
 * One per run, in its {@link RunContext}.
 */
public final class Activity {
    private final AtomicLong inFlight = new AtomicLong();
    private final AtomicLong handled = new AtomicLong();
    private final List<String> deadLetters = new ArrayList<>(); // guarded by this

    public void sent() {
        inFlight.incrementAndGet();
    }

    public void done() {
        if (inFlight.decrementAndGet() == 0) quiet();
        settled();
    }

    private volatile Runnable onQuiet;
    private volatile Runnable onDone; // a controlled schedule's check for its next turn, or null

    /**
     * {@code r} runs after each message (or step) is counted as handled: a controlled schedule chooses
     * the next message once everything in flight has reached its receiver's stash.
     */
    public void onDone(Runnable r) {
        onDone = r;
    }

    private void settled() {
        Runnable r = onDone;
        if (r != null) r.run();
    }

    /** {@code r} runs whenever the count of messages in flight drops to zero (the clock may move). */
    public void onQuiet(Runnable r) {
        onQuiet = r;
    }

    private void quiet() {
        Runnable r = onQuiet;
        if (r != null) r.run();
    }

    /** Model messages handled so far (for benchmarks). */
    public long handled() {
        return handled.get();
    }

    public long inFlight() {
        return inFlight.get();
    }

    /** A model message reached an actor that had stopped (a task whose objects were all freed). */
    public synchronized void deadLetter(String what) {
        deadLetters.add(what);
        if (inFlight.decrementAndGet() == 0) quiet();
        settled();
    }

    public synchronized List<String> deadLetters() {
        return List.copyOf(deadLetters);
    }

    /** Wraps a command handler so that each model message counts as handled once its handler returns. */
    public <C, E, S> CommandHandler<C, E, S> counting(CommandHandler<C, E, S> inner) {
        return (state, cmd) -> {
            try {
                return inner.apply(state, cmd);
            } catch (RuntimeException | Error e) {
                System.err.println("kmodel: model actor failed on " + cmd + ": " + e);
                e.printStackTrace();
                throw e;
            } finally {
                if (!(cmd instanceof Probe)) {
                    done();
                    handled.incrementAndGet();
                }
            }
        };
    }
}
