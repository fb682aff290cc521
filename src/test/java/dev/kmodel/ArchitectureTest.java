package dev.kmodel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The package graph points one way (docs/architecture.md, "Packages"): cli → run / replay / report /
 * journal / log → kernel, mm, fs, ipc, ledger → scenario → uapi. A package may use its own layer
 * and the layers below it, never one above. The same graph, from the compiled classes:
 * {@code jdeps -verbose:package -e 'dev\.kmodel\..*' target/classes}.
 */
class ArchitectureTest {
    private static final Path MAIN = Path.of("src/main/java/dev/kmodel");
    private static final Pattern IMPORT =
            Pattern.compile("^import (?:static )?dev\\.kmodel\\.([a-z]+)", Pattern.MULTILINE);
    // A qualified name in code (not in an import, a comment or a string): pkg.sub.Class.
    private static final Pattern INLINE = Pattern.compile(
            "(?<![\\w.@\"])(?:dev\\.kmodel|java\\.util|java\\.io|java\\.nio|akka|com\\.fasterxml)(?:\\.[a-z][a-z0-9_]*)*\\.[A-Z]\\w*");

    /** The layer of each top-level package: higher may use lower, never the reverse. */
    private static final Map<String, Integer> LAYER = Map.ofEntries(
            Map.entry("uapi", 0),
            Map.entry("scenario", 1),
            Map.entry("kernel", 2),
            Map.entry("mm", 2),
            Map.entry("fs", 2),
            Map.entry("ipc", 2),
            Map.entry("ledger", 2),
            Map.entry("run", 3),
            Map.entry("replay", 3),
            Map.entry("report", 3),
            Map.entry("journal", 3),
            Map.entry("log", 3),
            Map.entry("stress", 3),
            Map.entry("cli", 4));

    private static List<Path> sources() throws IOException {
        try (Stream<Path> s = Files.walk(MAIN)) {
            return s.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        }
    }

    private static String topPackage(Path file) {
        return MAIN.relativize(file).getName(0).toString();
    }

    @Test
    void everyPackageHasALayer() throws IOException {
        for (Path f : sources()) assertTrue(LAYER.containsKey(topPackage(f)), "no layer for " + f);
    }

    @Test
    void dependenciesPointDownOnly() throws IOException {
        List<String> wrong = new ArrayList<>();
        for (Path f : sources()) {
            String from = topPackage(f);
            Matcher m = IMPORT.matcher(Files.readString(f));
            while (m.find()) {
                String to = m.group(1);
                if (LAYER.get(to) == null || LAYER.get(to) > LAYER.get(from)) wrong.add(f + ": " + from + " → " + to);
            }
        }
        assertEquals(List.of(), wrong, "imports that point up the package graph");
    }

    @Test
    void noInlineQualifiedNames() throws IOException {
        List<String> inline = new ArrayList<>();
        for (Path f : sources()) {
            List<String> lines = Files.readAllLines(f);
            for (int i = 0; i < lines.size(); i++) {
                String l = lines.get(i).strip();
                if (l.startsWith("import ")
                        || l.startsWith("package ")
                        || l.startsWith("*")
                        || l.startsWith("/*")
                        || l.startsWith("//")) {
                    continue;
                }
                String code = l.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"");
                Matcher m = INLINE.matcher(code);
                // RunReadJournal names Akka's Scala read journal beside the Java one it imports.
                while (m.find()) {
                    if (!m.group().startsWith("akka.persistence.query.scaladsl."))
                        inline.add(f + ":" + (i + 1) + " " + m.group());
                }
            }
        }
        assertEquals(List.of(), inline, "qualified names that should be imports (they hide dependencies)");
    }
}
