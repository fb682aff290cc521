package dev.kmodel.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kmodel.Cli;
import dev.kmodel.JournalEdits;
import dev.kmodel.cli.Main;
import dev.kmodel.journal.EventTypes;
import dev.kmodel.journal.JournalFile;
import dev.kmodel.scenario.Scenario;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Journals of two recorded runs, mutated with a fixed seed — lines deleted, duplicated, swapped, cut,
 * garbled; fields of events, of the header and of the end line replaced by nulls, texts, keys of
 * tasks that do not exist, huge, negative and fractional numbers, lists, objects, other event types
 * and actors — mostly with the checksum recomputed, so that the checks behind it are reached. Each
 * goes through {@code replay --at} and {@code explain}: exit 0, or exit 2 with one line
 * {@code FILE:LINE: problem}; never an internal error (exit 3), never an exception.
 */
class JournalFuzzTest {
    private static final long SEED = 9_0909L;
    private static final int MUTANTS_PER_JOURNAL = 200;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /** Values an edit writes where a journal had one. */
    private static final List<JsonNode> VALUES;

    static {
        JsonNodeFactory f = JsonNodeFactory.instance;
        VALUES = List.of(
                f.nullNode(),
                f.textNode(""),
                f.textNode("k-9999"),
                f.textNode("task-9999"),
                f.textNode("task-0"),
                f.textNode("cpu9"),
                f.textNode("/user/task-9999"),
                f.textNode("mm_struct#mmu.9999"),
                f.textNode("bogus"),
                f.textNode("a\nb"),
                f.numberNode(0),
                f.numberNode(-1),
                f.numberNode(Integer.MAX_VALUE + 1L),
                f.numberNode(new BigInteger("99999999999999999999")),
                f.numberNode(1e300),
                f.numberNode(1.5),
                f.booleanNode(true),
                f.arrayNode(),
                f.objectNode(),
                f.objectNode().put("from", "nobody").put("n", 1));
    }

    private static Cli.Result cli(String... args) {
        return Cli.run(args);
    }

    /** What a mutant came to. */
    private enum Verdict {
        READ,
        REFUSED,
        FAILED
    }

