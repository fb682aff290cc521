package dev.kmodel.uapi;

import java.util.Map;
import java.util.TreeMap;

/** Signal numbers of x86 Linux (arch/x86/include/uapi/asm/signal.h) and their names. */
public final class Sig {
    public static final int SIGHUP = 1,
            SIGINT = 2,
            SIGQUIT = 3,
            SIGILL = 4,
            SIGTRAP = 5,
            SIGABRT = 6,
            SIGBUS = 7,
            SIGFPE = 8,
            SIGKILL = 9,
            SIGUSR1 = 10,
            SIGSEGV = 11,
            SIGUSR2 = 12,
            SIGPIPE = 13,
            SIGALRM = 14,
            SIGTERM = 15,
            SIGCHLD = 17,
            SIGCONT = 18,
            SIGSTOP = 19,
            SIGTSTP = 20,
            SIGTTIN = 21,
            SIGTTOU = 22,
            SIGURG = 23,
            SIGXCPU = 24,
            SIGXFSZ = 25,
            SIGWINCH = 28,
            SIGSYS = 31;
    public static final int NSIG = 64;

    private static final Map<String, Integer> BY_NAME = new TreeMap<>();

    static {
        BY_NAME.put("SIGHUP", SIGHUP);
        BY_NAME.put("SIGINT", SIGINT);
        BY_NAME.put("SIGQUIT", SIGQUIT);
        BY_NAME.put("SIGILL", SIGILL);
        BY_NAME.put("SIGTRAP", SIGTRAP);
        BY_NAME.put("SIGABRT", SIGABRT);
        BY_NAME.put("SIGBUS", SIGBUS);
        BY_NAME.put("SIGFPE", SIGFPE);
        BY_NAME.put("SIGKILL", SIGKILL);
        BY_NAME.put("SIGUSR1", SIGUSR1);
        BY_NAME.put("SIGSEGV", SIGSEGV);
        BY_NAME.put("SIGUSR2", SIGUSR2);
        BY_NAME.put("SIGPIPE", SIGPIPE);
        BY_NAME.put("SIGALRM", SIGALRM);
        BY_NAME.put("SIGTERM", SIGTERM);
        BY_NAME.put("SIGCHLD", SIGCHLD);
        BY_NAME.put("SIGCONT", SIGCONT);
        BY_NAME.put("SIGSTOP", SIGSTOP);
        BY_NAME.put("SIGTSTP", SIGTSTP);
        BY_NAME.put("SIGTTIN", SIGTTIN);
        BY_NAME.put("SIGTTOU", SIGTTOU);
        BY_NAME.put("SIGURG", SIGURG);
        BY_NAME.put("SIGXCPU", SIGXCPU);
        BY_NAME.put("SIGXFSZ", SIGXFSZ);
        BY_NAME.put("SIGWINCH", SIGWINCH);
        BY_NAME.put("SIGSYS", SIGSYS);
    }

    private Sig() {}

    /** The number of a signal given as a name ("SIGTERM", "TERM") or a number; -1 if unknown. */
    public static int parse(String s) {
        String t = s.trim().toUpperCase();
        if (t.matches("\\d+")) {
            int n = Integer.parseInt(t);
            return n >= 0 && n <= NSIG ? n : -1;
        }
        Integer n = BY_NAME.get(t.startsWith("SIG") ? t : "SIG" + t);
        return n == null ? -1 : n;
    }

    /**
     * A signal as a system call receives it: a name's number, or any int as written. Whether it is a
     * valid signal is the kernel's check, at run time ({@link #valid}); null only for an unknown name or
     * a value that is not an int (a scenario that cannot be a system call's argument).
     */
    public static Integer arg(Object v) {
        if (v instanceof Number n) {
            double d = n.doubleValue();
            return d == Math.rint(d) && d >= Integer.MIN_VALUE && d <= Integer.MAX_VALUE
                    ? Integer.valueOf(n.intValue())
                    : null;
        }
        String t = String.valueOf(v).trim();
        if (t.matches("[-+]?\\d{1,10}")) {
            long n = Long.parseLong(t);
            return n >= Integer.MIN_VALUE && n <= Integer.MAX_VALUE ? Integer.valueOf((int) n) : null;
        }
        int n = parse(t);
        return n < 0 ? null : n;
    }

    /** valid_signal (include/linux/signal.h): 0 (kill's existence check) up to _NSIG; the rest is EINVAL. */
    public static boolean valid(long sig) {
        return sig >= 0 && sig <= NSIG;
    }

    public static String name(int sig) {
        for (Map.Entry<String, Integer> e : BY_NAME.entrySet()) {
            if (e.getValue() == sig) return e.getKey();
        }
        return "SIG" + sig;
    }

    /** Signals whose default action terminates the process (signal(7): Term or Core). */
    public static boolean defaultTerminates(int sig) {
        return switch (sig) {
            case SIGCHLD, SIGCONT, SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU, SIGURG, SIGWINCH ->
                false; // SIG_KERNEL_IGNORE/STOP
            default -> sig > 0;
        };
    }

    /** Signals whose default action stops the process (sig_kernel_stop). */
    public static boolean defaultStops(int sig) {
        return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
    }
}
