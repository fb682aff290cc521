package dev.kmodel.uapi;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** clone(2) flags (include/uapi/linux/sched.h) and copy_process's checks of their combinations. */
public final class CloneFlags {
  public static final int CLONE_VM = 0x100, CLONE_FS = 0x200, CLONE_FILES = 0x400, CLONE_SIGHAND = 0x800,
      CLONE_VFORK = 0x4000, CLONE_PARENT = 0x8000, CLONE_THREAD = 0x10000, CLONE_NEWNS = 0x20000,
      CLONE_SYSVSEM = 0x40000, CLONE_NEWUSER = 0x10000000, CLONE_NEWPID = 0x20000000;

  /** What this version models (of the namespaces, only pid namespaces). */
  public static final int MODELLED = CLONE_VM | CLONE_VFORK | CLONE_PARENT | CLONE_FS | CLONE_FILES | CLONE_SIGHAND
      | CLONE_THREAD | CLONE_SYSVSEM | CLONE_NEWPID;

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
   * copy_process's first checks (kernel/fork.c), before anything is allocated. {@code callerIsInit}:
   * the global init (SIGNAL_UNKILLABLE) may not use CLONE_PARENT.
   */
  public static Errno check(int flags, boolean callerIsInit) {
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
