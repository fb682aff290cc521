package dev.kmodel.kernel;

/** Every persisted event of every actor records the id of the message that caused it (design §3). */
public interface KEvent {
    MsgId cause();
}
