package dev.kmodel.kernel;

/**
 * A step that changed nothing: the message it handled is journaled all the same, so that the journal
 * holds every actor's complete receive order (what a re-run follows).
 */
public record Handled(MsgId cause) implements KEvent {}
