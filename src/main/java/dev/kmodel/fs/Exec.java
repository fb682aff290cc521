package dev.kmodel.fs;

import dev.kmodel.kernel.Ctx;
import dev.kmodel.kernel.MsgId;
import dev.kmodel.kernel.fork.Fork;
import dev.kmodel.kernel.pid.PidAllocator;
import dev.kmodel.kernel.task.Phase;
import dev.kmodel.kernel.task.Task;
import dev.kmodel.kernel.task.TaskEvent.Execed;
import dev.kmodel.kernel.task.TaskState;
import dev.kmodel.mm.MmuCmd;
import dev.kmodel.scenario.Step;

/**
 * fs/exec.c for a single-threaded task: bprm_execve → begin_new_exec → exec_mmap. The new address
 * space is built first (bprm_mm_init); exec_mm_release lets a vfork parent go; the old mm is dropped
 * with mmput, which tears it down through the same exit_mmap as exit does; caught signals go back to
 * SIG_DFL; comm becomes the new program's name, which then starts at its first step.
 */
public final class Exec {
  private static final String PATH = "__x64_sys_execve/do_execveat_common/bprm_execve";

  private Exec() {}

  /** execve: bprm_mm_init → mm_alloc for the new image. */
  public static void execve(Task t, TaskState s, MsgId cause, Step st) {
    String image = st.str("image", "");
    int pages = (int) t.resolveOr(s, st, "pages", 0);
    t.phase(s, cause, Phase.EXEC_MM, "image", image);
    Ctx ctx = t.ctx(s, PATH + "/bprm_mm_init");
    t.then(() -> t.env.mmu().tell(new MmuCmd.MmAlloc(t.nextId(), pages, ctx, t.mmReplies)));
  }

  /** begin_new_exec → exec_mmap: switch to the new mm, release the old one. */
  public static void newMm(Task t, TaskState s, MmuCmd.MmReply r) {
    String image = (String) s.data.get("image");
    String old = s.mm;
    Fork.mmRelease(t, s, r.id());          // exec_mm_release → mm_release: a vfork parent may go on
    t.event(s, new Execed(r.id(), image, image, r.mm(), old));
    int pid = s.pid;
    t.then(() -> t.env.pids().tell(new PidAllocator.SetComm(t.nextId(), pid, image)));
    if (old == null) {
      finish(t, s, r.id());
      return;
    }
    t.phase(s, r.id(), Phase.EXEC_OLD_MM);
    Ctx ctx = t.ctx(s, PATH + "/begin_new_exec/exec_mmap");
    String k = t.key();
    t.then(() -> t.env.mmu().tell(new MmuCmd.Mmput(t.nextId(), old, "users:" + k, ctx, t.mmReplies)));
  }

  /** execve "returns" into the new program: its first step runs next. */
  public static void finish(Task t, TaskState s, MsgId cause) {
    t.returnTo(s, cause, 0, 0);
  }
}
