package dev.kmodel.run;

import akka.actor.typed.ActorRef;
import dev.kmodel.kernel.Activity;
import dev.kmodel.kernel.MsgId;
import dev.kmodel.kernel.ReceiveGate;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * A controlled schedule ({@code run --schedule random|pct:d}): the machine handles one model message
 * at a time, and which one comes next is drawn from the seed, so the seed alone fixes the interleaving
 * (the same seed gives the same journal).
 *
 * <p>How it reaches what the parallel mode can reach. In the parallel mode a step's sends go into the
 * receivers' mailboxes (Akka's FIFO queues) when the step's write is journaled, one after the other,
 * and each actor handles its mailbox in order, while other actors run. Here the {@link ReceiveGate} takes every
 * model message its receiver is handed and the schedule keeps the two queues
 * the parallel mode has: each sender's <em>outbox</em> (its sends not yet in a mailbox, in the order it
 * made them) and each receiver's <em>mailbox</em>. When everything in flight has reached the gate (the
 * machine has settled: {@link Activity#inFlight()} equals what the schedule keeps), it picks one enabled
 * actor and either moves the oldest message of its outbox into the receiver's mailbox, or, if its
 * outbox is empty, sends it the oldest message of its mailbox again, which the gate now admits. An actor's
 * sends are all in mailboxes before it handles its next message, as in Akka (sends are made when the
 * step is journaled, before the actor takes its next message); and a message sent after another
 * reached a mailbox is behind it there, which is what makes an unlock a release barrier in the model
 * (docs/architecture.md, "The pid hash's copy of task fields"). Any interleaving of whole steps and of
 * single sends is reachable; what the schedule cannot do is run two steps at the same time, which no
 * actor could observe.
 *
 * <p>Strategies: {@code random} picks an enabled actor uniformly; {@code pct:d[:k]} is PCT (Burckhardt
 * et al., ASPLOS 2010): every actor gets a random priority above d when it first has something to do,
 * the highest-priority enabled actor runs, and at d−1 steps drawn uniformly from [1, k] the actor
 * that runs drops to a priority below every initial one. A bug of depth d is found with probability at
 * least 1/(n·k^(d−1)) per run, n actors and k steps.
 */
public final class Schedule implements ReceiveGate {

    /** How the next actor is chosen. */
    public enum Kind {
        RANDOM,
        PCT
    }

    /** A strategy as the command line names it: {@code random}, {@code pct}, {@code pct:3}, {@code pct:3:2000}. */
    public record Strategy(Kind kind, int depth, long steps) {
        /** PCT's default depth: bugs that need two ordering constraints (most of the lifecycle's races). */
        public static final int DEFAULT_DEPTH = 3;

        /** PCT's default step estimate k, used when none is given and no run measured one. */
        public static final long DEFAULT_STEPS = 2000;

        public static Strategy parse(String s) {
            String[] p = s.trim().split(":", -1);
            switch (p[0]) {
                case "random":
                    if (p.length > 1) throw new IllegalArgumentException("'random' takes no parameters: " + s);
                    return new Strategy(Kind.RANDOM, 0, 0);
                case "pct":
                    if (p.length > 3) throw new IllegalArgumentException("pct takes at most depth and steps: " + s);
                    int d = p.length > 1 ? (int) positive(p[1], "depth", s, 999) : DEFAULT_DEPTH;
                    long k = p.length > 2 ? positive(p[2], "steps", s, Long.MAX_VALUE) : 0;
                    return new Strategy(Kind.PCT, d, k);
                default:
                    throw new IllegalArgumentException(
                            "unknown schedule '" + s + "' (parallel, random, pct, pct:D or pct:D:STEPS)");
            }
        }

        private static long positive(String v, String what, String all, long max) {
            try {
                long n = Long.parseLong(v);
                if (n >= 1 && n <= max) return n;
            } catch (NumberFormatException ignored) {
                // falls through to the message
            }
            throw new IllegalArgumentException("pct's " + what + " must be an integer from 1 to " + max + ": " + all);
        }

        /** The same strategy with PCT's step estimate filled in (kept so that a journal names all it used). */
        public Strategy withSteps(long k) {
            return kind == Kind.PCT && steps == 0 ? new Strategy(kind, depth, k) : this;
        }

        @Override
        public String toString() {
            if (kind == Kind.RANDOM) return "random";
            return "pct:" + depth + (steps > 0 ? ":" + steps : "");
        }
    }

    /** The parallel mode's name (no controlled schedule). */
    public static final String PARALLEL = "parallel";

    private final Strategy strategy;
    private final SplittableRandom rng;
    private final Activity activity;

    // All guarded by this.
    private final Map<String, ActorRef<Object>> actors = new HashMap<>();
    private final Map<MsgId, String> receiverOf = new HashMap<>(); // every message kept and not yet handled
    private final Map<MsgId, Object> message = new HashMap<>(); // the message itself, sent again in its turn
    private final TreeMap<String, TreeMap<Long, MsgId>> outbox = new TreeMap<>(); // by sender, in send order
    private final TreeMap<String, ArrayDeque<MsgId>> mailbox = new TreeMap<>(); // by receiver, FIFO
    private final Set<String> stopped = new HashSet<>();
    private final Set<MsgId> deadLettered = new HashSet<>();
    private final Map<String, Double> priority = new HashMap<>(); // PCT
    private final long[] changeAt; // PCT's priority change points, in steps
    private boolean started;
    private MsgId chosen; // told to its receiver, not admitted yet
    private long steps; // outbox moves and deliveries so far
    private long delivered;
    private String last; // the actor chosen last
    private long preemptions; // choices of another actor while the last one could have gone on

    public Schedule(Strategy strategy, long seed, Activity activity) {
        this.strategy = strategy.withSteps(Strategy.DEFAULT_STEPS);
        // The schedule's own generator: a seed's tasks draw their CPUs from theirs, independently.
        this.rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + 0x5C4EDL);
        this.activity = activity;
        if (this.strategy.kind() == Kind.PCT) {
            changeAt = new long[this.strategy.depth() - 1];
            for (int i = 0; i < changeAt.length; i++) changeAt[i] = 1 + rng.nextLong(this.strategy.steps());
        } else {
            changeAt = new long[0];
        }
        activity.onDone(this::settle);
    }

    public Strategy strategy() {
        return strategy;
    }

    /** Outbox moves and deliveries made (PCT's k is an estimate of this). */
    public synchronized long steps() {
        return steps;
    }

    /**
     * How often the schedule switched to another actor while the one it had chosen last could have gone
     * on (a shrunk schedule has as few as it can: dejafu's first measure).
     */
    public synchronized long preemptions() {
        return preemptions;
    }

    /** What the schedule holds, for a run that stopped moving: kept messages and the one it handed out. */
    public synchronized String describe() {
        return "the controlled schedule keeps " + receiverOf.size() + " messages"
                + (chosen == null ? "" : " and waits for " + receiverOf.get(chosen) + " to take " + chosen)
                + (started ? "" : " (not started)");
    }

    /** Messages handed to their receivers. */
    public synchronized long delivered() {
        return delivered;
    }

    /** The machine has booted: choose the first message once everything in flight has reached the gate. */
    public void start() {
        synchronized (this) {
            started = true;
        }
        settle();
    }

    @Override
    @SuppressWarnings("unchecked")
    public synchronized void register(String actor, ActorRef<?> self) {
        actors.put(actor, (ActorRef<Object>) self);
    }

    @Override
    public boolean keepsRefused() {
        return true;
    }

    @Override
    public boolean admit(String actor, MsgId id, Object message) {
        if (id == null || id.equals(MsgId.NONE)) return true; // probes and the clock's Quiet
        synchronized (this) {
            if (id.equals(chosen)) {
                chosen = null;
                receiverOf.remove(id);
                this.message.remove(id);
                delivered++;
                return true;
            }
            if (receiverOf.putIfAbsent(id, actor) == null) {
                this.message.put(id, message);
                outbox.computeIfAbsent(id.from(), k -> new TreeMap<>()).put(id.n(), id);
            }
        }
        settle();
        return false;
    }

    /** When the machine has settled, choose the next message and tell its receiver. */
    void settle() {
        List<String> dead = new ArrayList<>();
        synchronized (this) {
            if (!started || chosen != null) return;
            while (chosen == null && activity.inFlight() == receiverOf.size() && !receiverOf.isEmpty()) {
                String actor = next();
                if (actor == null) break;
                steps++;
                TreeMap<Long, MsgId> out = outbox.get(actor);
                if (out != null && !out.isEmpty()) {
                    MsgId m = out.pollFirstEntry().getValue();
                    if (out.isEmpty()) outbox.remove(actor);
                    String to = receiverOf.get(m);
                    if (stopped.contains(to)) {
                        deadLetter(m, dead); // into the mailbox of an actor that has stopped
                    } else {
                        mailbox.computeIfAbsent(to, k -> new ArrayDeque<>()).addLast(m);
                    }
                    continue;
                }
                ArrayDeque<MsgId> in = mailbox.get(actor);
                chosen = in.pollFirst();
                if (in.isEmpty()) mailbox.remove(actor);
                // Its turn: the same message again, which the gate now admits (one message, no stash to replay).
                actors.get(actor).tell(message.get(chosen));
            }
        }
        countDeadLetters(dead);
    }

    /** The actor whose outbox or mailbox goes next, or null if none can. */
    private String next() {
        List<String> enabled = new ArrayList<>();
        for (String a : outbox.keySet()) enabled.add(a);
        for (String a : mailbox.keySet()) {
            if (!outbox.containsKey(a)) enabled.add(a);
        }
        if (enabled.isEmpty()) return null;
        enabled.sort(null);
        String pick = pick(enabled);
        if (last != null && !pick.equals(last) && enabled.contains(last)) preemptions++;
        last = pick;
        return pick;
    }

    private String pick(List<String> enabled) {
        if (strategy.kind() == Kind.RANDOM) return enabled.get(rng.nextInt(enabled.size()));
        String best = null;
        double top = Double.NEGATIVE_INFINITY;
        for (String a : enabled) {
            double p = priority.computeIfAbsent(a, k -> strategy.depth() + rng.nextDouble());
            if (p > top) {
                top = p;
                best = a;
            }
        }
        for (int i = 0; i < changeAt.length; i++) {
            if (changeAt[i] == steps + 1) priority.put(best, (double) (strategy.depth() - 1 - i));
        }
        return best;
    }

    @Override
    public void stopped(String actor) {
        List<String> dead = new ArrayList<>();
        synchronized (this) {
            stopped.add(actor);
            // What is in its mailbox now would have reached it after it stopped: dead letters, as in Akka.
            ArrayDeque<MsgId> in = mailbox.remove(actor);
            if (in != null) for (MsgId m : in) deadLetter(m, dead);
        }
        countDeadLetters(dead);
    }

    private void deadLetter(MsgId m, List<String> dead) {
        String to = receiverOf.remove(m);
        deadLettered.add(m);
        dead.add(message.remove(m).getClass().getSimpleName() + " to " + to);
    }

    /** Outside this object's lock: the activity calls {@link #settle} back. */
    private void countDeadLetters(List<String> dead) {
        for (String d : dead) activity.deadLetter(d);
    }

    /**
     * A message Akka could not deliver: one this schedule sent in its turn to an actor that had stopped
     * without telling it (an actor that failed) is no longer awaited. False if the schedule counted it.
     */
    @Override
    public synchronized boolean deadLetter(MsgId id) {
        if (id == null) return true;
        if (deadLettered.contains(id)) return false;
        if (id.equals(chosen)) {
            chosen = null;
            String to = receiverOf.remove(id);
            message.remove(id);
            stopped.add(to);
        }
        return true;
    }
}
