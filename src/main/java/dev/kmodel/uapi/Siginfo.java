package dev.kmodel.uapi;

/**
 * The siginfo_t that waitid(2) fills: the child's pid, si_code (CLD_EXITED, CLD_KILLED, CLD_DUMPED)
 * and si_status (the exit code, or the signal). All zero when WNOHANG found no child ready.
 */
public record Siginfo(int pid, String code, int status) {
    public static final Siginfo NONE = new Siginfo(0, null, 0);

    /** From a wait status: exited → CLD_EXITED with the code; killed → CLD_KILLED / CLD_DUMPED. */
    public static Siginfo of(int pid, int raw) {
        WaitStatus w = WaitStatus.of(raw);
        if (w.continued()) return new Siginfo(pid, "CLD_CONTINUED", 18);
        if (w.stopped()) return new Siginfo(pid, "CLD_STOPPED", w.stopSignal());
        if (w.exited()) return new Siginfo(pid, "CLD_EXITED", w.code());
        return new Siginfo(pid, (raw & 0x80) != 0 ? "CLD_DUMPED" : "CLD_KILLED", raw & 0x7f);
    }
}
