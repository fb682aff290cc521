package dev.kmodel.kernel.sys;

import akka.actor.typed.ActorRef;
import dev.kmodel.kernel.Errno;
import dev.kmodel.kernel.MsgId;
import dev.kmodel.kernel.task.Task;
import dev.kmodel.kernel.task.TaskCmd;
import dev.kmodel.kernel.task.TaskEvent.PgidSet;
import dev.kmodel.kernel.task.TaskState;
import dev.kmodel.scenario.Step;

/** kernel/sys.c: process groups and sessions (setpgid, setsid). */
public final class Sys {
  private Sys() {}

  /** setpgid(2) on the caller itself (pid 0 or its own pid); pgid 0 means its own pid. */
  public static void setpgid(Task t, TaskState s, MsgId cause, Step st) {
    long pid = t.resolveOr(s, st, "pid", 0);
    long pgid = t.resolveOr(s, st, "pgid", 0);
    if (pgid < 0) {
      t.ret(s, cause, 0, Errno.EINVAL, null);
      return;
    }
    if (pid != 0 && pid != s.pid) {
      t.ret(s, cause, 0, Errno.ESRCH, null);   // only the caller itself is modelled here
      return;
    }
    if (s.sid == s.pid) {
      t.ret(s, cause, 0, Errno.EPERM, null);   // a session leader cannot change its group
      return;
    }
    t.event(s, new PgidSet(cause, pgid == 0 ? s.pid : (int) pgid, s.sid));
    notifyParent(t, s);
    t.ret(s, cause, 0, null, null);
  }

  /** setsid(2): EPERM for a group leader; else a new session and group led by the caller. */
  public static void setsid(Task t, TaskState s, MsgId cause) {
    if (s.pgid == s.pid) {
      t.ret(s, cause, 0, Errno.EPERM, null);
      return;
    }
    t.event(s, new PgidSet(cause, s.pid, s.pid));
    notifyParent(t, s);
    t.ret(s, cause, s.pid, null, null);
  }

  /** The parent's wait4(0) / wait4(-pgid) looks at its view of our group. */
  private static void notifyParent(Task t, TaskState s) {
    ActorRef<TaskCmd> p = s.parent;
    int g = s.pgid;
    String k = t.key();
    if (p != null) t.then(() -> p.tell(new TaskCmd.ChildPgid(t.nextId(), k, g)));
  }
}
