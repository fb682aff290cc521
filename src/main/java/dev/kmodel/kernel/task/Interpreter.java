package dev.kmodel.kernel.task;

import dev.kmodel.kernel.MsgId;
import dev.kmodel.kernel.sched.Cpu;
import dev.kmodel.kernel.task.TaskEvent.Looped;
import dev.kmodel.kernel.task.TaskEvent.SleepRestarted;
import dev.kmodel.kernel.task.TaskEvent.Slept;
import dev.kmodel.kernel.task.TaskEvent.SyscallReturned;
import dev.kmodel.scenario.Program;
import dev.kmodel.scenario.Step;
import dev.kmodel.uapi.Errno;
import dev.kmodel.uapi.Siginfo;
import dev.kmodel.uapi.WaitStatus;
import java.util.ArrayList;
import java.util.List;

/**
 * User space: a task's scenario program, run one step at a time. The program counter, the repeat
 * blocks, the {@code $variables} a call's result is saved in, and the user-mode work (sleep,
 * compute, an RCU walk) that the CPU runs. System calls themselves are in {@link Task}'s table.
 */
public final class Interpreter {
    private Interpreter() {}

    /** The program step at the program counter, or null past the end. */
    public static Step currentStep(Task t, TaskState s) {
        Program p = t.env.scenario().programs().get(s.program);
        return p == null || s.pc >= p.steps().size() ? null : p.steps().get(s.pc);
    }

    /**
     * Moves the program counter over repeat-block boundaries (closing finished rounds, entering new
     * blocks); returns the step to run next, or null at the end of the program.
     */
    static Step nextStep(Task t, TaskState s, MsgId cause) {
        List<Step> steps = t.env.scenario().programs().get(s.program).steps();
        while (true) {
            int[] top = s.loops.peekLast();
            if (top != null && s.pc >= steps.get(top[0]).bodyEnd()) {
                List<int[]> fr = frames(s);
                int[] f = fr.get(fr.size() - 1);
                if (f[1] > 1) {
                    f[1]--;
                    t.event(s, new Looped(cause, f[0] + 1, fr));
                } else {
                    fr.remove(fr.size() - 1);
                    t.event(s, new Looped(cause, s.pc, fr));
                }
                continue;
            }
            if (s.pc < steps.size() && steps.get(s.pc).op().equals("repeat")) {
                Step r = steps.get(s.pc);
                long times = Math.max(0, r.num("times", 0));
                List<int[]> fr = frames(s);
                if (times == 0) {
                    t.event(s, new Looped(cause, r.bodyEnd(), fr));
                } else {
                    fr.add(new int[] {r.index(), (int) times});
                    t.event(s, new Looped(cause, r.index() + 1, fr));
                }
                continue;
            }
            break;
        }
        if (s.kthread && s.pc >= steps.size() && !steps.isEmpty() && !s.shouldStop) {
            t.event(s, new Looped(cause, 0, List.of())); // a kernel thread's function loops until kthread_stop
            return nextStep(t, s, cause);
        }
        return s.pc < steps.size() ? steps.get(s.pc) : null;
    }

    private static List<int[]> frames(TaskState s) {
        List<int[]> l = new ArrayList<>();
        for (int[] f : s.loops) l.add(f.clone());
        return l;
    }

    /**
     * The system call returns to user space: its result is saved in the step's {@code save}
     * variable (for the wait family the wait status, for waitid si_pid), and the program goes on.
     */
    static void returned(Task t, TaskState s, MsgId cause, long ret, Errno errno, WaitStatus status, Siginfo info) {
        Step st = currentStep(t, s);
        String var = st == null ? null : st.str("save", null);
        if (var != null && var.startsWith("$")) var = var.substring(1);
        // init's reaper loop stays on its wait4 step forever.
        int next = st != null && st.args().containsKey("reaper") ? s.pc : s.pc + 1;
        t.event(
                s,
                new SyscallReturned(
                        cause,
                        s.step,
                        s.op,
                        errno != null ? -errno.number : ret,
                        errno == null ? null : errno.name(),
                        status,
                        var,
                        next,
                        frames(s),
                        info));
    }

    /** execve returns into a new program, at {@code pc}. */
    static void returnedTo(Task t, TaskState s, MsgId cause, long ret, int pc) {
        t.event(s, new SyscallReturned(cause, s.step, s.op, ret, null, null, null, pc, List.of(), null));
    }

    /** Resolves a value that names a task or a number: 12, "$var", "-$var" (the group of $var). */
    public static Long resolve(TaskState s, Object v) {
        if (v == null) return null;
        if (v instanceof Number n) return n.longValue();
        String str = String.valueOf(v).trim();
        if (str.startsWith("$")) return s.vars.get(str.substring(1));
        if (str.startsWith("-$")) { // "-$g": the process group of pid $g, for kill / wait4
            Long x = s.vars.get(str.substring(2));
            return x == null ? null : -x;
        }
        try {
            return Long.parseLong(str);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** sleep, compute and rcu_walk: the CPU runs (or waits) the ticks; the step returns when we run again. */
    static void userWork(Task t, TaskState s, MsgId cause, Cpu.Yield how, long ticks) {
        t.enter(s, cause, new Frame.Calling(Frame.Syscall.USER_WORK));
        if (how == Cpu.Yield.SLEEP) t.event(s, new Slept(cause, "hrtimer_nanosleep"));
        t.yieldCpu(s, how, Math.max(1, ticks));
    }

    /**
     * Back on a CPU after user-mode work: an interrupted nanosleep goes on for what it had left
     * (restart_nanosleep); anything else has finished and the program's next step runs.
     */
    static void userWorkDone(Task t, TaskState s, TaskCmd.RunStep c) {
        MsgId cause = c.id();
        if (s.sleepLeft > 0 && !s.shouldStop) {
            long left = s.sleepLeft;
            t.event(s, new SleepRestarted(cause, left));
            t.event(s, new Slept(cause, "hrtimer_nanosleep_restart"));
            t.yieldCpu(s, Cpu.Yield.SLEEP, left);
            return;
        }
        returned(t, s, cause, 0, null, null, null);
        t.runNext(s, cause);
    }
}
