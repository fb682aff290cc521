package dev.kmodel.kernel.signal;

import dev.kmodel.kernel.MsgId;
import dev.kmodel.kernel.task.Task;
import dev.kmodel.kernel.task.TaskEvent.CoreDumped;
import dev.kmodel.kernel.task.TaskState;
import dev.kmodel.uapi.Sig;

/**
 * fs/coredump.c, as far as the wait status goes: get_signal calls do_coredump for a fatal signal of
 * sig_kernel_coredump; coredump_finish sets 0x80 in signal->group_exit_code when a core was written,
 * which wait4 reports as WCOREDUMP and waitid as CLD_DUMPED.
 */
public final class Coredump {
    /** binfmt_elf's min_coredump: ELF_EXEC_PAGESIZE (x86: 4096 bytes). */
    public static final long ELF_MIN_COREDUMP = 4096;
    /** The WCOREDUMP bit of a wait status. */
    public static final int CORE_DUMPED = 0x80;

    private Coredump() {}

    /** sig_kernel_coredump (include/linux/signal.h, SIG_KERNEL_COREDUMP_MASK) on x86. */
    public static boolean sigKernelCoredump(int sig) {
        return switch (sig) {
            case Sig.SIGQUIT,
                    Sig.SIGILL,
                    Sig.SIGTRAP,
                    Sig.SIGABRT,
                    Sig.SIGBUS,
                    Sig.SIGFPE,
                    Sig.SIGSEGV,
                    Sig.SIGXCPU,
                    Sig.SIGXFSZ,
                    Sig.SIGSYS -> true;
            default -> false;
        };
    }

    /**
     * do_coredump (fs/coredump.c) for the fatal {@code sig}: the exit code the group dies with, {@code sig}
     * with 0x80 if a core was written. cprm.limit is rlimit(RLIMIT_CORE); with the kernel's default
     * core_pattern ("core", a regular file) "if (cprm.limit < binfmt->min_coredump) goto fail_unlock":
     * below one ELF page (the INIT_RLIMITS default is 0) nothing is written and the bit stays clear.
     * The limit is unsigned (RLIM_INFINITY, -1 here, is the largest).
     */
    public static int doCoredump(Task t, TaskState s, MsgId cause, int sig) {
        if (!sigKernelCoredump(sig) || s.kthread) return sig;
        boolean dumped = Long.compareUnsigned(s.rlimitCore, ELF_MIN_COREDUMP) >= 0;
        t.event(s, new CoreDumped(cause, sig, s.rlimitCore, dumped));
        return dumped ? sig | CORE_DUMPED : sig;
    }
}
