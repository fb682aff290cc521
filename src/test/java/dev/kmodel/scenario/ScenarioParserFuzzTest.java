package dev.kmodel.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every scenario of conf/scenarios, mutated with a fixed seed (lines deleted, duplicated, swapped;
 * values replaced by strings, lists, huge, negative and fractional numbers, variable typos; deep
 * nesting; truncation; random bytes), is either a scenario or a {@link ScenarioException} whose
 * message is one line {@code FILE:LINE: problem} — never another exception, never a stack overflow.
 */
class ScenarioParserFuzzTest {
    private static final long SEED = 20_240_909L;
    private static final int MUTANTS_PER_FILE = 80;

    /** Values a mutation writes where a scenario had one. */
    private static final List<String> VALUES = List.of(
            "\"abc\"",
            "[1, 2]",
            "[]",
            "{ a = 1 }",
            "99999999999999999999",
            "-99999999999999999999",
            "1e300",
            "-1",
            "-2147483649",
            "2147483648",
            "9223372036854775807",
            "0",
            "1.5",
            "\"$typo\"",
            "\"-$typo\"",
            "\"$\"",
            "\"@nosuch\"",
            "null",
            "true",
            "\"\"",
            "\"a\\nb\"",
            "SIGKILL",
            "RLIM_INFINITY",
            "\"12\"",
            "${nosuch}",
            "\"\"\"x\ny\"\"\"");

    private static final Pattern ASSIGNMENT =
            Pattern.compile("([A-Za-z][\\w-]*\\s*=\\s*)(\"[^\"]*\"|\\[[^\\]]*\\]|[^,}\\]\\s#]+)");

    @TempDir
    Path tmp;

    private record Outcome(int tried, int parsed, int rejected, List<String> failures) {}

    @Test
    void mutatedScenariosParseOrAreRejectedWithOneLine() throws Exception {
        Random rnd = new Random(SEED);
        int tried = 0, parsed = 0, rejected = 0;
        List<String> failures = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> s = Files.list(Path.of("conf/scenarios"))) {
            files = s.filter(p -> p.toString().endsWith(".conf")).sorted().toList();
        }
        assertTrue(files.size() > 10, "the scenarios of conf/scenarios");
        for (Path f : files) {
            String name = f.getFileName().toString();
            String original = Files.readString(f);
            for (int i = 0; i < MUTANTS_PER_FILE; i++) {
                String text = original;
                int mutations = 1 + rnd.nextInt(3);
                for (int m = 0; m < mutations; m++) text = mutate(text, rnd);
                tried++;
                // Mostly from text; every tenth through a file, as `run` reads it.
                String shown = i % 10 == 0 ? tmp.resolve(name).toString() : name;
                try {
                    if (i % 10 == 0) {
                        // As bytes: sometimes one of them replaced by any byte (not always UTF-8 any more).
                        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
                        if (bytes.length > 0 && rnd.nextBoolean())
                            bytes[rnd.nextInt(bytes.length)] = (byte) rnd.nextInt(256);
                        Files.write(tmp.resolve(name), bytes);
                        ScenarioParser.parseFile(tmp.resolve(name).toFile());
                    } else {
                        ScenarioParser.parseString(name, text);
                    }
                    parsed++;
                } catch (ScenarioException e) {
                    String msg = e.getMessage();
                    if (msg.contains("\n") || msg.contains("\r") || !msg.startsWith(shown + ":")) {
                        failures.add("not one line FILE:LINE: " + msg);
                    } else if (!msg.substring(shown.length()).matches(":[1-9][0-9]*: \\S.*")) {
                        failures.add("no line number: " + msg);
                    } else {
                        rejected++;
                    }
                } catch (Throwable t) {
                    failures.add(name + " mutant " + i + ": " + t + " on:\n" + excerpt(text));
                }
            }
        }
        System.out.printf(
                "scenario parser fuzz: %d inputs, %d parsed, %d rejected with one line, %d failures%n",
                tried, parsed, rejected, failures.size());
        assertEquals(List.of(), failures.subList(0, Math.min(10, failures.size())));
        assertEquals(tried, parsed + rejected);
        assertTrue(rejected > tried / 3 && parsed > 0, "the mutations reach both outcomes: " + rejected + "/" + tried);
    }

    private static String excerpt(String text) {
        return text.length() > 400 ? text.substring(0, 400) + "..." : text;
    }

    /** One seeded mutation of a scenario's text. */
    static String mutate(String text, Random rnd) {
        List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
        int n = lines.size();
        int at = rnd.nextInt(n);
        switch (rnd.nextInt(9)) {
            case 0 -> lines.remove(at);
            case 1 -> lines.add(at, lines.get(at));
            case 2 -> {
                int other = rnd.nextInt(n);
                String l = lines.get(at);
                lines.set(at, lines.get(other));
                lines.set(other, l);
            }
            case 3, 4, 5 -> {
                // A value replaced: the n-th assignment of a line that has one.
                for (int tries = 0; tries < 20; tries++) {
                    int k = rnd.nextInt(n);
                    Matcher m = ASSIGNMENT.matcher(lines.get(k));
                    List<int[]> spans = new ArrayList<>();
                    while (m.find()) spans.add(new int[] {m.start(2), m.end(2)});
                    if (spans.isEmpty()) continue;
                    int[] s = spans.get(rnd.nextInt(spans.size()));
                    String l = lines.get(k);
                    lines.set(k, l.substring(0, s[0]) + VALUES.get(rnd.nextInt(VALUES.size())) + l.substring(s[1]));
                    break;
                }
            }
            case 6 -> {
                // Repeat blocks nested around a step, at and beyond the limit.
                int[] depths = {2, NestingCheck.MAX_REPEAT_DEPTH, NestingCheck.MAX_REPEAT_DEPTH + 1, 200, 3000};
                int d = depths[rnd.nextInt(depths.length)];
                for (int tries = 0; tries < 20; tries++) {
                    int k = rnd.nextInt(n);
                    if (!lines.get(k).contains("{ op =")) continue;
                    lines.add(
                            k, "{ op = repeat, times = 1, steps = [ ".repeat(d) + "{ op = getpid }" + " ] }".repeat(d));
                    break;
                }
            }
            case 7 -> {
                return text.substring(0, rnd.nextInt(text.length() + 1));
            }
            default -> {
                // Random bytes (as Latin-1 characters: controls, quotes, brackets, anything) put in or over.
                StringBuilder b = new StringBuilder(text);
                int len = 1 + rnd.nextInt(8);
                int pos = rnd.nextInt(b.length() + 1);
                String junk = randomBytes(rnd, len);
                if (rnd.nextBoolean()) b.insert(pos, junk);
                else b.replace(pos, Math.min(b.length(), pos + len), junk);
                return b.toString();
            }
        }
        return String.join("\n", lines);
    }

    private static String randomBytes(Random rnd, int len) {
        String special = "{}[]\"$\\#=,:+\n\t\u0000@-.";
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < len; i++) {
            b.append(rnd.nextBoolean() ? special.charAt(rnd.nextInt(special.length())) : (char) rnd.nextInt(256));
        }
        return b.toString();
    }
}
