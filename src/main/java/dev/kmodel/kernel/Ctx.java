package dev.kmodel.kernel;

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
  /** The same context one call deeper. */
  public Ctx in(String function) {
    return new Ctx(task, pid, cpu, path.isEmpty() ? function : path + "/" + function);
  }

  /** The innermost kernel function. */
  public String function() {
    int i = path.lastIndexOf('/');
    return i < 0 ? path : path.substring(i + 1);
  }

  public static Ctx cpu(int cpu, String path) {
    return new Ctx("cpu" + cpu, 0, cpu, path);
  }
}
