package dev.kmodel.kernel;

import akka.actor.typed.ActorRef;

/**
 * Decides whether an actor may handle a message now. A live run in parallel mode has no gate and
 * admits everything; a re-run ({@code replay --rerun}) admits each actor's messages only in their
 * recorded order, and the actor stashes one that came early; a controlled schedule
 * ({@code run --schedule random|pct}) takes every message it does not admit and sends it to the actor
 * again when its turn comes, one message of the whole machine at a time. The run and replay packages
 * implement it; the kernel only asks.
 */
public interface ReceiveGate {
    /** May {@code actor} (its persistence id) handle message {@code id} ({@code message}) now? */
    boolean admit(String actor, MsgId id, Object message);

    /** Every model actor introduces itself when it starts, so that the gate can send it its messages. */
    default void register(String actor, ActorRef<?> self) {}

    /**
     * Does the gate keep a message it did not admit (and send it again in its turn)? If not, the actor
     * stashes it and retries its stash after each step (a re-run: its gate depends only on the actor's
     * own progress).
     */
    default boolean keepsRefused() {
        return false;
    }

    /** The actor has stopped (a task whose objects were all freed): what the gate keeps for it is never handled. */
    default void stopped(String actor) {}

    /**
     * A message reached an actor that had stopped. Returns false if the gate already counted it as a dead
     * letter (it kept it for an actor that then stopped); otherwise the caller counts it.
     */
    default boolean deadLetter(MsgId id) {
        return true;
    }
}
