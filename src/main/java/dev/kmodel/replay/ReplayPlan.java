package dev.kmodel.replay;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kmodel.journal.JournalFile;
import dev.kmodel.kernel.MsgId;
import dev.kmodel.kernel.ReceiveGate;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a re-run follows: for each actor, the messages it handled in the recorded order, and the
 * events it journaled. An actor's gate (in KernelActor) holds back a message that is due later; the
 * run journal compares every event with the recorded one and keeps the first difference.
 */
public final class ReplayPlan implements ReceiveGate {

    /** One actor's recorded receive order and events; touched by that actor (gate) and the journal (check). */
    static final class Actor {
        final ArrayDeque<MsgId> order = new ArrayDeque<>(); // handled messages still to come (the gate's)
        final Set<MsgId> recorded = new HashSet<>(); // all it handled in the recording
        final List<JsonNode> events = new ArrayList<>(); // what it journaled, in order
        int checked; // events of the re-run compared so far (journal's)
    }

    /** The first event of the re-run that differs from the recording. */
    public record Divergence(
            String actor, int index, JsonNode expected, JsonNode actual, String expectedType, String actualType) {}

    private final Map<String, Actor> actors = new LinkedHashMap<>();
    private final Map<String, List<String>> types = new LinkedHashMap<>();
    private volatile Divergence first;
    private long compared;
    private long recorded; // events in the recording
    private boolean prefix; // the recording was stopped by a bound: a prefix of a run, which goes on past it

    /** Builds the plan from a journal read back. */
    public static ReplayPlan of(JournalFile.Loaded loaded) {
        ReplayPlan p = new ReplayPlan();
        p.recorded = loaded.events().size();
        p.prefix = loaded.header().stopped() != null;
        Map<String, Long> lastNr = new LinkedHashMap<>();
        for (JournalFile.Recorded r : loaded.events()) {
            Actor a = p.actors.computeIfAbsent(r.pid(), k -> new Actor());
            p.types.computeIfAbsent(r.pid(), k -> new ArrayList<>()).add(r.type());
            a.events.add(r.json());
            Long nr = lastNr.put(r.pid(), r.nr());
            // One journal write per handled message: its first event names the message.
            if ((nr == null || nr != r.nr()) && r.msg() != null && !r.msg().equals(MsgId.NONE)) {
                a.order.addLast(r.msg());
                a.recorded.add(r.msg());
            }
        }
        return p;
    }

    /**
     * The gate: may {@code actor} handle message {@code id} now? Yes if it is the next one it handled in
     * the recording; a message the recording never had (the run already diverged) goes through so
     * that the difference shows. A message handled now is taken off the order.
     */
    @Override
    public boolean admit(String actor, MsgId id, Object message) {
        if (id == null || id.equals(MsgId.NONE)) return true;
        Actor a = actors.get(actor);
        // A message the recording never had: the run diverged (let it through, so that the difference
        // shows), or the recording ended before it was handled (hold it: the re-run stops where it did).
        if (a == null || !a.recorded.contains(id)) return !prefix;
        if (id.equals(a.order.peekFirst())) {
            a.order.pollFirst();
            return true;
        }
        return false;
    }

    /** The run journal compares each event the re-run journals with the recorded one. */
    public synchronized void check(String actor, Object event) {
        Actor a = actors.get(actor);
        JsonNode actual = JournalFile.asRead(event);
        int i = a == null ? 0 : a.checked++;
        compared++;
        if (first != null) return;
        JsonNode expected = a == null || i >= a.events.size() ? null : a.events.get(i);
        if (expected == null && prefix) return; // past the end of a recording a bound cut short
        if (expected == null || !expected.equals(actual)) {
            String et = expected == null ? null : types.get(actor).get(i);
            first = new Divergence(actor, i, expected, actual, et, JournalFile.typeName(event));
        }
    }

    /** After the re-run: the first difference, or an actor that journaled fewer events than recorded. */
    public synchronized Divergence divergence() {
        if (first != null) return first;
        for (Map.Entry<String, Actor> e : actors.entrySet()) {
            Actor a = e.getValue();
            if (a.checked < a.events.size()) {
                return new Divergence(
                        e.getKey(),
                        a.checked,
                        a.events.get(a.checked),
                        null,
                        types.get(e.getKey()).get(a.checked),
                        null);
            }
        }
        return null;
    }

    /** The first mismatching event so far (during the run), or null. */
    public Divergence mismatch() {
        return first;
    }

    public synchronized long compared() {
        return compared;
    }

    /** Every recorded event has been journaled again (a recording a bound stopped ends here). */
    public synchronized boolean replayedAll() {
        return compared >= recorded;
    }

    public int actors() {
        return actors.size();
    }

    /** Messages some actor still waits for (the next one of each), for a re-run that got stuck. */
    public Map<String, MsgId> waiting() {
        Map<String, MsgId> w = new LinkedHashMap<>();
        actors.forEach((k, a) -> {
            MsgId next = a.order.peekFirst();
            if (next != null) w.put(k, next);
        });
        return w;
    }
}
