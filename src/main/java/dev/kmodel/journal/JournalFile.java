package dev.kmodel.journal;

import akka.actor.typed.ActorRef;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.jsontype.BasicPolymorphicTypeValidator;
import com.fasterxml.jackson.databind.jsontype.TypeResolverBuilder;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import dev.kmodel.kernel.KEvent;
import dev.kmodel.kernel.MsgId;
import dev.kmodel.scenario.Fault;
import dev.kmodel.scenario.Scenario;
import dev.kmodel.scenario.ScenarioException;
import java.io.BufferedWriter;
import java.io.File;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A run's journal as a file (format {@value #FORMAT}, version {@value #VERSION}): JSON Lines with a
 * header (format, version, kmodel version, scenario name, file and source text, seed, CPUs, the
 * model's config knobs, event count), one line per event in the run's total order (seq, persistence
 * id, sequence number in that actor, the message whose handling wrote it, event type and fields;
 * actor references as paths), and an end line with the event count and a SHA-256 of the event lines.
 * Reading checks all of it, so a truncated, corrupted or newer file is refused with one line.
 */
public final class JournalFile {
    public static final String FORMAT = "kmodel-journal";
    public static final int VERSION = 5;
    /** The config knobs that change a run's behaviour, kept in the header for a re-run. */
    public static final List<String> KNOBS =
            List.of("kmodel.timeslice-ticks", "kmodel.ticks-per-jiffy", "kmodel.schedule");

    /** parallel, random, or pct:D:K as a run writes it. */
    private static boolean validSchedule(String s) {
        return s.equals("parallel") || s.equals("random") || s.matches("pct:[1-9][0-9]{0,2}:[1-9][0-9]{0,17}");
    }

    /** The values of {@link #KNOBS} in the config a run used, for its header. */
    public static Map<String, Object> knobs(Config cfg) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (String k : KNOBS) m.put(k, cfg.getAnyRef(k));
        return m;
    }
    /** The fields of the header line. */
    private static final Set<String> HEADER = Set.of(
            "format",
            "version",
            "kmodel",
            "scenario",
            "file",
            "seed",
            "cpus",
            "config",
            "events",
            "source",
            "stopped",
            "faults");
    /** What may have stopped a recording before quiescence (its header's "stopped"; Bounds.Bound's labels). */
    private static final Set<String> STOPPED_BY = Set.of("wall-time", "events", "ticks", "memory", "SIGINT", "SIGTERM");

    /** The mapper for events: actor references become their paths (no system name), and are not read back. */
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            // Map.of's order changes from one JVM to the next: a controlled schedule's journal may not.
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
            .setDefaultTyping(sealedTyping())
            .registerModule(new SimpleModule()
                    .addSerializer(ActorRef.class, new JsonSerializer<>() {
                        @Override
                        public void serialize(ActorRef ref, JsonGenerator gen, SerializerProvider p)
                                throws IOException {
                            gen.writeString(ref.path().toStringWithoutAddress());
                        }
                    })
                    .addDeserializer(ActorRef.class, new JsonDeserializer<>() {
                        @Override
                        public ActorRef<?> deserialize(JsonParser p, DeserializationContext c) throws IOException {
                            p.skipChildren();
                            return null; // a recorded reference names an actor of a run that is gone
                        }
                    }));

    /**
     * A field typed by one of the model's sealed interfaces (e.g. an Mmu op) carries its record's class
     * name ("@type"), so that it can be read back; other values are written plainly.
     */
    private static TypeResolverBuilder<?> sealedTyping() {
        ObjectMapper.DefaultTypeResolverBuilder b =
                new ObjectMapper.DefaultTypeResolverBuilder(
                        ObjectMapper.DefaultTyping.NON_FINAL,
                        BasicPolymorphicTypeValidator.builder()
                                .allowIfSubType("dev.kmodel.")
                                .build()) {
                    @Override
                    public boolean useForType(JavaType t) {
                        Class<?> c = t.getRawClass();
                        return c.isInterface() && c.isSealed() && c.getName().startsWith("dev.kmodel.");
                    }
                };
        return b.init(JsonTypeInfo.Id.CLASS, null)
                .inclusion(JsonTypeInfo.As.PROPERTY)
                .typeProperty("@type");
    }

    /**
     * The header line. {@code stopped}: the bound or signal that ended the recorded run before
     * quiescence (its journal is a prefix of a run), or null when the run reached quiescence.
     * {@code faults}: the faults the run had switched on (the scenario's {@code kernel.faults} and the
     * command line's {@code --faults}), by name; written only when there are any.
     */
    public record Header(
            String scenario,
            String file,
            String source,
            long seed,
            int cpus,
            Map<String, Object> config,
            long events,
            String stopped,
            List<String> faults) {
        public Header {
            faults = faults == null ? List.of() : List.copyOf(faults);
        }

        public Header(
                String scenario,
                String file,
                String source,
                long seed,
                int cpus,
                Map<String, Object> config,
                long events) {
            this(scenario, file, source, seed, cpus, config, events, null, List.of());
        }
    }

    /** One recorded event: where it is in the run, which step wrote it, and the event itself. */
    public record Recorded(long seq, String pid, long nr, MsgId msg, String type, JsonNode json, KEvent event) {}

    /** A journal read back. */
    public record Loaded(Header header, List<Recorded> events) {
        /** The events as the report and the folds take them. */
        public List<JournalEntry> entries() {
            List<JournalEntry> out = new ArrayList<>(events.size());
            for (Recorded r : events) out.add(new JournalEntry(r.seq(), r.pid(), r.nr(), r.event(), r.msg()));
            return out;
        }
    }

    /** Bad journal: the one line the user sees. */
    public static final class BadJournal extends Exception {
        public BadJournal(File f, long line, String problem) {
            super(ScenarioException.oneLine(f.getPath() + (line > 0 ? ":" + line : "") + ": " + problem));
        }
    }

    private JournalFile() {}

    /** The event as the file writes it (also what a re-run compares). */
    public static JsonNode json(Object event) {
        return MAPPER.valueToTree(event);
    }

    /** The event as it reads back from the file (numbers as the parser types them), for comparisons. */
    public static JsonNode asRead(Object event) {
        try {
            return MAPPER.readTree(MAPPER.writeValueAsString(event));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The type name written for an event class (its name below dev.kmodel). */
    public static String typeName(Object event) {
        return typeName(event.getClass());
    }

    /** The type name written for events of class {@code c}. */
    public static String typeName(Class<?> c) {
        return c.getName().replaceFirst("^dev\\.kmodel\\.", "");
    }

    public static void write(File f, Scenario sc, String source, Map<String, Object> config, List<JournalEntry> journal)
            throws IOException {
        write(f, sc, source, config, journal, null);
    }

    /** Writes a journal; {@code stopped}: the bound that ended the run before quiescence, or null. */
    public static void write(
            File f, Scenario sc, String source, Map<String, Object> config, List<JournalEntry> journal, String stopped)
            throws IOException {
        MessageDigest sha = sha256();
        try (BufferedWriter w = Files.newBufferedWriter(f.toPath(), StandardCharsets.UTF_8)) {
            ObjectNode h = MAPPER.createObjectNode();
            h.put("format", FORMAT);
            h.put("version", VERSION);
            h.put("kmodel", "0.1.0");
            h.put("scenario", sc.name());
            h.put("file", sc.file());
            h.put("seed", sc.seed());
            h.put("cpus", sc.cpus());
            h.set("config", MAPPER.valueToTree(config));
            h.put("events", journal.size());
            if (stopped != null) h.put("stopped", stopped);
            if (!sc.faults().isEmpty()) {
                var names = h.putArray("faults");
                for (Fault x : Fault.values()) if (sc.faults().contains(x)) names.add(x.word);
            }
            h.put("source", source);
            String head = MAPPER.writeValueAsString(h);
            sha.update(head.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) '\n');
            w.write(head);
            w.newLine();
            for (JournalEntry e : journal) {
                ObjectNode n = MAPPER.createObjectNode();
                n.put("seq", e.ordinal());
                n.put("pid", e.persistenceId());
                n.put("nr", e.sequenceNr());
                if (e.msg() != null) n.set("msg", MAPPER.valueToTree(e.msg()));
                n.put("type", typeName(e.event()));
                n.set("event", json(e.event()));
                String line = MAPPER.writeValueAsString(n);
                sha.update(line.getBytes(StandardCharsets.UTF_8));
                sha.update((byte) '\n');
                w.write(line);
                w.newLine();
            }
            ObjectNode end = MAPPER.createObjectNode();
            end.put("end", true);
            end.put("events", journal.size());
            end.put("sha256", HexFormat.of().formatHex(sha.digest()));
            w.write(MAPPER.writeValueAsString(end));
            w.newLine();
        }
    }

    /**
     * Reads and checks a journal file: the header, every event line ({@link EventReader}), the end line's
     * count and checksum. Anything else than a regular file (a directory, a device such as /dev/zero, a
     * FIFO, which would block) is refused before it is opened; lines are read in bounded chunks
     * ({@link JournalLines}).
     */
    public static Loaded read(File f) throws BadJournal {
        if (!Files.exists(f.toPath())) throw new BadJournal(f, 0, "no such file");
        if (!Files.isRegularFile(f.toPath())) {
            throw new BadJournal(f, 0, "not a regular file (a directory, device or pipe): not a kmodel journal");
        }
        List<Recorded> events = new ArrayList<>();
        MessageDigest sha = sha256();
        Header header;
        long lineNo = 0;
        boolean ended = false;
        try (JournalLines r = new JournalLines(Files.newInputStream(f.toPath()))) {
            lineNo = 1;
            String first = r.next();
            if (first == null) throw new BadJournal(f, 1, "empty file: not a kmodel journal");
            header = header(f, first);
            r.digest(sha);
            EventReader reader = new EventReader(f, header.cpus());
            String line;
            while (true) {
                lineNo++;
                if ((line = r.next()) == null) break;
                if (ended) throw new BadJournal(f, lineNo, "text after the end line");
                JsonNode n = parse(f, lineNo, line);
                if (n.has("end")) {
                    end(f, lineNo, n, events.size(), sha);
                    ended = true;
                    continue;
                }
                r.digest(sha);
                events.add(reader.read(lineNo, n, events.size() + 1));
            }
            lineNo--;
            if (ended) reader.finish();
        } catch (NoSuchFileException e) {
            throw new BadJournal(f, 0, "no such file");
        } catch (JournalLines.TooLong e) {
            throw new BadJournal(f, lineNo, e.getMessage());
        } catch (CharacterCodingException e) {
            throw new BadJournal(f, lineNo, "not UTF-8 text: not a kmodel journal");
        } catch (IOException e) {
            throw new BadJournal(f, lineNo, "cannot read: " + e.getMessage());
        }
        if (!ended) {
            throw new BadJournal(
                    f,
                    lineNo,
                    "truncated journal: no end line after " + events.size() + " of " + header.events() + " events");
        }
        if (events.size() != header.events()) {
            throw new BadJournal(
                    f, 1, "the header announces " + header.events() + " events but the file has " + events.size());
        }
        return new Loaded(header, events);
    }

    /** The end line: the event count and the SHA-256 of the lines before it. */
    private static void end(File f, long lineNo, JsonNode n, int events, MessageDigest sha) throws BadJournal {
        if (n.size() != 3
                || !n.get("end").equals(BooleanNode.TRUE)
                || !n.path("sha256").isTextual()) {
            throw new BadJournal(f, lineNo, "corrupt end line: it has \"end\": true, \"events\" and \"sha256\" only");
        }
        JsonNode count = n.path("events");
        if (!count.isIntegralNumber() || !count.canConvertToLong() || count.asLong() != events) {
            throw new BadJournal(f, lineNo, "the end line counts " + count + " events but the file has " + events);
        }
        if (!n.get("sha256").textValue().equals(HexFormat.of().formatHex(sha.digest()))) {
            throw new BadJournal(f, lineNo, "checksum mismatch: the header or the event lines were changed");
        }
    }

    private static Header header(File f, String line) throws BadJournal {
        JsonNode h = parse(f, 1, line);
        if (!FORMAT.equals(h.path("format").asText())) {
            throw new BadJournal(f, 1, "not a kmodel journal (no \"format\": \"" + FORMAT + "\" header)");
        }
        if (!h.path("version").isInt()) throw new BadJournal(f, 1, "the header's version is not an integer");
        int version = h.path("version").asInt(-1);
        if (version > VERSION) {
            throw new BadJournal(
                    f,
                    1,
                    "journal format version " + version + " is newer than this kmodel reads (" + VERSION
                            + "); use a newer kmodel");
        }
        if (version < VERSION) {
            throw new BadJournal(
                    f,
                    1,
                    "journal format version " + version + " is older than this kmodel reads (" + VERSION
                            + "); record the run again");
        }
        for (String k : List.of("scenario", "source", "seed", "cpus", "events")) {
            if (!h.has(k)) throw new BadJournal(f, 1, "the header lacks \"" + k + "\"");
        }
        for (Iterator<String> it = h.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!HEADER.contains(k)) throw new BadJournal(f, 1, "the header has an unknown field \"" + k + "\"");
        }
        if (!h.get("seed").isIntegralNumber()
                || !h.get("seed").canConvertToLong()
                || !h.get("events").isIntegralNumber()
                || !h.get("events").canConvertToLong()
                || h.get("events").asLong() < 0
                || !h.get("cpus").isIntegralNumber()
                || !h.get("cpus").canConvertToInt()
                || !h.get("scenario").isTextual()
                || !h.path("file").isTextual() && !h.path("file").isMissingNode()
                || h.get("cpus").asInt() < 1
                || h.get("cpus").asInt() > 256
                || !h.get("source").isTextual()) {
            throw new BadJournal(f, 1, "the header's seed, cpus (1-256), events or source is not valid");
        }
        if (h.has("stopped")
                && !(h.get("stopped").isTextual()
                        && STOPPED_BY.contains(h.get("stopped").asText()))) {
            throw new BadJournal(f, 1, "the header's \"stopped\" is not one of " + new TreeSet<>(STOPPED_BY));
        }
        List<String> faults = new ArrayList<>();
        if (h.has("faults")) {
            if (!h.get("faults").isArray()) throw new BadJournal(f, 1, "the header's faults is not a list of names");
            for (JsonNode x : h.get("faults")) {
                if (!x.isTextual() || Fault.named(x.asText()) == null) {
                    throw new BadJournal(
                            f,
                            1,
                            "the header's faults names an unknown fault " + x + " (known: " + Fault.names() + ")");
                }
                faults.add(x.asText());
            }
        }
        Map<String, Object> config = new LinkedHashMap<>();
        if (!h.path("config").isObject() && !h.path("config").isMissingNode()) {
            throw new BadJournal(f, 1, "the header's config is not an object of knobs");
        }
        var knobs = h.path("config").fields();
        while (knobs.hasNext()) {
            var e = knobs.next();
            if (e.getKey().equals("kmodel.schedule")) {
                // The schedule that recorded the run (a re-run follows the recorded receive order whatever it was).
                if (!e.getValue().isTextual() || !validSchedule(e.getValue().asText())) {
                    throw new BadJournal(f, 1, "the header's config has an invalid schedule " + e.getValue());
                }
                config.put(e.getKey(), e.getValue().asText());
                continue;
            }
            if (!KNOBS.contains(e.getKey())
                    || !e.getValue().isInt()
                    || e.getValue().asInt() < 1) {
                throw new BadJournal(f, 1, "the header's config has an unknown or invalid knob '" + e.getKey() + "'");
            }
            config.put(e.getKey(), e.getValue().asInt());
        }
        return new Header(
                h.get("scenario").asText(),
                h.path("file").asText(""),
                h.get("source").asText(),
                h.get("seed").asLong(),
                h.get("cpus").asInt(),
                config,
                h.get("events").asLong(),
                h.has("stopped") ? h.get("stopped").asText() : null,
                faults);
    }

    private static JsonNode parse(File f, long line, String text) throws BadJournal {
        try {
            JsonNode n = MAPPER.readTree(text);
            if (n == null || !n.isObject()) throw new BadJournal(f, line, "corrupt line: not a JSON object");
            return n;
        } catch (JsonProcessingException e) {
            throw new BadJournal(f, line, "corrupt line: " + e.getOriginalMessage());
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
