package dev.kmodel.kernel;

/**
 * The identity of a model message: the sending actor's persistence id and that actor's send counter.
 * Events record the id of the message that caused them, so the journal holds each actor's receive
 * order (design §2, §3).
 */
public record MsgId(String from, long n) {
    public static final MsgId NONE = new MsgId("-", 0);

    @Override
    public String toString() {
        return from + "#" + n;
    }
}
