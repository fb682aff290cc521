package dev.kmodel.kernel;

/**
 * Issues message ids for one actor: its persistence id and a send counter. The counter is a pure
 * function of the actor's receive order (sends happen only while handling a message), so ids are
 * reproduced by a replay. Every id issued is a model message in flight until its receiver handles it.
 */
public final class Send {
    private final String self;
    private final Activity activity;
    private long sent;

    public Send(String self, Activity activity) {
        this.self = self;
        this.activity = activity;
    }

    public MsgId next() {
        activity.sent();
        return new MsgId(self, ++sent);
    }

    /** Messages sent so far. */
    public long count() {
        return sent;
    }

    public String self() {
        return self;
    }

    public Activity activity() {
        return activity;
    }
}
