package dev.kmodel.kernel;

import akka.actor.typed.ActorRef;

/**
 * Decides whether an actor may handle a message now. A live run in parallel mode has no gate and
 * admits everything; a re-run ({@code replay --rerun}) admits each actor's messages only in their
 * recorded order; a controlled schedule ({@code run --schedule random|pct}) admits one message of the
 * whole machine at a time, chosen from the seed. An actor stashes a message the gate holds back. The
 * run and replay packages implement it; the kernel only asks.
 */
public interface ReceiveGate {
    /** May {@code actor} (its persistence id) handle message {@code id} ({@code message}) now? */
    boolean admit(String actor, MsgId id, Object message);

    /** Every model actor introduces itself when it starts, so that the gate can tell it its turn has come. */
    default void register(String actor, ActorRef<?> self) {}

    /**
     * Does an actor retry its stashed messages after each step? A re-run's gate depends only on the
     * actor's own progress, so yes; a controlled schedule tells the actor ({@link YourTurn}) instead.
     */
    default boolean unstashAfterStep() {
        return true;
    }

    /** The actor has stopped (a task whose objects were all freed): what it had stashed will never be handled. */
    default void stopped(String actor) {}

    /** Did the gate already count this message as a dead letter (it was stashed at an actor that stopped)? */
    default boolean countedDeadLetter(MsgId id) {
        return false;
    }
}
