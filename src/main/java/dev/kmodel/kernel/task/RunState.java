package dev.kmodel.kernel.task;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * A task's run state as the model follows it (task->__state, reduced): NEW until its first run,
 * RUNNING (TASK_RUNNING, on a runqueue or a CPU), SLEEPING (TASK_INTERRUPTIBLE / UNINTERRUPTIBLE /
 * KILLABLE), STOPPED (TASK_STOPPED), ZOMBIE and DEAD after do_task_dead (by exit_state), FREED once
 * its task_struct is gone.
 */
public enum RunState {
    NEW,
    RUNNING,
    SLEEPING,
    STOPPED,
    ZOMBIE,
    DEAD,
    FREED;

    /** The name reports and journals use. */
    @JsonValue
    @Override
    public String toString() {
        return name().toLowerCase();
    }
}
