package dev.kmodel.report;

import dev.kmodel.scenario.Step;
import dev.kmodel.uapi.Errno;
import dev.kmodel.uapi.WaitOptions;

/**
 * What Linux answers, before it looks at any task, for a system call whose arguments it refuses: the
 * argument checks at the top of kernel_wait4, kernel_waitid and kill_something_info (kernel/exit.c,
 * kernel/signal.c, as of 6.1), the cases LTP's wait4/waitid/kill tests cover. Judged from the
 * scenario's literal arguments only (a "$var" is known at run time alone), independently of the
 * model's own checks in kernel/exit/Wait.java and kernel/signal/Signals.java.
 */
final class ArgChecks {
    private ArgChecks() {}

    /** Linux's errno for this step's arguments and the check that gives it ("errno: why"), or null. */
    static String expected(Step st) {
        switch (st.op()) {
            case "wait4" -> {
                if ((WaitOptions.of(st.list("options")) & ~WaitOptions.WAIT4_VALID) != 0)
                    return Errno.EINVAL + ": kernel_wait4 refuses an option outside WNOHANG|WUNTRACED|WCONTINUED|__W*";
                Long pid = literal(st, "pid", -1);
                if (pid != null && pid == Integer.MIN_VALUE)
                    return Errno.ESRCH + ": kernel_wait4: pid INT_MIN names no process group (-INT_MIN overflows)";
            }
            case "waitid" -> {
                int o = WaitOptions.of(st.list("options"));
                if ((o & ~WaitOptions.WAITID_VALID) != 0
                        || (o & (WaitOptions.WEXITED | WaitOptions.WSTOPPED | WaitOptions.WCONTINUED)) == 0)
                    return Errno.EINVAL + ": kernel_waitid needs WEXITED, WSTOPPED or WCONTINUED and no unknown option";
                String idtype = st.str("idtype", "P_ALL");
                Long id = literal(st, "id", 0);
                if (id != null && idtype.equals("P_PID") && id <= 0)
                    return Errno.EINVAL + ": kernel_waitid: P_PID with an id <= 0";
                if (id != null && idtype.equals("P_PGID") && id < 0)
                    return Errno.EINVAL + ": kernel_waitid: P_PGID with a negative id";
            }
            case "kill" -> {
                Long pid = literal(st, "pid", 0);
                if (pid != null && pid == Integer.MIN_VALUE)
                    return Errno.ESRCH + ": kill_something_info: pid INT_MIN names no process group";
            }
            default -> {}
        }
        return null;
    }

    /** The argument when the scenario wrote a number; null for a "$var" (or "@comm"). */
    private static Long literal(Step st, String key, long dflt) {
        Object v = st.args().get(key);
        if (v == null) return dflt;
        return v instanceof Number n ? n.longValue() : null;
    }
}
