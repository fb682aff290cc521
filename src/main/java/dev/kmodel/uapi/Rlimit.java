package dev.kmodel.uapi;

/** getrlimit(2) / setrlimit(2) resources (include/uapi/asm-generic/resource.h). */
public final class Rlimit {
    private Rlimit() {}

    public static final int RLIMIT_CORE = 4, RLIMIT_NOFILE = 7, RLIM_NLIMITS = 16;

    /** RLIMIT_NOFILE's soft limit at boot (INR_OPEN_CUR, include/uapi/linux/fs.h): descriptors 0..1023. */
    public static final int NOFILE_DEFAULT = 1024;

    /** RLIM_INFINITY is ~0UL; -1 here (limits compare unsigned). */
    public static final long RLIM_INFINITY = -1;
}