    @Test
    void mutatedJournalsAreReadOrRefusedWithOneLine() throws Exception {
        Random rnd = new Random(SEED);
        int tried = 0, read = 0, refused = 0, viaCli = 0;
        Map<String, Integer> refusals = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        for (String scenario : List.of("zombie-reap", "threads")) {
            List<String> original = Files.readAllLines(JournalEdits.record(tmp, scenario));
            assertEquals(
                    0, cli("replay", tmp.resolve(scenario + ".kmj").toString()).status());
            int events = original.size() - 2;
            for (int i = 0; i < MUTANTS_PER_JOURNAL; i++) {
                List<String> lines = new ArrayList<>(original);
                int edits = 1 + rnd.nextInt(2);
                for (int k = 0; k < edits; k++) mutate(lines, rnd);
                if (rnd.nextInt(5) != 0) JournalEdits.reseal(lines, rnd.nextBoolean());
                Path f = tmp.resolve(scenario + "-" + i + ".kmj");
                Files.write(f, String.join("\n", lines).concat("\n").getBytes(StandardCharsets.UTF_8));
                long at = 1 + rnd.nextInt(events);
                int pid = 1 + rnd.nextInt(6);
                tried++;
                // The import and both folds as the commands run them (ReplayCommand.open, GuardedFold)...
                String problem = null;
                boolean atRead = false, explainRead = false;
                try {
                    Recording rec = Recording.open(f.toFile());
                    JournalFile.Loaded l = rec.loaded();
                    Scenario sc = rec.scenario();
                    try {
                        GuardedFold.run(
                                f.toFile(),
                                l,
                                x -> Inspect.at(x, sc, Math.min(at, x.events().size()), pid));
                        atRead = true;
                    } catch (JournalFile.BadJournal e) {
                        problem = e.getMessage();
                    }
                    GuardedFold.run(f.toFile(), l, x -> Inspect.explain(x, sc, pid));
                    explainRead = true;
                } catch (JournalFile.BadJournal e) {
                    if (problem == null) problem = e.getMessage();
                } catch (Throwable t) {
                    failures.add(f.getFileName() + ": " + t);
                    continue;
                }
                Verdict v = atRead && explainRead
                        ? Verdict.READ
                        : oneLine(problem, f.toString()) ? Verdict.REFUSED : Verdict.FAILED;
                if (v == Verdict.FAILED) failures.add("not one line FILE:LINE: " + problem);
                else if (v == Verdict.READ) read++;
                else {
                    refused++;
                    refusals.merge(kind(problem.substring(f.toString().length())), 1, Integer::sum);
                }
                // ... and every eighth mutant through the command line itself: exit 0, or 2 and that line.
                if (i % 8 == 0) {
                    viaCli++;
                    String[] args = i % 16 == 0
                            ? new String[] {"replay", f.toString(), "--at", String.valueOf(at), "--pid", "" + pid}
                            : new String[] {"explain", f.toString(), "--pid", "" + pid};
                    Cli.Result r = cli(args);
                    String err = r.err().strip();
                    boolean same = (i % 16 == 0 ? atRead : explainRead)
                            ? r.status() == Main.OK && err.isEmpty() && !r.out().isEmpty()
                            : r.status() == Main.BAD_INPUT
                                    && err.lines().count() == 1
                                    && err.matches("kmodel: \\Q" + f + "\\E:[1-9][0-9]*: \\S.*");
                    boolean usage = r.status() == Main.BAD_INPUT
                            && err.lines().count() == 1
                            && (err.startsWith("kmodel: --at must be") || err.startsWith("kmodel: no task with pid"));
                    if (!same && !usage) {
                        failures.add(String.join(" ", args) + " → exit " + r.status() + ": " + err);
                    }
                }
            }
        }
        System.out.printf(
                "journal fuzz: %d mutants (%d also through the CLI): %d read, %d refused with one line, %d failures%n",
                tried, viaCli, read, refused, failures.size());
        System.out.println("journal fuzz refusals: " + refusals);
        assertEquals(List.of(), failures.subList(0, Math.min(10, failures.size())));
        assertEquals(tried, read + refused);
        assertTrue(read > tried / 20, "some mutants are still journals: " + read);
        assertTrue(refusals.keySet().size() > 10, "the checks reached are many: " + refusals);
    }

    private static boolean oneLine(String message, String file) {
        return !message.contains("\n")
                && !message.contains("\r")
                && message.matches("\\Q" + file + "\\E:[1-9][0-9]*: \\S.*");
    }

    /** What a refusal is about, without its numbers and names: its first words. */
    private static String kind(String message) {
        String m = message.replaceFirst("^:[0-9]+: ", "").replaceAll("[\\w.]+\\$\\w+", "T");
        String[] words = m.split("[\\s:'\"(]+");
        return String.join(" ", List.of(words).subList(0, Math.min(3, words.length)));
    }

