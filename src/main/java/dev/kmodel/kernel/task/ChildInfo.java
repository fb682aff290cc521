package dev.kmodel.kernel.task;

import akka.actor.typed.ActorRef;

/**
 * What a parent knows of one child (its entry on the parent's {@code children} list), kept current by
 * messages sent under tasklist_lock: the wait family reads it under read_lock(tasklist_lock).
 *
 * @param exitState  "" while alive, "zombie", or "dead" (reaped, autoreaped or being released)
 * @param status     the wait status once a zombie ((code & 0xff) << 8, or the killing signal)
 * @param exitSignal the signal the child sends its parent at exit (SIGCHLD for fork)
 * @param stopSig    a stop not yet reported to a waiter (the stopping signal), or 0
 * @param continued  a continue (SIGCONT) not yet reported to a waiter
 */
public record ChildInfo(String key, int pid, ActorRef<TaskCmd> ref, int pgid, int exitSignal, String exitState,
    int status, int stopSig, boolean continued) {

  public ChildInfo(String key, int pid, ActorRef<TaskCmd> ref, int pgid, int exitSignal, String exitState, int status) {
    this(key, pid, ref, pgid, exitSignal, exitState, status, 0, false);
  }

  public ChildInfo withExit(String state, int st) {
    return new ChildInfo(key, pid, ref, pgid, exitSignal, state, st, 0, false);
  }

  public ChildInfo withPgid(int g) {
    return new ChildInfo(key, pid, ref, g, exitSignal, exitState, status, stopSig, continued);
  }

  /** The exit signal the new parent will get (reparent_leader resets it to SIGCHLD). */
  public ChildInfo withExitSignal(int sig) {
    return new ChildInfo(key, pid, ref, pgid, sig, exitState, status, stopSig, continued);
  }

  /** CLD_STOPPED (sig) or CLD_CONTINUED (sig 0, continued) reached the parent. */
  public ChildInfo withStop(int sig, boolean cont) {
    return new ChildInfo(key, pid, ref, pgid, exitSignal, exitState, status, sig, cont);
  }
}
