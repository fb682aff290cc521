package dev.kmodel.scenario;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigIncludeContext;
import com.typesafe.config.ConfigIncluder;
import com.typesafe.config.ConfigIncluderClasspath;
import com.typesafe.config.ConfigIncluderFile;
import com.typesafe.config.ConfigIncluderURL;
import com.typesafe.config.ConfigObject;
import java.io.File;
import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;

/**
 * A scenario's HOCON {@code include}s. Every include must be found: HOCON itself skips a missing
 * include silently unless it is written {@code required(...)}, which would run another scenario than
 * the one written. A relative {@code include "x.conf"} is read from the including file's directory.
 * An include that cannot be read is reported in the user's words: the including file, the line of
 * the include, and the name that was not found.
 */
final class ScenarioIncludes implements ConfigIncluder, ConfigIncluderFile, ConfigIncluderURL, ConfigIncluderClasspath {
    private final ConfigIncluder fallback;

    ScenarioIncludes() {
        this(null);
    }

    private ScenarioIncludes(ConfigIncluder fallback) {
        this.fallback = fallback;
    }

    @Override
    public ConfigIncluder withFallback(ConfigIncluder fallback) {
        return this.fallback == fallback ? this : new ScenarioIncludes(fallback);
    }

    private static ConfigIncludeContext required(ConfigIncludeContext context) {
        return context.setParseOptions(context.parseOptions().setAllowMissing(false));
    }

    @Override
    public ConfigObject include(ConfigIncludeContext context, String what) {
        return fallback.include(required(context), what);
    }

    @Override
    public ConfigObject includeFile(ConfigIncludeContext context, File what) {
        return ((ConfigIncluderFile) fallback).includeFile(required(context), what);
    }

    @Override
    public ConfigObject includeURL(ConfigIncludeContext context, URL what) {
        return ((ConfigIncluderURL) fallback).includeURL(required(context), what);
    }

    @Override
    public ConfigObject includeResources(ConfigIncludeContext context, String what) {
        return ((ConfigIncluderClasspath) fallback).includeResources(required(context), what);
    }

    /** An include that could not be read: the line that includes it (0 if unknown) and the problem. */
    record Failure(int line, String problem) {}

    /** What {@code e} means to the user; {@code source} is the including scenario's text (or null). */
    static Failure failure(ConfigException.IO e, String source) {
        // The exception's origin is the include's target: its file name, URL or resource name.
        String name = e.origin() == null ? "?" : e.origin().description();
        String why = e.getCause() == null || e.getCause().getMessage() == null
                ? e.getMessage()
                : e.getCause().getMessage();
        String problem;
        if (why.endsWith("(No such file or directory)") || why.contains("not found")) {
            problem = "include file not found: " + name;
        } else {
            // A file that exists but cannot be read: "x.conf (Permission denied)", "(Is a directory)".
            int paren = why.lastIndexOf(" (");
            problem = "cannot read include " + name
                    + (paren > 0 && why.endsWith(")") ? why.substring(paren) : ": " + why.replace('\n', ' '));
        }
        return new Failure(lineIncluding(source, name), problem);
    }

    /** The first line of {@code source} that includes {@code name} (with or without its extension); 0 if none. */
    private static int lineIncluding(String source, String name) {
        if (source == null) return 0;
        String stem = name.substring(name.lastIndexOf('/') + 1).replaceFirst("\\.(conf|json|properties)$", "");
        List<String> lines = source.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i);
            if (l.contains("include") && l.contains(stem)) return i + 1;
        }
        return 0;
    }

    /** The text of a scenario file, or null if it cannot be read. */
    static String text(File f) {
        try {
            return Files.readString(f.toPath(), StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
