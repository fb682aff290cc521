package dev.kmodel.kernel;

import java.util.List;

/**
 * The events of one step of one actor, journaled as one entry (one write, one acknowledgement).
 * {@code cause} is the message the step handled. The run journal unpacks it: each event gets its own
 * position in the run's total order and remembers that message.
 */
public record StepBatch(MsgId cause, List<KEvent> events) implements KEvent {}
