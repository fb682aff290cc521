package dev.kmodel.journal;

import akka.actor.typed.ActorRef;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kmodel.scenario.Scenario;
import java.io.BufferedWriter;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;

/**
 * Writes a run's journal as JSON Lines: a header line (format, version, scenario, seed, CPUs), then
 * one line per event in the run's total order: seq, persistence id, sequence number, event type and
 * the event's fields. Actor references are written as their paths.
 */
public final class JournalExport {
  public static final String FORMAT = "kmodel-journal";
  public static final int VERSION = 1;

  private static final ObjectMapper MAPPER = new ObjectMapper().registerModule(new SimpleModule()
      .addSerializer(ActorRef.class, new JsonSerializer<>() {
        @Override
        public void serialize(ActorRef ref, JsonGenerator gen, SerializerProvider p) throws IOException {
          gen.writeString(ref.path().toString());
        }
      }));

  private JournalExport() {}

  public static void write(File f, Scenario sc, List<JournalEntry> journal) throws IOException {
    try (BufferedWriter w = Files.newBufferedWriter(f.toPath(), StandardCharsets.UTF_8)) {
      ObjectNode h = MAPPER.createObjectNode();
      h.put("format", FORMAT);
      h.put("version", VERSION);
      h.put("kmodel", "0.1.0");
      h.put("scenario", sc.name());
      h.put("file", sc.file());
      h.put("seed", sc.seed());
      h.put("cpus", sc.cpus());
      h.put("events", journal.size());
      w.write(MAPPER.writeValueAsString(h));
      w.newLine();
      for (JournalEntry e : journal) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("seq", e.ordinal());
        n.put("pid", e.persistenceId());
        n.put("nr", e.sequenceNr());
        n.put("type", e.event().getClass().getName().replaceFirst("^dev\\.kmodel\\.", ""));
        n.set("event", MAPPER.valueToTree(e.event()));
        w.write(MAPPER.writeValueAsString(n));
        w.newLine();
      }
    }
  }
}
