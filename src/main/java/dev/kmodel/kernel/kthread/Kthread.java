package dev.kmodel.kernel.kthread;

import static dev.kmodel.kernel.task.PathStep.Continue.on;

import akka.actor.typed.ActorRef;
import dev.kmodel.kernel.Ctx;
import dev.kmodel.kernel.MsgId;
import dev.kmodel.kernel.fork.Fork;
import dev.kmodel.kernel.pid.PidAllocator;
import dev.kmodel.kernel.sched.Cpu;
import dev.kmodel.kernel.task.ExitState;
import dev.kmodel.kernel.task.Frame;
import dev.kmodel.kernel.task.PathStep;
import dev.kmodel.kernel.task.RunState;
import dev.kmodel.kernel.task.Task;
import dev.kmodel.kernel.task.TaskCmd;
import dev.kmodel.kernel.task.TaskEvent.*;
import dev.kmodel.kernel.task.TaskState;
import dev.kmodel.scenario.Step;
import dev.kmodel.uapi.CloneFlags;
import dev.kmodel.uapi.Errno;
import dev.kmodel.uapi.Sig;
import dev.kmodel.uapi.WaitStatus;

/**
 * kernel/kthread.c: kthread_create asks kthreadd (pid 2) to make a kernel thread (a child of
 * kthreadd, PF_KTHREAD, no mm: it borrows the mm of whatever ran before it as active_mm), and waits
 * for it; kthread_stop sets KTHREAD_SHOULD_STOP, wakes the thread and waits for it to exit, and
 * returns its result. The thread's function is a scenario program run in a loop until it is told
 * to stop (or until it exits by itself); kthreadd ignores SIGCHLD, so its children release
 * themselves when they exit.
 */
public final class Kthread {
    private static final String CREATE = "kthread_create_on_node/__kthread_create_on_node";
    private static final int KTHREADD_PID = 2;

    private Kthread() {}

    /** Where kthread_create / kthread_stop wait, for which answer, and the function that goes on. */
    public enum At implements PathStep {
        /** kthread_create: find kthreadd_task. */
        FIND_KTHREADD(on(PidAllocator.Found.class, Kthread::found)),
        /** kthread_stop: find the thread. */
        FIND_KTHREAD(on(PidAllocator.Found.class, Kthread::found)),
        /** wait_for_completion(&done): kthreadd's answer, then the caller runs again. */
        CREATE_WAIT(on(TaskCmd.KthreadCreated.class, (t, s, c) -> answered(t, s, c.id(), c.pid(), c.errno()))
                .or(TaskCmd.RunStep.class, (t, s, r) -> Kthread.resume(t, s, r.id()))),
        /** wait_for_completion(&kthread->exited): the thread's result, then the caller runs again. */
        STOP_WAIT(on(TaskCmd.KthreadStopped.class, (t, s, c) -> answered(t, s, c.id(), c.result(), c.errno()))
                .or(TaskCmd.RunStep.class, (t, s, r) -> Kthread.resume(t, s, r.id()))),
        /** kthreadd asleep on an empty kthread_create_list. */
        KTHREADD_IDLE(on(TaskCmd.RunStep.class, (t, s, r) -> kthreadd(t, s, r.id())));

        private final PathStep.Continue next;

        At(PathStep.Continue next) {
            this.next = next;
        }

        @Override
        public PathStep.Continue next() {
            return next;
        }
    }

    // ---- the caller --------------------------------------------------------------------------

    /** kthread_run = kthread_create + wake_up_process: find kthreadd_task, queue the request. */
    public static void kthreadRun(Task t, TaskState s, MsgId cause, Step st) {
        t.enter(s, cause, new Frame.Kthreading(At.FIND_KTHREADD, st.str("run", ""), null, null));
        int caller = s.pid;
        t.then(() -> t.env.pids()
                .tell(new PidAllocator.Lookup(
                        t.nextId(), PidAllocator.Scope.PID, KTHREADD_PID, null, caller, t.lookups, 0)));
    }

    /** kthread_stop(pid): the task must be a kernel thread. */
    public static void kthreadStop(Task t, TaskState s, MsgId cause, Step st) {
        Long pid = t.resolve(s, st.args().get("pid"));
        if (pid == null || pid <= 0) {
            t.ret(s, cause, 0, Errno.EINVAL, null);
            return;
        }
        t.enter(s, cause, new Frame.Kthreading(At.FIND_KTHREAD, null, null, null));
        int caller = s.pid, ns = s.nsId;
        t.then(() -> t.env.pids()
                .tell(new PidAllocator.Lookup(
                        t.nextId(), PidAllocator.Scope.PID, pid.intValue(), null, caller, t.lookups, ns)));
    }

