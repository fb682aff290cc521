package dev.kmodel.kernel.task;

/** struct k_sigaction reduced to what the lifecycle needs: handler and flags. */
public record SigAction(String handler, boolean noCldWait, boolean noCldStop) {
    public static final SigAction DEFAULT = new SigAction("SIG_DFL", false, false);

    public boolean ignored() {
        return handler.equals("SIG_IGN");
    }
}
