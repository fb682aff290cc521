package dev.kmodel.kernel;

/**
 * Issues message ids for one actor: its persistence id and a send counter. The counter is a pure
 * function of the actor's receive order (sends happen only while handling a message), so ids are
 * reproduced by a replay.
 */
public final class Send {
  private final String self;
  private long sent;

  public Send(String self) {
    this.self = self;
  }

  public MsgId next() {
    return new MsgId(self, ++sent);
  }

  public String self() {
    return self;
  }
}
