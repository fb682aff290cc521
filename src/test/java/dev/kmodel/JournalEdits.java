package dev.kmodel;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kmodel.journal.JournalFile;
import dev.kmodel.run.Machine;
import dev.kmodel.scenario.Scenario;
import dev.kmodel.scenario.ScenarioParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/** Test helpers: record a journal file, and edit one as somebody who knows its format would. */
public final class JournalEdits {
    private static final ObjectMapper JSON = new ObjectMapper();

    private JournalEdits() {}

    /** Runs conf/scenarios/NAME.conf and writes its journal to DIR/NAME.kmj. */
    public static Path record(Path dir, String name) throws Exception {
        Path p = Path.of("conf/scenarios/" + name + ".conf");
        Scenario sc = ScenarioParser.parseFile(p.toFile());
        Path j = dir.resolve(name + ".kmj");
        JournalFile.write(
                j.toFile(),
                sc,
                Files.readString(p),
                Map.of("kmodel.timeslice-ticks", 4, "kmodel.ticks-per-jiffy", 4),
                Machine.run(sc).journal());
        return j;
    }

    /**
     * Makes the end line agree with the lines before it (JournalFile.write: the SHA-256 of each header
     * and event line's UTF-8 bytes followed by a newline, and the count of event lines); with
     * {@code headerCount} the header's count too. So a reader has to find an edit by what it says.
     */
    public static void reseal(List<String> lines, boolean headerCount) throws Exception {
        int end = lines.size() - 1;
        while (end > 0 && !lines.get(end).startsWith("{\"end\"")) end--;
        if (end <= 0) return;
        int events = end - 1;
        if (headerCount) {
            try {
                ObjectNode h = (ObjectNode) JSON.readTree(lines.get(0));
                h.put("events", events);
                lines.set(0, JSON.writeValueAsString(h));
            } catch (Exception e) {
                // a header that is no longer a JSON object stays as it is
            }
        }
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        for (int i = 0; i < end; i++) {
            sha.update(lines.get(i).getBytes(StandardCharsets.UTF_8));
            sha.update((byte) '\n');
        }
        ObjectNode e = JSON.createObjectNode();
        e.put("end", true);
        e.put("events", events);
        e.put("sha256", HexFormat.of().formatHex(sha.digest()));
        lines.set(end, JSON.writeValueAsString(e));
    }
}
