package dev.kmodel.journal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kmodel.journal.JournalFile.BadJournal;
import dev.kmodel.journal.JournalFile.Recorded;
import dev.kmodel.kernel.KEvent;
import dev.kmodel.kernel.Kernel;
import dev.kmodel.kernel.MsgId;
import dev.kmodel.ledger.LedgerEntry;
import dev.kmodel.ledger.Ledgered;
import dev.kmodel.ledger.ObjType;
import java.io.File;
import java.lang.reflect.RecordComponent;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the event lines of a journal, checking each completely before anything folds it: a journal
 * edited by hand (its checksum recomputed) is refused with one line naming the line, never left to
 * fail inside the report or the time-travel fold.
 *
 * <ul>
 *   <li>the line: exactly the fields the writer puts there ({@code seq}, {@code pid}, {@code nr},
 *       {@code msg}, {@code type}, {@code event}), each of its JSON type and range; {@code seq} counts
 *       1, 2, 3, ...;
 *   <li>the actor ({@code pid}): a persistence id a run has ({@link ActorId}): a CPU the header's CPU
 *       count has, a task the kernel spawned earlier in the journal; its journal writes ({@code nr})
 *       start at 1 and go up one at a time, and the events of one write share its message;
 *   <li>the type: one of the {@link EventTypes}, of that kind of actor;
 *   <li>the event: read strictly (no unknown or missing field, no number where a text belongs or a
 *       fraction where an integer does, numbers within their Java type, enums and {@code @type}s the
 *       model has) and written back: what the model writes must be what the line holds, field by field
 *       (actor references, which are read back as nothing, must be actor paths);
 *   <li>references: every task key ({@code task-N}, also inside object ids, holders and actor paths) is
 *       a task this journal spawns, every CPU ({@code cpuN}, a field {@code cpu}) one the run had,
 *       every message id names an actor; every ledger entry is complete, of a known object type.
 * </ul>
 */
final class EventReader {
    /** The envelope of an event line, as {@link JournalFile#write} puts it. */
    private static final Set<String> ENVELOPE = Set.of("seq", "pid", "nr", "msg", "type", "event");

    /** Events read strictly: what the writer cannot have written is an error, never a default. */
    private static final ObjectMapper STRICT = strict(JournalFile.MAPPER);

    /** An actor path as a reference is written: the actor under /user, maybe one of its adapters. */
    private static final Pattern ACTOR_PATH = Pattern.compile("/(user|system)(/[-\\w:@&=+,.!~*'$;]+)+");

    /** A task key where the model writes one: alone, as a holder, in an object id, in an actor path. */
    private static final Pattern TASK_REF =
            Pattern.compile("(?:users:|lazy:|[a-z_]+#|/user/)?(task-[0-9]+)(?:\\.[\\w.]+|/[^/]+)?");

    private static final Pattern CPU_REF = Pattern.compile("(?:lazy:|/user/)?cpu([0-9]+)(?:/[^/]+)?");

    /** Fields of free text (names, paths, messages): a word in them is not a reference. */
    private static final Set<String> TEXT_FIELDS =
            Set.of("comm", "program", "image", "detail", "path", "function", "step", "in", "by", "check", "why");

    private static final Set<String> OBJECT_TYPES = new HashSet<>();

    static {
        for (ObjType t : ObjType.values()) OBJECT_TYPES.add(t.kernelName);
    }

    /** One actor's latest journal write: its number and the message it handled. */
    private record Write(long nr, MsgId msg) {}

    private final File f;
    private final int cpus;
    private final Map<String, Write> lastWrite = new HashMap<>();
    private final Set<String> spawned = new HashSet<>();
    /** Senders of messages seen so far (a well-formed name; a task among them is in {@link #referenced}). */
    private final Set<String> knownActors = new HashSet<>();
    /** Task keys named by events, with the first line that names each (checked once all are read). */
    private final Map<String, Long> referenced = new LinkedHashMap<>();

    EventReader(File f, int cpus) {
        this.f = f;
        this.cpus = cpus;
    }

