package dev.kmodel.kernel;

/**
 * Decides whether an actor may handle a message now. A live run admits everything; a re-run
 * ({@code replay --rerun}) admits each actor's messages only in their recorded order, and the
 * actor stashes a message that came early. The replay package implements it; the kernel only asks.
 */
public interface ReceiveGate {
    /** May {@code actor} (its persistence id) handle message {@code id} now? */
    boolean admit(String actor, MsgId id);
}
