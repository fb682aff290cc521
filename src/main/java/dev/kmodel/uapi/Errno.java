package dev.kmodel.uapi;

/** The errno values the model returns, with Linux's numbers (include/uapi/asm-generic/errno-base.h). */
public enum Errno {
    EPERM(1),
    ESRCH(3),
    EINTR(4),
    EBADF(9),
    ECHILD(10),
    EAGAIN(11),
    ENOMEM(12),
    EACCES(13),
    EBUSY(16),
    EINVAL(22),
    EMFILE(24),
    ERANGE(34),
    ENOSYS(38);

    public final int number;

    Errno(int number) {
        this.number = number;
    }
}
