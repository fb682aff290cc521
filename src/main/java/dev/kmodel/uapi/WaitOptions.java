package dev.kmodel.uapi;

import java.util.List;

/** wait4/waitid option bits (include/uapi/linux/wait.h). */
public final class WaitOptions {
    public static final int WNOHANG = 0x1,
            WUNTRACED = 0x2,
            WSTOPPED = 0x2,
            WEXITED = 0x4,
            WCONTINUED = 0x8,
            WNOWAIT = 0x01000000,
            __WNOTHREAD = 0x20000000,
            __WALL = 0x40000000,
            __WCLONE = 0x80000000;

    private WaitOptions() {}

    /** Bit for one option name, or 0 if the name is unknown. */
    public static int bit(String name) {
        return switch (name.trim()) {
            case "WNOHANG" -> WNOHANG;
            case "WUNTRACED", "WSTOPPED" -> WUNTRACED;
            case "WEXITED" -> WEXITED;
            case "WCONTINUED" -> WCONTINUED;
            case "WNOWAIT" -> WNOWAIT;
            case "__WNOTHREAD" -> __WNOTHREAD;
            case "__WALL" -> __WALL;
            case "__WCLONE" -> __WCLONE;
            default -> 0;
        };
    }

    public static int of(List<String> names) {
        int bits = 0;
        for (String n : names) bits |= bit(n);
        return bits;
    }

    /** The options kernel_wait4 accepts (EINVAL for any other bit). */
    public static final int WAIT4_VALID = WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL;

    /** The options kernel_waitid accepts (EINVAL for any other bit). */
    public static final int WAITID_VALID =
            WNOHANG | WNOWAIT | WEXITED | WSTOPPED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL;
}
