package dev.kmodel.kernel.task;

import akka.actor.typed.ActorRef;

/**
 * What a parent knows of one child (its entry on the parent's {@code children} list), kept current by
 * messages sent under tasklist_lock: the wait family reads it under read_lock(tasklist_lock).
 *
 * @param exitState  NONE while alive, ZOMBIE, or DEAD (reaped, autoreaped or being released)
 * @param status     the wait status once a zombie ((code & 0xff) << 8, or the killing signal)
 * @param exitSignal the signal the child sends its parent at exit (SIGCHLD for fork)
 * @param stopSig    a stop not yet reported to a waiter (the stopping signal), or 0
 * @param continued  a continue (SIGCONT) not yet reported to a waiter
 * @param vpid       the child's number in the parent's pid namespace (what wait returns); {@code pid} is
 *                   the global one
 */
public record ChildInfo(
        String key,
        int pid,
        ActorRef<TaskCmd> ref,
        int pgid,
        int exitSignal,
        ExitState exitState,
        int status,
        int stopSig,
        boolean continued,
        int vpid) {

    public ChildInfo(
            String key, int pid, ActorRef<TaskCmd> ref, int pgid, int exitSignal, ExitState exitState, int status) {
        this(key, pid, ref, pgid, exitSignal, exitState, status, 0, false, pid);
    }

    public ChildInfo withExit(ExitState state, int st) {
        return new ChildInfo(key, pid, ref, pgid, exitSignal, state, st, 0, false, vpid);
    }

    public ChildInfo withPgid(int g) {
        return new ChildInfo(key, pid, ref, g, exitSignal, exitState, status, stopSig, continued, vpid);
    }

    /** The exit signal the new parent will get (reparent_leader resets it to SIGCHLD). */
    public ChildInfo withExitSignal(int sig) {
        return new ChildInfo(key, pid, ref, pgid, sig, exitState, status, stopSig, continued, vpid);
    }

    /** CLD_STOPPED (sig) or CLD_CONTINUED (sig 0, continued) reached the parent. */
    public ChildInfo withStop(int sig, boolean cont) {
        return new ChildInfo(key, pid, ref, pgid, exitSignal, exitState, status, sig, cont, vpid);
    }

    /** The number the parent sees the child by (in the parent's pid namespace). */
    public ChildInfo withVpid(int v) {
        return new ChildInfo(key, pid, ref, pgid, exitSignal, exitState, status, stopSig, continued, v);
    }
}
