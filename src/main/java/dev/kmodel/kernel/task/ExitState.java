package dev.kmodel.kernel.task;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * task->exit_state (include/linux/sched.h): 0 while alive; EXIT_ZOMBIE once exit_notify made the
 * task a zombie its parent may reap; EXIT_DEAD when it is reaped, autoreaped or being released.
 * Set under write_lock(tasklist_lock); wait_task_zombie's cmpxchg moves ZOMBIE to DEAD.
 */
public enum ExitState {
    NONE(""),
    ZOMBIE("zombie"),
    DEAD("dead");

    private final String word;

    ExitState(String word) {
        this.word = word;
    }

    /** The word reports and journals use ("" while alive). */
    @JsonValue
    @Override
    public String toString() {
        return word;
    }
}