    /** One seeded edit of a journal's lines (header, events, end line). */
    private static void mutate(List<String> lines, Random rnd) throws Exception {
        int last = lines.size() - 1;
        int at = rnd.nextInt(lines.size());
        switch (rnd.nextInt(12)) {
            case 0 -> lines.remove(1 + rnd.nextInt(Math.max(1, last - 1)));
            case 1 -> lines.add(at, lines.get(at));
            case 2 -> {
                int other = 1 + rnd.nextInt(Math.max(1, last - 1));
                int one = 1 + rnd.nextInt(Math.max(1, last - 1));
                String l = lines.get(one);
                lines.set(one, lines.get(other));
                lines.set(other, l);
            }
            case 3 ->
                lines.set(
                        at, lines.get(at).substring(0, rnd.nextInt(lines.get(at).length() + 1)));
            case 4 -> {
                StringBuilder b = new StringBuilder(lines.get(at));
                int pos = rnd.nextInt(b.length() + 1);
                for (int k = 0; k < 1 + rnd.nextInt(6); k++) b.insert(pos, (char) rnd.nextInt(128));
                lines.set(at, b.toString());
            }
            default -> {
                // A JSON edit of one line, most often an event's.
                int target = rnd.nextInt(10) == 0 ? 0 : rnd.nextInt(10) == 0 ? last : 1 + rnd.nextInt(last - 1);
                JsonNode n;
                try {
                    n = JSON.readTree(lines.get(target));
                } catch (Exception e) {
                    return; // an earlier edit garbled it
                }
                if (n == null || !n.isObject() || n.isEmpty()) return;
                editJson(n, rnd);
                lines.set(target, JSON.writeValueAsString(n));
            }
        }
    }

    /** Replaces, removes or adds one field somewhere in {@code root}, or renames its type or actor. */
    private static void editJson(JsonNode root, Random rnd) {
        ObjectNode line = (ObjectNode) root;
        int what = rnd.nextInt(10);
        if (what == 0 && line.has("type")) {
            List<String> types = new ArrayList<>(EventTypes.all().keySet());
            line.put("type", rnd.nextBoolean() ? types.get(rnd.nextInt(types.size())) : "kernel.Nope");
            return;
        }
        if (what == 1 && line.has("pid")) {
            String[] actors = {"cpu0", "cpu1", "cpu7", "kernel", "mmu", "task-1", "task-3", "task-9999", "nobody"};
            line.put("pid", actors[rnd.nextInt(actors.length)]);
            return;
        }
        // Some node of the line (mostly of its event): replaced, removed, or given a sibling.
        List<ObjectNode> parents = new ArrayList<>();
        List<String> names = new ArrayList<>();
        collect(what >= 3 && line.has("event") ? line.get("event") : line, parents, names);
        if (parents.isEmpty()) return;
        int k = rnd.nextInt(parents.size());
        ObjectNode parent = parents.get(k);
        String name = names.get(k);
        int how = rnd.nextInt(12);
        if (how == 0) parent.remove(name);
        else if (how == 1) parent.set("extra", VALUES.get(rnd.nextInt(VALUES.size())));
        else if (how < 8) parent.set(name, sameKind(parent.get(name), rnd));
        else parent.set(name, VALUES.get(rnd.nextInt(VALUES.size())));
    }

    /**
     * A value of the same JSON kind (so that it reads as the field's type), or null: an edit only the
     * checks beyond the field's type, or the folds, can notice.
     */
    private static JsonNode sameKind(JsonNode v, Random rnd) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (rnd.nextInt(4) == 0) return f.nullNode();
        if (v.isTextual()) {
            String[] texts = {"", "task-1", "task-2", "task-3", "cpu0", "kernel", "init", "zombie", "running", "free"};
            return f.textNode(texts[rnd.nextInt(texts.length)]);
        }
        if (v.isIntegralNumber()) {
            long[] numbers = {0, 1, 2, -1, 7, 300, Integer.MAX_VALUE, Integer.MIN_VALUE};
            return f.numberNode(numbers[rnd.nextInt(numbers.length)]);
        }
        if (v.isBoolean()) return f.booleanNode(!v.booleanValue());
        if (v.isArray()) return f.arrayNode();
        return v;
    }

    private static void collect(JsonNode n, List<ObjectNode> parents, List<String> names) {
        if (n instanceof ObjectNode o) {
            for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                parents.add(o);
                names.add(k);
                collect(o.get(k), parents, names);
            }
        } else if (n instanceof ArrayNode a) {
            for (JsonNode e : a) collect(e, parents, names);
        }
    }
}
