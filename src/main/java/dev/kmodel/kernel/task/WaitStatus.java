package dev.kmodel.kernel.task;

/** A wait status as the report shows it (contract §3): decoded from the raw int of wait(2). */
public record WaitStatus(boolean exited, Integer code, boolean signaled, Integer signal, int raw) {

  /** Decodes a raw status (WIFEXITED, WEXITSTATUS, WIFSIGNALED, WTERMSIG of <sys/wait.h>). */
  public static WaitStatus of(int raw) {
    boolean exited = (raw & 0x7f) == 0;
    boolean signaled = (raw & 0x7f) != 0 && (raw & 0x7f) != 0x7f;
    return new WaitStatus(exited, exited ? (raw >> 8) & 0xff : null, signaled, signaled ? raw & 0x7f : null, raw);
  }

  /** The status do_exit records for exit(code): (code & 0xff) << 8. */
  public static int exited(long code) {
    return (int) ((code & 0xff) << 8);
  }
}
