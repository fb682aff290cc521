package dev.kmodel.kernel.fork;

import static dev.kmodel.kernel.task.PathStep.Continue.on;

import akka.actor.typed.ActorRef;
import dev.kmodel.kernel.Ctx;
import dev.kmodel.kernel.MsgId;
import dev.kmodel.kernel.sched.Cpu;
import dev.kmodel.kernel.task.Frame;
import dev.kmodel.kernel.task.PathStep;
import dev.kmodel.kernel.task.Task;
import dev.kmodel.kernel.task.TaskCmd;
import dev.kmodel.kernel.task.TaskEvent.*;
import dev.kmodel.kernel.task.TaskState;

/**
 * vfork's handshake (kernel/fork.c): the parent sleeps in wait_for_vfork_done (TASK_KILLABLE) until
 * the child leaves the borrowed mm — mm_release at exec (exec_mm_release) or exit (exit_mm_release)
 * completes vfork_done. A killed parent forgets vfork_done under the child's task_lock. kernel_clone
 * holds a reference on the child's task_struct (get_task_struct) from vfork_done's setting to the end
 * of wait_for_vfork_done (put_task_struct), so the child is never freed under the parent's feet.
 */
public final class Vfork {
    private Vfork() {}

    /** Where the vfork parent waits. */
    public enum At implements PathStep {
        /** wait_for_vfork_done: complete(vfork_done) arrives, then the parent runs again. */
        VFORK_DONE(on(TaskCmd.VforkDone.class, Vfork::vforkDone)
                .or(TaskCmd.RunStep.class, (t, s, r) -> vforkResume(t, s, r.id())));

        private final PathStep.Continue next;

        At(PathStep.Continue next) {
            this.next = next;
        }

        @Override
        public PathStep.Continue next() {
            return next;
        }
    }

    /** complete(vfork_done) arrived: wake the parent; kernel_clone then returns the child's pid. */
    static void vforkDone(Task t, TaskState s, TaskCmd.VforkDone c) {
        Frame.Vforking v = (Frame.Vforking) s.frame;
        t.enter(s, c.id(), new Frame.Vforking(At.VFORK_DONE, v.childVpid(), v.child(), true));
        t.wake(s, c.id(), "complete/vfork_done", At.VFORK_DONE);
    }

    /**
     * wait_for_vfork_done ended by a fatal signal (TASK_KILLABLE). If the completion came first,
     * wait_for_completion_state returned 0 (do_wait_for_common checks x->done before the signal): the
     * child's complete_vfork_done already cleared vfork_done, and the parent only drops its reference.
     * Otherwise it was killed: the parent forgets vfork_done under the child's task_lock, so the child's
     * mm_release completes nothing. Either way put_task_struct(child) follows.
     */
    public static void vforkKilled(Task t, TaskState s, Frame.Vforking v) {
        ActorRef<TaskCmd> child = v.child();
        if (child == null) return;
        if (!v.done()) t.then(() -> child.tell(new TaskCmd.VforkAbandoned(t.nextId())));
        putChild(t, s, child);
    }

    /**
     * wait_for_vfork_done's put_task_struct(child): drops the reference kernel_clone took with
     * get_task_struct(p) when it set p->vfork_done. That reference is what keeps the child's task_struct
     * (and so its task_lock and vfork_done) valid for the killed parent, even if the child has exited and
     * been reaped meanwhile (an autoreaped child is released at once). It is sent after VforkAbandoned,
     * so the child's actor sees both, in that order, before it can be freed.
     */
    private static void putChild(Task t, TaskState s, ActorRef<TaskCmd> child) {
        String k = t.key();
        Ctx ctx = t.ctx(s, Fork.kernelClonePath(s) + "/wait_for_vfork_done");
        t.then(() -> child.tell(new TaskCmd.PutTaskStruct(t.nextId(), k, ctx)));
    }

    /** On the vfork child: its parent stopped waiting, so mm_release has nobody to complete. */
    public static void vforkAbandoned(Task t, TaskState s, TaskCmd.VforkAbandoned c) {
        if (s.vforkParent != null) t.event(s, new VforkReleased(c.id()));
    }

    /** The vfork parent runs again: back from kernel_clone if the child released the mm. */
    static void vforkResume(Task t, TaskState s, MsgId cause) {
        Frame.Vforking v = (Frame.Vforking) s.frame;
        if (v.done()) {
            putChild(t, s, v.child());
            t.ret(s, cause, v.childVpid(), null, null);
        } else {
            t.event(s, new Slept(cause, "wait_for_vfork_done"));
            t.yieldCpu(s, Cpu.Yield.BLOCK, 0);
        }
    }

    /** mm_release (kernel/fork.c): a vfork child leaving the shared mm completes vfork_done. */
    public static void mmRelease(Task t, TaskState s, MsgId cause) {
        if (s.vforkParent == null) return;
        ActorRef<TaskCmd> parent = s.vforkParent;
        String k = t.key();
        t.event(s, new VforkReleased(cause));
        t.then(() -> parent.tell(new TaskCmd.VforkDone(t.nextId(), k)));
    }
}
