package dev.kmodel.kernel.task;

import akka.actor.typed.ActorRef;

/**
 * One thread on its group's list (signal->thread_head), as the group leader's actor keeps it.
 *
 * @param exiting PF_EXITING: the thread has passed exit_signals (it no longer counts in signal->live)
 */
public record ThreadInfo(String key, int tid, ActorRef<TaskCmd> ref, boolean exiting) {
    public ThreadInfo markedExiting() {
        return new ThreadInfo(key, tid, ref, true);
    }
}
