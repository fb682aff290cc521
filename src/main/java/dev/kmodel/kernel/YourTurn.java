package dev.kmodel.kernel;

/**
 * A controlled schedule tells an actor that one of the messages it stashed is the next the machine
 * handles: the actor takes its stash out again and the gate admits that one. Not a model message: it
 * is never journaled or counted, like a {@link Probe}.
 */
public enum YourTurn implements Probe {
    INSTANCE
}
