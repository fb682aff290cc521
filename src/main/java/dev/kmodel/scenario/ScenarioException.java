package dev.kmodel.scenario;

/** Bad input: carries the one line the user sees (file, line, what is wrong). */
public final class ScenarioException extends Exception {
    public ScenarioException(String file, int line, String problem) {
        super(oneLine(file) + (line > 0 ? ":" + line : "") + ": " + oneLine(problem));
    }

    /**
     * Text from the input (a file name, a value quoted in the problem) on one line: control characters
     * such as a newline inside a quoted HOCON string are shown escaped.
     */
    public static String oneLine(String s) {
        if (s.chars().noneMatch(Character::isISOControl)) return s;
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (Character.isISOControl(c)) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.toString();
    }
}
