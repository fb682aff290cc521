package dev.kmodel.scenario;

/**
 * Bounds how deeply a scenario nests, before anything recursive reads it: Typesafe Config's parser
 * recurses once per bracket and overflows the stack somewhere past a thousand, and the step reader
 * once per repeat block. A scenario's real nesting is shallow ({@code programs { p = [ { repeat ...
 * steps = [ ... ] } ] }}: two brackets per repeat block), so the limits are generous.
 */
final class NestingCheck {
    /** Repeat blocks inside repeat blocks. */
    static final int MAX_REPEAT_DEPTH = 64;
    /** Brackets ({@code {} and {@code [}) inside brackets, anywhere in the file: room for every repeat level. */
    static final int MAX_BRACKET_DEPTH = 4 * MAX_REPEAT_DEPTH;

    private NestingCheck() {}

    /**
     * Scans HOCON text as the tokenizer would for brackets: outside quoted and triple-quoted strings and
     * comments ({@code #}, {@code //}). Throws at the first bracket past {@link #MAX_BRACKET_DEPTH}.
     */
    static void brackets(String file, String text) throws ScenarioException {
        int depth = 0, line = 1, n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c == '\n') {
                line++;
            } else if (c == '#' || (c == '/' && i + 1 < n && text.charAt(i + 1) == '/')) {
                while (i + 1 < n && text.charAt(i + 1) != '\n') i++;
            } else if (c == '"' && text.startsWith("\"\"\"", i)) {
                int end = text.indexOf("\"\"\"", i + 3);
                end = end < 0 ? n : end + 3;
                while (end < n && text.charAt(end) == '"') end++; // """ may end in more quotes, which belong to it
                line += count(text, i, end);
                i = end - 1;
            } else if (c == '"') {
                int j = i + 1;
                while (j < n && text.charAt(j) != '"' && text.charAt(j) != '\n') {
                    j += text.charAt(j) == '\\' && j + 1 < n && text.charAt(j + 1) != '\n' ? 2 : 1;
                }
                i = Math.min(j, n - 1);
                if (i < n && text.charAt(i) == '\n') line++;
            } else if (c == '{' || c == '[') {
                if (++depth > MAX_BRACKET_DEPTH) {
                    throw new ScenarioException(
                            file,
                            line,
                            "nested deeper than " + MAX_BRACKET_DEPTH + " brackets ({ and [); repeat blocks may nest "
                                    + MAX_REPEAT_DEPTH + " deep");
                }
            } else if (c == '}' || c == ']') {
                depth = Math.max(0, depth - 1);
            }
        }
    }

    private static int count(String text, int from, int to) {
        int k = 0;
        for (int i = from; i < to && i < text.length(); i++) if (text.charAt(i) == '\n') k++;
        return k;
    }
}
