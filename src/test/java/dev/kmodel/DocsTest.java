package dev.kmodel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** No reference to a document that does not exist: links in the docs, and docs named in the code. */
class DocsTest {
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)#]+)(#[^)]*)?\\)");
    private static final Pattern DOC_NAME = Pattern.compile("(?<![\\w/.])((?:docs/)?[\\w-]+\\.md)\\b");

    private static List<Path> files(String dir, String suffix) throws IOException {
        try (Stream<Path> s = Files.walk(Path.of(dir))) {
            return s.filter(p -> p.toString().endsWith(suffix)).sorted().toList();
        }
    }

    @Test
    void markdownLinksPointToFilesThatExist() throws IOException {
        List<Path> docs = new ArrayList<>(files("docs", ".md"));
        docs.add(Path.of("README.md"));
        List<String> broken = new ArrayList<>();
        for (Path d : docs) {
            Matcher m = LINK.matcher(Files.readString(d));
            while (m.find()) {
                String target = m.group(1).trim();
                if (target.startsWith("http://") || target.startsWith("https://")) continue;
                Path resolved =
                        d.getParent() == null ? Path.of(target) : d.getParent().resolve(target);
                if (!Files.exists(resolved)) broken.add(d + " → " + target);
            }
        }
        assertEquals(List.of(), broken);
    }

    @Test
    void documentsNamedInTheSourcesAndDocsExist() throws IOException {
        List<Path> all = new ArrayList<>(files("src", ".java"));
        all.addAll(files("docs", ".md"));
        all.add(Path.of("README.md"));
        List<String> missing = new ArrayList<>();
        for (Path f : all) {
            Matcher m = DOC_NAME.matcher(Files.readString(f));
            while (m.find()) {
                String name = m.group(1);
                Path p = name.startsWith("docs/") ? Path.of(name) : Path.of("docs", name);
                if (!Files.exists(p) && !Files.exists(Path.of(name))) missing.add(f + " names " + name);
            }
        }
        assertEquals(List.of(), missing);
    }
}