    /** The lookup answered: send the request and sleep until it is done (wait_for_completion). */
    static void found(Task t, TaskState s, PidAllocator.Found f) {
        Frame.Kthreading k = (Frame.Kthreading) s.frame;
        if (f.targets().isEmpty()) {
            t.ret(s, f.id(), 0, Errno.ESRCH, null);
            return;
        }
        @SuppressWarnings("unchecked")
        ActorRef<TaskCmd> target = (ActorRef<TaskCmd>) f.targets().get(0).task();
        boolean create = k.step() == At.FIND_KTHREADD;
        Ctx ctx = t.ctx(s, create ? CREATE : "kthread_stop");
        String program = k.program();
        t.then(() -> target.tell(
                create
                        ? new TaskCmd.KthreadCreate(t.nextId(), program, t.self, ctx)
                        : new TaskCmd.KthreadStop(t.nextId(), t.self, ctx)));
        t.enter(s, f.id(), k.at(create ? At.CREATE_WAIT : At.STOP_WAIT));
        t.event(s, new Slept(f.id(), "wait_for_completion"));
        t.yieldCpu(s, Cpu.Yield.BLOCK, 0);
    }

    /** complete(): the answer is kept and the caller woken. */
    static void answered(Task t, TaskState s, MsgId cause, long ret, Errno errno) {
        Frame.Kthreading k = (Frame.Kthreading) s.frame;
        t.enter(s, cause, k.answer(ret, errno));
        t.wake(s, cause, "complete", At.CREATE_WAIT, At.STOP_WAIT);
    }

    /** Back on a CPU: return the answer, or (woken early) wait on. */
    static void resume(Task t, TaskState s, MsgId cause) {
        Frame.Kthreading k = (Frame.Kthreading) s.frame;
        if (k.ret() == null) {
            t.event(s, new Slept(cause, "wait_for_completion"));
            t.yieldCpu(s, Cpu.Yield.BLOCK, 0);
            return;
        }
        t.ret(s, cause, k.ret(), k.errno(), null);
    }

    // ---- kthreadd ----------------------------------------------------------------------------

    /** kthread_create_on_node: the request joins kthread_create_list; wake_up_process(kthreadd_task). */
    public static void requested(Task t, TaskState s, TaskCmd.KthreadCreate c) {
        t.event(s, new KthreadRequested(c.id(), c.program(), c.requester(), c.ctx()));
        t.wake(s, c.id(), "wake_up_process(kthreadd_task)", null, At.KTHREADD_IDLE);
    }

    /** kthreadd's loop: create_kthread for each request (kernel_thread with CLONE_FS | CLONE_FILES), then sleep. */
    public static void kthreadd(Task t, TaskState s, MsgId cause) {
        if (s.kthreadQueue.isEmpty()) {
            t.enter(s, cause, new Frame.Kthreading(At.KTHREADD_IDLE, null, null, null));
            t.event(s, new Slept(cause, "kthreadd"));
            t.yieldCpu(s, Cpu.Yield.BLOCK, 0);
            return;
        }
        KthreadRequested r = s.kthreadQueue.get(0);
        t.event(s, new KthreadDequeued(cause));
        t.event(s, new SyscallEntered(cause, -1, "create_kthread"));
        Fork.clone(t, s, cause, CloneFlags.CLONE_FS | CloneFlags.CLONE_FILES, Sig.SIGCHLD, r.program(), r.requester());
    }

    /** create_kthread finished (or failed): complete the requester's wait with the new thread's pid. */
    public static void created(Task t, TaskState s, Frame.Forking f, long pid, Errno errno) {
        ActorRef<TaskCmd> requester = f.kthreadRequester();
        if (requester == null) return;
        t.then(() -> requester.tell(new TaskCmd.KthreadCreated(t.nextId(), pid, errno)));
    }

    // ---- the kernel thread --------------------------------------------------------------------

    /** kthread_stop reached the thread: KTHREAD_SHOULD_STOP, and wake it wherever it waits. */
    public static void stopRequested(Task t, TaskState s, TaskCmd.KthreadStop c) {
        ActorRef<TaskCmd> stopper = c.stopper();
        if (!s.kthread || s.program.isEmpty()) {
            t.then(() -> stopper.tell(new TaskCmd.KthreadStopped(t.nextId(), 0, Errno.EINVAL)));
            return;
        }
        if (s.pfExiting || s.exitState != ExitState.NONE) {
            long result = WaitStatus.of(s.exitCode).code() == null
                    ? 0
                    : WaitStatus.of(s.exitCode).code();
            t.then(() -> stopper.tell(new TaskCmd.KthreadStopped(t.nextId(), result, null)));
            return;
        }
        t.event(s, new KthreadStopRequested(c.id(), stopper));
        var cpu = t.cpu(s.cpu);
        String k = t.key();
        if (s.at(Frame.Syscall.USER_WORK) && s.state == RunState.SLEEPING) {
            t.then(() -> cpu.tell(new Cpu.WakeSleeper(t.nextId(), k))); // wake_up_process
        } else if (s.at(Frame.Syscall.USER_WORK)) {
            t.then(() -> cpu.tell(new Cpu.SignalPending(t.nextId(), k))); // back to the loop's test
        }
    }

    /** kthread_exit: kthread->result, and complete(&kthread->exited) for kthread_stop (in exit_mm_release). */
    public static void exited(Task t, TaskState s, int status) {
        if (s.stopper == null) return;
        ActorRef<TaskCmd> stopper = s.stopper;
        Integer code = WaitStatus.of(status).code();
        long result = code == null ? 0 : code;
        t.then(() -> stopper.tell(new TaskCmd.KthreadStopped(t.nextId(), result, null)));
    }
}
