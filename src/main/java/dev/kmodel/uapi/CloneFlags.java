package dev.kmodel.uapi;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** clone(2) flags (include/uapi/linux/sched.h) and copy_process's checks of their combinations. */
public final class CloneFlags {
    public static final int CLONE_VM = 0x100,
            CLONE_FS = 0x200,
            CLONE_FILES = 0x400,
            CLONE_SIGHAND = 0x800,
            CLONE_VFORK = 0x4000,
            CLONE_PARENT = 0x8000,
            CLONE_THREAD = 0x10000,
            CLONE_NEWNS = 0x20000,
            CLONE_SYSVSEM = 0x40000,
            CLONE_NEWUSER = 0x10000000,
            CLONE_NEWPID = 0x20000000;

    /** What this version models (of the namespaces, only pid namespaces). */
    public static final int MODELLED = CLONE_VM
            | CLONE_VFORK
            | CLONE_PARENT
            | CLONE_FS
            | CLONE_FILES
            | CLONE_SIGHAND
            | CLONE_THREAD
            | CLONE_SYSVSEM
            | CLONE_NEWPID;

    /**
     * clone3's own: the exit-signal byte of legacy clone (CSIGNAL, which clone3 reserves), CLONE_DETACHED
     * (ignored by legacy clone, invalid for clone3), CLONE_NEWTIME (0x80, inside CSIGNAL but allowed),
     * and the flags above 32 bits (include/uapi/linux/sched.h).
     */
    public static final long CSIGNAL = 0xff,
            CLONE_NEWTIME = 0x80,
            CLONE_DETACHED = 0x400000,
            CLONE_LEGACY_FLAGS = 0xffffffffL,
            CLONE_CLEAR_SIGHAND = 0x100000000L,
            CLONE_INTO_CGROUP = 0x200000000L;

    /** pthread_create's flags: the {@code thread} op. */
    public static final int THREAD = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM;

    private static final Map<String, Integer> BY_NAME = new TreeMap<>();

    static {
        BY_NAME.put("CLONE_VM", CLONE_VM);
        BY_NAME.put("CLONE_FS", CLONE_FS);
        BY_NAME.put("CLONE_FILES", CLONE_FILES);
        BY_NAME.put("CLONE_SIGHAND", CLONE_SIGHAND);
        BY_NAME.put("CLONE_VFORK", CLONE_VFORK);
        BY_NAME.put("CLONE_PARENT", CLONE_PARENT);
        BY_NAME.put("CLONE_THREAD", CLONE_THREAD);
        BY_NAME.put("CLONE_NEWNS", CLONE_NEWNS);
        BY_NAME.put("CLONE_SYSVSEM", CLONE_SYSVSEM);
        BY_NAME.put("CLONE_NEWUSER", CLONE_NEWUSER);
        BY_NAME.put("CLONE_NEWPID", CLONE_NEWPID);
    }

    private CloneFlags() {}

    /** The bit of one flag name, or 0 if unknown. */
    public static int bit(String name) {
        return BY_NAME.getOrDefault(name.trim(), 0);
    }

    public static int of(List<String> names) {
        int f = 0;
        for (String n : names) f |= bit(n);
        return f;
    }

    /**
     * One bit of clone3's {@code flags} as a scenario writes it: a clone flag, CLONE_DETACHED,
     * CLONE_CLEAR_SIGHAND, CLONE_INTO_CGROUP, CLONE_NEWTIME, a signal name or a number (an exit signal
     * put in the flags, as legacy clone takes it); -1 if unknown.
     */
    public static long clone3Bit(String name) {
        String n = name.trim();
        int b = bit(n);
        if (b != 0) return b;
        switch (n) {
            case "CLONE_DETACHED":
                return CLONE_DETACHED;
            case "CLONE_CLEAR_SIGHAND":
                return CLONE_CLEAR_SIGHAND;
            case "CLONE_INTO_CGROUP":
                return CLONE_INTO_CGROUP;
            case "CLONE_NEWTIME":
                return CLONE_NEWTIME;
            default:
                break;
        }
        try {
            return n.startsWith("0x") ? Long.parseUnsignedLong(n.substring(2), 16) : Long.parseUnsignedLong(n);
        } catch (NumberFormatException e) {
            int sig = Sig.parse(n);
            return sig > 0 ? sig : -1;
        }
    }

    /** clone3's flags: the union of {@link #clone3Bit}s (unknown names count for nothing). */
    public static long clone3Flags(List<String> names) {
        long f = 0;
        for (String n : names) f |= Math.max(0, clone3Bit(n));
        return f;
    }

    /**
     * copy_clone_args_from_user's check of exit_signal, then clone3_args_valid (kernel/fork.c): EINVAL
     * for an exit signal with bits outside CSIGNAL or not a valid signal; for flags outside
     * CLONE_LEGACY_FLAGS | CLONE_CLEAR_SIGHAND | CLONE_INTO_CGROUP; for CLONE_DETACHED or any CSIGNAL bit
     * but CLONE_NEWTIME in the flags; for CLONE_SIGHAND with CLONE_CLEAR_SIGHAND; for CLONE_THREAD or
     * CLONE_PARENT with an exit signal. (No stack is given, so clone3_stack_valid holds.)
     */
    public static Errno clone3ArgsValid(long flags, long exitSignal) {
        if ((exitSignal & ~CSIGNAL) != 0 || Long.compareUnsigned(exitSignal, Sig.NSIG) > 0) {
            return Errno.EINVAL;
        }
        if ((flags & ~(CLONE_LEGACY_FLAGS | CLONE_CLEAR_SIGHAND | CLONE_INTO_CGROUP)) != 0) return Errno.EINVAL;
        if ((flags & (CLONE_DETACHED | (CSIGNAL & ~CLONE_NEWTIME))) != 0) return Errno.EINVAL;
        if ((flags & (CLONE_SIGHAND | CLONE_CLEAR_SIGHAND)) == (CLONE_SIGHAND | CLONE_CLEAR_SIGHAND))
            return Errno.EINVAL;
        if ((flags & (CLONE_THREAD | CLONE_PARENT)) != 0 && exitSignal != 0) return Errno.EINVAL;
        return null;
    }

    /**
     * copy_process's first checks (kernel/fork.c), before anything is allocated. {@code callerIsInit}:
     * the global init (SIGNAL_UNKILLABLE) may not use CLONE_PARENT.
     */
    public static Errno check(long flags, boolean callerIsInit) {
        if ((flags & (CLONE_NEWNS | CLONE_FS)) == (CLONE_NEWNS | CLONE_FS)) return Errno.EINVAL;
        if ((flags & (CLONE_NEWUSER | CLONE_FS)) == (CLONE_NEWUSER | CLONE_FS)) return Errno.EINVAL;
        // Thread groups must share signals as well, and detached threads can only be started up within
        // the thread group; shared signal handlers imply shared VM.
        if ((flags & CLONE_THREAD) != 0 && (flags & CLONE_SIGHAND) == 0) return Errno.EINVAL;
        if ((flags & CLONE_SIGHAND) != 0 && (flags & CLONE_VM) == 0) return Errno.EINVAL;
        if ((flags & CLONE_PARENT) != 0 && callerIsInit) return Errno.EINVAL;
        if ((flags & CLONE_THREAD) != 0 && (flags & (CLONE_NEWUSER | CLONE_NEWPID)) != 0) return Errno.EINVAL;
        return null;
    }
}
