package dev.kmodel.kernel;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Where a kernel step runs: on behalf of which task, on which CPU, and along which call path
 * (e.g. {@code do_exit/exit_mm/mmput}). Carried by every message that makes another actor do part of
 * a kernel path, so that the ledger can say who freed what, where, and on which CPU.
 *
 * @param task the acting task's key (its persistence id, e.g. {@code task-7}); "" for CPU context
 * @param pid  that task's pid (0 for the CPU's own context, e.g. softirq)
 * @param cpu  the CPU the step runs on
 * @param path slash-separated kernel functions, outermost first
 */
public record Ctx(String task, int pid, int cpu, String path) {
    /**
     * Call paths and function names repeat in every lifecycle and are kept by the journal for the whole
     * run, so each distinct one is stored once (there are a few hundred). Paths are canonical strings,
     * whose hash codes are cached, so the lookups below build no new string once a path is known.
     */
    private static final ConcurrentHashMap<String, ConcurrentHashMap<String, String>> CHILDREN =
            new ConcurrentHashMap<>();

    private static final ConcurrentHashMap<String, String> FUNCTIONS = new ConcurrentHashMap<>();

    /** The same context one call deeper. */
    public Ctx in(String function) {
        String p = path.isEmpty()
                ? function
                : CHILDREN.computeIfAbsent(path, k -> new ConcurrentHashMap<>())
                        .computeIfAbsent(function, f -> path + "/" + f);
        return new Ctx(task, pid, cpu, p);
    }

    /** The innermost kernel function. */
    public String function() {
        return FUNCTIONS.computeIfAbsent(path, p -> {
            int i = p.lastIndexOf('/');
            return i < 0 ? p : p.substring(i + 1);
        });
    }

    public static Ctx cpu(int cpu, String path) {
        return new Ctx("cpu" + cpu, 0, cpu, path);
    }
}
