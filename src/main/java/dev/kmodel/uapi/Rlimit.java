package dev.kmodel.uapi;

/** getrlimit(2) / setrlimit(2) resources (include/uapi/asm-generic/resource.h). */
public final class Rlimit {
    private Rlimit() {}

    public static final int RLIMIT_CORE = 4, RLIM_NLIMITS = 16;

    /** RLIM_INFINITY is ~0UL; -1 here (limits compare unsigned). */
    public static final long RLIM_INFINITY = -1;
}
