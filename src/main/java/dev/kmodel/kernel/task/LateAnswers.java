package dev.kmodel.kernel.task;

import dev.kmodel.kernel.signal.Signals;

/**
 * Answers that may arrive after the path that asked for them has moved on, in races the kernel
 * itself tolerates. Each entry says why the kernel lets it happen; any other answer that no step
 * waits for is a protocol violation ({@link Task#resume}).
 */
final class LateAnswers {
    private LateAnswers() {}

    /** Why {@code answer} may come now, or null if it must not. */
    static String tolerated(TaskState s, Object answer) {
        boolean dying = s.pfExiting || Signals.fatalPending(s);
        if (answer instanceof TaskCmd.VforkDone && dying) {
            // kernel/fork.c wait_for_vfork_done: a killed parent clears child->vfork_done under task_lock,
            // so the child's complete_vfork_done finds nobody; here the completion crossed that message.
            return "wait_for_vfork_done was killed (TASK_KILLABLE) and forgot vfork_done; the child's"
                    + " complete_vfork_done crossed it (kernel/fork.c)";
        }
        if (answer instanceof TaskCmd.KthreadCreated && dying) {
            // kernel/kthread.c __kthread_create_on_node: a fatal signal ends wait_for_completion_killable;
            // xchg(&create->done, NULL) leaves kthreadd to finish the request alone.
            return "kthread_create's wait_for_completion_killable was ended by a fatal signal; kthreadd"
                    + " completed the request for nobody (kernel/kthread.c)";
        }
        if (answer instanceof TaskCmd.DeThreadDone && dying) {
            // fs/exec.c de_thread: "if (__fatal_signal_pending(tsk)) goto killed;" — the exec is abandoned.
            return "de_thread was killed while it waited for the other threads; the group's answer"
                    + " came after (fs/exec.c)";
        }
        return null;
    }
}
