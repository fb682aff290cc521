package dev.kmodel.scenario;

/** Bad input: carries the one line the user sees (file, line, what is wrong). */
public final class ScenarioException extends Exception {
    public ScenarioException(String file, int line, String problem) {
        super(file + (line > 0 ? ":" + line : "") + ": " + problem);
    }
}
