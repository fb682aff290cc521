package dev.kmodel.journal;

import dev.kmodel.kernel.MsgId;

/**
 * One persisted event as the run journal keeps it.
 *
 * @param ordinal       position in the run's total order (1-based): the order in which the journal
 *                      accepted writes from all actors. Causally consistent: an event persisted before
 *                      an actor sent a message precedes every event its receiver persists afterwards.
 * @param persistenceId the actor that persisted it
 * @param sequenceNr    its position in that actor's own history
 * @param event         the event object itself
 * @param msg           the message whose handling wrote it (the actor's receive order), or null
 */
public record JournalEntry(long ordinal, String persistenceId, long sequenceNr, Object event, MsgId msg) {
    public JournalEntry(long ordinal, String persistenceId, long sequenceNr, Object event) {
        this(ordinal, persistenceId, sequenceNr, event, null);
    }
}
