package dev.kmodel.uapi;

import java.util.Map;

/** prctl(2) options (include/uapi/linux/prctl.h). */
public final class Prctl {
    private Prctl() {}

    public static final int PR_SET_PDEATHSIG = 1,
            PR_GET_PDEATHSIG = 2,
            PR_SET_CHILD_SUBREAPER = 36,
            PR_GET_CHILD_SUBREAPER = 37;

    /** The option names a scenario may use. */
    public static final Map<String, Integer> OPTIONS = Map.of(
            "PR_SET_PDEATHSIG",
            PR_SET_PDEATHSIG,
            "PR_GET_PDEATHSIG",
            PR_GET_PDEATHSIG,
            "PR_SET_CHILD_SUBREAPER",
            PR_SET_CHILD_SUBREAPER,
            "PR_GET_CHILD_SUBREAPER",
            PR_GET_CHILD_SUBREAPER);

    /** getrlimit(2) resources; RLIM_INFINITY is ~0UL, -1 here. */
    public static final int RLIMIT_CORE = 4, RLIM_NLIMITS = 16;

    public static final long RLIM_INFINITY = -1;
}
