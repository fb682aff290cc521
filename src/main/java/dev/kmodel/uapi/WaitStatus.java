package dev.kmodel.uapi;

/**
 * A wait status as the report shows it (contract §3, plus {@code stopped} / {@code continued}):
 * decoded from the raw int of wait(2) as <sys/wait.h> does.
 */
public record WaitStatus(
        boolean exited,
        Integer code,
        boolean signaled,
        Integer signal,
        int raw,
        boolean stopped,
        Integer stopSignal,
        boolean continued) {

    /** WIFEXITED / WEXITSTATUS, WIFSIGNALED / WTERMSIG, WIFSTOPPED / WSTOPSIG, WIFCONTINUED. */
    public static WaitStatus of(int raw) {
        boolean continued = raw == 0xffff;
        boolean stopped = (raw & 0xff) == 0x7f;
        boolean exited = (raw & 0x7f) == 0;
        boolean signaled = !continued && (raw & 0x7f) != 0 && (raw & 0x7f) != 0x7f;
        return new WaitStatus(
                exited,
                exited ? (raw >> 8) & 0xff : null,
                signaled,
                signaled ? raw & 0x7f : null,
                raw,
                stopped,
                stopped ? (raw >> 8) & 0xff : null,
                continued);
    }

    /** The status do_exit records for exit(code): (code & 0xff) << 8. */
    public static int exited(long code) {
        return (int) ((code & 0xff) << 8);
    }

    /** A stop report: (sig << 8) | 0x7f. */
    public static int stoppedBy(int sig) {
        return (sig << 8) | 0x7f;
    }

    public static final int CONTINUED = 0xffff;
}