    /**
     * Unknown properties are left to the comparison with what the model writes (which also covers the
     * properties a record derives); everything else the writer cannot have produced fails here.
     */
    private static ObjectMapper strict(ObjectMapper base) {
        return base.copy()
                .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true)
                .configure(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS, true)
                .configure(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES, true)
                .configure(DeserializationFeature.ACCEPT_FLOAT_AS_INT, false);
    }

    private BadJournal bad(long line, String problem) {
        return new BadJournal(f, line, problem);
    }

    /** The event of line {@code line}, which must be the {@code seq}-th of the run. */
    Recorded read(long line, JsonNode n, long seq) throws BadJournal {
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!ENVELOPE.contains(k)) throw bad(line, "corrupt event line: unknown field \"" + k + "\"");
        }
        for (String k : List.of("seq", "pid", "nr", "type", "event")) {
            if (!n.hasNonNull(k)) throw bad(line, "corrupt event line: no \"" + k + "\"");
        }
        if (!n.get("seq").isIntegralNumber()
                || !n.get("seq").canConvertToLong()
                || n.get("seq").asLong() != seq) {
            throw bad(line, "corrupt event line: seq " + n.get("seq") + ", expected " + seq);
        }
        if (!n.get("pid").isTextual()) throw bad(line, "corrupt event line: pid is not an actor's name");
        String pid = n.get("pid").textValue();
        ActorId actor = actor(line, pid);
        JsonNode nrNode = n.get("nr");
        if (!nrNode.isIntegralNumber() || !nrNode.canConvertToLong() || nrNode.asLong() < 1) {
            throw bad(line, "corrupt event line: nr " + nrNode + " is not a journal write's number (1, 2, ...)");
        }
        long nr = nrNode.asLong();
        if (!n.get("type").isTextual()) throw bad(line, "corrupt event line: type is not an event type's name");
        String typeName = n.get("type").textValue();
        EventTypes.Type type = EventTypes.named(typeName);
        if (type == null) throw bad(line, "unknown event type '" + shorten(typeName) + "'");
        if (type.writer() != null && type.writer() != actor.kind()) {
            throw bad(
                    line,
                    "'" + typeName + "' is an event of a "
                            + type.writer().name().toLowerCase() + " actor, not of " + pid);
        }
        MsgId msg = n.hasNonNull("msg") ? msgId(line, "msg", n.get("msg")) : null;
        step(line, pid, nr, msg);
        JsonNode json = n.get("event");
        if (!json.isObject()) throw bad(line, "corrupt " + typeName + " event: not a JSON object");
        references(line, json, "");
        KEvent event;
        try {
            event = STRICT.treeToValue(json, type.cls());
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw bad(line, "corrupt " + typeName + " event: " + describe(e));
        }
        String difference = difference(json, JournalFile.MAPPER.valueToTree(event), "");
        if (difference != null) throw bad(line, "corrupt " + typeName + " event: " + difference);
        String nullEnum = nullEnum(event);
        if (nullEnum != null) throw bad(line, "corrupt " + typeName + " event: " + nullEnum + " is null");
        if (event instanceof Ledgered l) {
            for (LedgerEntry e : l.ledger()) ledgerEntry(line, e);
        }
        if (event instanceof Kernel.TaskSpawned s) {
            ActorId spawnedId = s.key() == null ? null : ActorId.parse(s.key());
            if (spawnedId == null || spawnedId.kind() != ActorId.Kind.TASK) {
                throw bad(line, "corrupt " + typeName + " event: key '" + s.key() + "' is not a task's name");
            }
            if (!spawned.add(s.key())) throw bad(line, s.key() + " is spawned a second time");
        }
        return new Recorded(seq, pid, nr, msg, typeName, json, event);
    }

    /** After the last event line: every task an event names was spawned somewhere in the journal. */
    void finish() throws BadJournal {
        for (Map.Entry<String, Long> r : referenced.entrySet()) {
            if (!spawned.contains(r.getKey())) {
                throw bad(r.getValue(), "names " + r.getKey() + ", a task this journal never spawns");
            }
        }
    }

    private ActorId actor(long line, String pid) throws BadJournal {
        ActorId a = ActorId.parse(pid);
        if (a == null) throw bad(line, "unknown actor '" + shorten(pid) + "' (not a persistence id of a run)");
        if (a.kind() == ActorId.Kind.CPU && a.number() >= cpus) {
            throw bad(line, pid + " journals, but the run had " + cpus + " CPU" + (cpus == 1 ? "" : "s"));
        }
        if (a.kind() == ActorId.Kind.TASK && !spawned.contains(pid)) {
            throw bad(line, pid + " journals before the kernel spawned it (no Kernel$TaskSpawned for it earlier)");
        }
        return a;
    }

    /** An actor's journal writes count 1, 2, 3, ...; the events of one write share its message. */
    private void step(long line, String pid, long nr, MsgId msg) throws BadJournal {
        Write last = lastWrite.get(pid);
        if (last == null ? nr != 1 : nr != last.nr() && nr != last.nr() + 1) {
            throw bad(
                    line,
                    "corrupt event line: " + pid + "'s journal write " + nr + " follows "
                            + (last == null ? "none (its first is 1)" : "write " + last.nr()));
        }
        if (last != null && nr == last.nr() && !Objects.equals(msg, last.msg())) {
            throw bad(line, "corrupt event line: one journal write of " + pid + " handled two messages");
        }
        lastWrite.put(pid, new Write(nr, msg));
    }

    private MsgId msgId(long line, String where, JsonNode m) throws BadJournal {
        if (!m.isObject()
                || m.size() != 2
                || !m.path("from").isTextual()
                || !m.path("n").isIntegralNumber()
                || !m.path("n").canConvertToLong()
                || m.path("n").asLong() < 0) {
            throw bad(line, corrupt(where) + where + " is not a message id {from, n}");
        }
        String from = m.get("from").textValue();
        if (!from.equals(MsgId.NONE.from()) && !knownActors.contains(from) && ActorId.parse(from) == null) {
            throw bad(line, corrupt(where) + where + " is from an unknown actor '" + shorten(from) + "'");
        }
        if (knownActors.add(from)) reference(line, from);
        return new MsgId(from, m.get("n").asLong());
    }

    /** The line's own message id ("msg"), or one inside its event. */
    private static String corrupt(String where) {
        return where.equals("msg") ? "corrupt event line: " : "corrupt event: ";
    }

    /**
     * The references an event makes: task keys (checked when the journal is read to its end), CPUs (by
     * name, and fields named {@code cpu}), message ids and actor paths.
     */
    private void references(long line, JsonNode node, String path) throws BadJournal {
        if (node.isObject()) {
            if (node.size() == 2 && node.has("from") && node.has("n")) msgId(line, path, node);
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String key = e.getKey();
                JsonNode v = e.getValue();
                String at = path.isEmpty() ? key : path + "." + key;
                if (key.equals("cpu") && v.isNumber() && (!v.canConvertToInt() || v.asInt() < 0 || v.asInt() >= cpus)) {
                    throw bad(line, "corrupt event: " + at + " is " + v + ", not one of the run's " + cpus + " CPUs");
                }
                if ((key.equals("ledger") && (!v.isArray() || hasNull(v))) || (key.equals("entry") && v.isNull())) {
                    throw bad(line, "corrupt event: " + at + " lacks a ledger entry");
                }
                if (!TEXT_FIELDS.contains(key)) references(line, v, at);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) references(line, node.get(i), path + "[" + i + "]");
        } else if (node.isTextual()) {
            reference(line, node.textValue());
        }
    }

    private void reference(long line, String s) throws BadJournal {
        if (s.indexOf("task-") < 0 && s.indexOf("cpu") < 0) return; // most texts: no regular expression
        Matcher t = TASK_REF.matcher(s);
        if (t.matches()) referenced.putIfAbsent(t.group(1), line);
        Matcher c = CPU_REF.matcher(s);
        if (c.matches() && (c.group(1).length() > 3 || Integer.parseInt(c.group(1)) >= cpus)) {
            throw bad(line, "corrupt event: names " + shorten(s) + ", but the run had " + cpus + " CPUs");
        }
    }

    /**
     * A field of one of the model's own enums (a lock mode, a run state, ...) that is null: the model
     * always writes one. (errno is the one enum-like field that is null on success, and is text.)
     */
    private static String nullEnum(Object event) {
        if (!event.getClass().isRecord()) return null;
        for (RecordComponent rc : event.getClass().getRecordComponents()) {
            if (!rc.getType().isEnum()) continue;
            try {
                if (rc.getAccessor().invoke(event) == null) return rc.getName();
            } catch (ReflectiveOperationException e) {
                return null; // (a record's accessor is public; nothing to judge otherwise)
            }
        }
        return null;
    }

    private static boolean hasNull(JsonNode array) {
        for (JsonNode e : array) if (e.isNull()) return true;
        return false;
    }

    private void ledgerEntry(long line, LedgerEntry e) throws BadJournal {
        if (e.object() == null
                || e.type() == null
                || e.owner() == null
                || e.event() == null
                || e.holder() == null
                || e.function() == null
                || e.path() == null) {
            throw bad(line, "corrupt ledger entry: a field is missing in " + shorten(String.valueOf(e)));
        }
        if (!OBJECT_TYPES.contains(e.type()))
            throw bad(line, "corrupt ledger entry: unknown object type '" + shorten(e.type()) + "'");
        if (!e.object().startsWith(e.type() + "#")
                || e.object().length() == e.type().length() + 1) {
            throw bad(
                    line, "corrupt ledger entry: object '" + shorten(e.object()) + "' is not a " + e.type() + "'s id");
        }
    }

    /**
     * Where the line holds what the model would not write (null when they agree): numbers compare by
     * value; an actor reference, which reads back as nothing, must be an actor path.
     */
    static String difference(JsonNode inFile, JsonNode written, String path) {
        String at = path.isEmpty() ? "the event" : path;
        if (inFile.isTextual() && written.isNull()) {
            return ACTOR_PATH.matcher(inFile.textValue()).matches() ? null : at + " is not an actor path";
        }
        if (inFile.isNumber() && written.isNumber()) {
            boolean same = inFile.isIntegralNumber() && written.isIntegralNumber()
                    ? inFile.bigIntegerValue().equals(written.bigIntegerValue())
                    : !inFile.isIntegralNumber()
                            && !written.isIntegralNumber()
                            && inFile.doubleValue() == written.doubleValue();
            return same ? null : at + " is " + shorten(inFile.toString()) + ", which the model writes as " + written;
        }
        if (inFile.getNodeType() != written.getNodeType()) {
            return at + " is " + kind(inFile) + " where the model writes " + kind(written);
        }
        if (inFile.isObject()) {
            for (Iterator<String> it = written.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!inFile.has(k)) return (path.isEmpty() ? "" : path + ".") + k + " is missing";
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = inFile.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String sub = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
                if (!written.has(e.getKey())) return sub + " is not a field of this event";
                String d = difference(e.getValue(), written.get(e.getKey()), sub);
                if (d != null) return d;
            }
            return null;
        }
        if (inFile.isArray()) {
            if (inFile.size() != written.size())
                return at + " has " + inFile.size() + " elements, read back " + written.size();
            for (int i = 0; i < inFile.size(); i++) {
                String d = difference(inFile.get(i), written.get(i), path + "[" + i + "]");
                if (d != null) return d;
            }
            return null;
        }
        return inFile.equals(written) ? null : at + " is " + shorten(inFile.toString()) + ", read back as " + written;
    }

    private static String kind(JsonNode n) {
        return switch (n.getNodeType()) {
            case STRING -> "a text";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            case ARRAY -> "a list";
            case OBJECT -> "an object";
            default -> n.getNodeType().name().toLowerCase();
        };
    }

    /** Jackson's complaint on one line: where in the event, and what. */
    private static String describe(Exception e) {
        StringBuilder where = new StringBuilder();
        if (e instanceof JsonMappingException m) {
            for (JsonMappingException.Reference r : m.getPath()) {
                if (r.getFieldName() != null)
                    where.append(where.length() == 0 ? "" : ".").append(r.getFieldName());
                else if (r.getIndex() >= 0)
                    where.append('[').append(r.getIndex()).append(']');
            }
        }
        String what = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
        what = String.valueOf(what).lines().findFirst().orElse("");
        return shorten((where.length() == 0 ? "" : where + ": ") + what);
    }

    static String shorten(String s) {
        return s.length() > 160 ? s.substring(0, 157) + "..." : s;
    }
}
