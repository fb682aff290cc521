package dev.kmodel.kernel.fork;

import akka.actor.typed.ActorRef;
import dev.kmodel.fs.FileTable;
import dev.kmodel.kernel.Ctx;
import dev.kmodel.kernel.Errno;
import dev.kmodel.kernel.KernelCmd;
import dev.kmodel.kernel.MsgId;
import dev.kmodel.kernel.locking.TasklistLock;
import dev.kmodel.kernel.pid.PidAllocator;
import dev.kmodel.kernel.sched.Cpu;
import dev.kmodel.kernel.signal.Sig;
import dev.kmodel.kernel.task.ChildInfo;
import dev.kmodel.kernel.task.Phase;
import dev.kmodel.kernel.task.Task;
import dev.kmodel.kernel.task.TaskCmd;
import dev.kmodel.kernel.task.TaskEvent.*;
import dev.kmodel.kernel.task.TaskInit;
import dev.kmodel.kernel.task.TaskState;
import dev.kmodel.ledger.LedgerEntry;
import dev.kmodel.ledger.ObjType;
import dev.kmodel.mm.MmuCmd;
import dev.kmodel.scenario.Step;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * kernel/fork.c: kernel_clone → copy_process → wake_up_new_task, for fork = clone(SIGCHLD). The
 * parent drives the phases; the child's actor allocates its own objects (it owns them).
 */
public final class Fork {
  private static final String CLONE = "__x64_sys_fork/kernel_clone";
  private static final String COPY = CLONE + "/copy_process";

  private Fork() {}

  /**
   * kernel_clone (kernel/fork.c) for fork (SIGCHLD), vfork (CLONE_VFORK | CLONE_VM) and clone (its
   * flags and exit signal): copy_process checks the flags, then starts with a task_struct.
   */
  public static void kernelClone(Task t, TaskState s, MsgId cause, Step st) {
    int flags = switch (st.op()) {
      case "vfork" -> CloneFlags.CLONE_VFORK | CloneFlags.CLONE_VM;
      case "clone" -> CloneFlags.of(st.list("flags"));
      default -> 0;
    };
    Errno bad = CloneFlags.check(flags, s.pid == 1);
    if (bad != null) {
      t.ret(s, cause, 0, bad, null);
      return;
    }
    String es = st.str("exit-signal", "SIGCHLD");
    int exitSignal = st.op().equals("clone") ? (es.equals("none") ? 0 : Sig.parse(es)) : Sig.SIGCHLD;
    t.phase(s, cause, Phase.FORK_SPAWN, "program", st.str("run", ""),
        "vfork", (flags & CloneFlags.CLONE_VFORK) != 0, "vm", (flags & CloneFlags.CLONE_VM) != 0,
        "cloneParent", (flags & CloneFlags.CLONE_PARENT) != 0, "exitSignal", exitSignal);
    Ctx ctx = t.ctx(s, COPY + "/dup_task_struct");
    ActorRef<TaskCmd> self = t.self;
    t.then(() -> t.env.kernel().tell(new KernelCmd.AllocTask(t.nextId(), ctx, self)));
  }

  /** The child's actor exists; it runs its side of copy_process. */
  public static void spawned(Task t, TaskState s, TaskCmd.Spawned c) {
    if (s.phase != Phase.FORK_SPAWN) return;
    String program = (String) s.data.get("program");
    t.phase(s, c.id(), Phase.FORK_COPY, "childKey", c.key(), "childRef", c.ref());
    // CLONE_PARENT: the new task is the caller's sibling, with the caller's own exit signal.
    boolean sibling = Boolean.TRUE.equals(s.data.get("cloneParent"));
    int exitSignal = sibling ? s.exitSignal : (Integer) s.data.get("exitSignal");
    TaskInit init = new TaskInit(c.key(), sibling ? s.parentKey : t.key(), sibling ? s.ppid : s.pid,
        sibling ? s.parent : t.self, program, program, s.vars, s.sigactions,
        s.fds.stream().filter(Objects::nonNull).toList(), s.pgid, s.sid, false, s.cpu, COPY,
        s.hasChildSubreaper || s.isChildSubreaper, exitSignal);
    ActorRef<TaskCmd> child = c.ref();
    ActorRef<TaskCmd.Copied> reply = t.self.narrow();
    t.then(() -> child.tell(new TaskCmd.Start(t.nextId(), init, reply)));
  }

  /**
   * The child's side of copy_process: dup_task_struct, copy_creds, copy_files, copy_fs, copy_sighand,
   * copy_signal, copy_namespaces, each allocating (or referencing) the child's own objects.
   */
  public static void start(Task t, TaskState s, TaskCmd.Start c) {
    TaskInit i = c.init();
    String k = i.key();
    Ctx at = new Ctx(k, 0, i.cpu(), i.path());
    List<LedgerEntry> l = new ArrayList<>();
    String ts = obj(ObjType.TASK_STRUCT, k), ks = obj(ObjType.KERNEL_STACK, k), ti = obj(ObjType.THREAD_INFO, k);
    String cred = obj(ObjType.CRED, k), files = obj(ObjType.FILES_STRUCT, k), fs = obj(ObjType.FS_STRUCT, k);
    String sighand = obj(ObjType.SIGHAND_STRUCT, k), signal = obj(ObjType.SIGNAL_STRUCT, k);
    // dup_task_struct: usage = 1, rcu_users = 2 (the reaper and the scheduler).
    l.add(LedgerEntry.of(ts, ObjType.TASK_STRUCT, k, "alloc", 1, k, at.in("dup_task_struct/alloc_task_struct_node")));
    l.add(LedgerEntry.of(ks, ObjType.KERNEL_STACK, k, "alloc", 1, k, at.in("dup_task_struct/alloc_thread_stack_node")));
    l.add(LedgerEntry.of(ti, ObjType.THREAD_INFO, k, "alloc", 1, k, at.in("dup_task_struct/setup_thread_stack")));
    if (!i.kernelThread()) {
      l.add(LedgerEntry.of(cred, ObjType.CRED, k, "alloc", 1, k, at.in("copy_creds/prepare_creds")));
      l.add(LedgerEntry.of(files, ObjType.FILES_STRUCT, k, "alloc", 1, k, at.in("copy_files/dup_fd")));
      l.add(LedgerEntry.of(fs, ObjType.FS_STRUCT, k, "alloc", 1, k, at.in("copy_fs/copy_fs_struct")));
      l.add(LedgerEntry.of(sighand, ObjType.SIGHAND_STRUCT, k, "alloc", 1, k, at.in("copy_sighand")));
      l.add(LedgerEntry.of(signal, ObjType.SIGNAL_STRUCT, k, "alloc", 1, k, at.in("copy_signal")));
    } else {
      // kthreadd: created by the kernel, no files or fs of its own that the model follows.
      l.add(LedgerEntry.of(cred, ObjType.CRED, k, "alloc", 1, k, at.in("copy_creds/prepare_creds")));
      l.add(LedgerEntry.of(sighand, ObjType.SIGHAND_STRUCT, k, "alloc", 1, k, at.in("copy_sighand")));
      l.add(LedgerEntry.of(signal, ObjType.SIGNAL_STRUCT, k, "alloc", 1, k, at.in("copy_signal")));
      files = null;
      fs = null;
    }
    Owned o = new Owned(ts, ks, ti, cred, files, fs, sighand, signal, "nsproxy#init");
    t.event(s, new Created(c.id(), i, o, l));
    if (!i.files().isEmpty()) {
      // dup_fd: the child's fd table refers to the same struct files (get_file on each).
      List<String> fl = i.files();
      String holder = files;
      Ctx dup = at.in("copy_files/dup_fd");
      t.then(() -> t.env.files().tell(new FileTable.Get(t.nextId(), fl, holder, dup)));
    }
    t.nsproxy(true, at.in("copy_namespaces/get_nsproxy"));
    ActorRef<TaskCmd.Copied> reply = c.replyTo();
    t.then(() -> reply.tell(new TaskCmd.Copied(t.nextId(), k)));
  }

  private static String obj(ObjType type, String key) {
    return type.kernelName + "#" + key;
  }

  /** copy_mm → dup_mm: the child's address space, copy-on-write. */
  public static void copied(Task t, TaskState s, TaskCmd.Copied c) {
    if (s.phase != Phase.FORK_COPY) return;
    t.phase(s, c.id(), Phase.FORK_MM);
    String childKey = (String) s.data.get("childKey");
    if (s.mm == null) {
      mmCopied(t, s, new MmuCmd.MmReply(c.id(), "dup_mm", null, null, true));
      return;
    }
    Ctx ctx = t.ctx(s, COPY + "/copy_mm");
    String mm = s.mm;
    if (Boolean.TRUE.equals(s.data.get("vm"))) {
      // CLONE_VM: the child shares this address space; mm_users + 1, nothing is copied.
      t.then(() -> t.env.mmu().tell(new MmuCmd.Mmget(t.nextId(), mm, "users:" + childKey, ctx.in("mmget"))));
      mmCopied(t, s, new MmuCmd.MmReply(c.id(), "mmget", mm, null, true));
      return;
    }
    t.then(() -> t.env.mmu().tell(new MmuCmd.DupMm(t.nextId(), mm, childKey, ctx, t.mmReplies)));
  }

  /** alloc_pid (kernel/pid.c), after copy_mm, copy_namespaces, copy_io, copy_thread. */
  public static void mmCopied(Task t, TaskState s, MmuCmd.MmReply r) {
    t.phase(s, r.id(), Phase.FORK_PID, "childMm", r.mm() == null ? "" : r.mm());
    String childKey = (String) s.data.get("childKey");
    Ctx ctx = t.ctx(s, COPY);
    t.then(() -> t.env.pids().tell(new PidAllocator.AllocPid(t.nextId(), childKey, ctx, t.pidReplies)));
  }

  /** With a pid, link the child under write_lock_irq(&tasklist_lock); without one, undo (EAGAIN). */
  public static void pidAllocated(Task t, TaskState s, PidAllocator.PidReply r) {
    if (s.phase != Phase.FORK_PID) return;
    @SuppressWarnings("unchecked")
    ActorRef<TaskCmd> child = (ActorRef<TaskCmd>) s.data.get("childRef");
    if (r.errno() != null) {
      // bad_fork_cleanup_*: everything copy_process allocated for the child is released.
      String mm = (String) s.data.get("childMm");
      Ctx ctx = t.ctx(s, COPY + "/bad_fork_cleanup");
      t.then(() -> child.tell(new TaskCmd.ForkFailed(t.nextId(), mm.isEmpty() ? null : mm, ctx)));
      t.ret(s, r.id(), 0, r.errno(), null);
      return;
    }
    t.phase(s, r.id(), Phase.FORK_LOCK, "childPid", r.pid(), "childPidObj", r.object());
    Ctx ctx = t.ctx(s, COPY);
    t.then(() -> t.env.tasklist().tell(new TasklistLock.Lock(t.nextId(), TasklistLock.Mode.WRITE, ctx, t.grants)));
  }

  /** Under write_lock(tasklist_lock): attach_pid, link to the parent's children; then wake_up_new_task. */
  public static void linked(Task t, TaskState s, MsgId cause) {
    @SuppressWarnings("unchecked")
    ActorRef<TaskCmd> child = (ActorRef<TaskCmd>) s.data.get("childRef");
    String childKey = (String) s.data.get("childKey");
    int pid = (Integer) s.data.get("childPid");
    String pidObj = (String) s.data.get("childPidObj");
    String mmData = (String) s.data.get("childMm");
    String mm = mmData == null || mmData.isEmpty() ? null : mmData;
    String program = (String) s.data.get("program");
    boolean sibling = Boolean.TRUE.equals(s.data.get("cloneParent"));
    int exitSignal = sibling ? s.exitSignal : (Integer) s.data.get("exitSignal");
    ChildInfo info = new ChildInfo(childKey, pid, child, s.pgid, exitSignal, "", 0);
    if (sibling) {
      // CLONE_PARENT: list_add_tail(&p->sibling, &p->real_parent->children) on our parent's list.
      ActorRef<TaskCmd> grandparent = s.parent;
      t.then(() -> grandparent.tell(new TaskCmd.ChildLinked(t.nextId(), info)));
    } else {
      t.event(s, new ChildAdded(cause, info));
    }
    Ctx ctx = t.ctx(s, COPY);
    int pgid = s.pgid, sid = s.sid;
    int realParent = Boolean.TRUE.equals(s.data.get("cloneParent")) ? s.ppid : s.pid;
    boolean vfork = Boolean.TRUE.equals(s.data.get("vfork"));
    ActorRef<TaskCmd> vforkParent = vfork ? t.self : null;
    t.then(() -> {
      child.tell(new TaskCmd.Attach(t.nextId(), pid, pidObj, mm, pgid, sid, vforkParent, ctx));
      t.env.pids().tell(new PidAllocator.AttachPid(t.nextId(), pid, childKey, program, pgid, sid, realParent, child,
          ctx.in("attach_pid")));
      t.env.tasklist().tell(new TasklistLock.Unlock(t.nextId(), TasklistLock.Mode.WRITE, ctx));
    });
    // wake_up_new_task: select_task_rq picks the CPU whose runqueue the child joins.
    int cpu = t.selectTaskRq();
    Cpu.Rq rq = new Cpu.Rq(childKey, pid, child, mm);
    t.then(() -> t.cpu(cpu).tell(new Cpu.Enqueue(t.nextId(), rq)));
    if (vfork) {
      // wait_for_vfork_done: the parent sleeps until the child execs or exits (mm_release).
      t.phase(s, cause, Phase.VFORK_WAIT, "vforkChild", pid, "vforkDone", false);
      t.event(s, new Slept(cause, "wait_for_vfork_done"));
      t.yieldCpu(s, Cpu.Yield.BLOCK, 0);
      return;
    }
    t.ret(s, cause, pid, null, null);
  }

  /** complete(vfork_done) arrived: wake the parent; kernel_clone then returns the child's pid. */
  public static void vforkDone(Task t, TaskState s, TaskCmd.VforkDone c) {
    if (s.phase != Phase.VFORK_WAIT) return;
    t.phase(s, c.id(), Phase.VFORK_WAIT, "vforkDone", true);
    t.wake(s, c.id(), "complete/vfork_done", Phase.VFORK_WAIT);
  }

  /** The vfork parent runs again: back from kernel_clone if the child released the mm. */
  public static void vforkResume(Task t, TaskState s, MsgId cause) {
    if (Boolean.TRUE.equals(s.data.get("vforkDone"))) {
      t.ret(s, cause, (Integer) s.data.get("vforkChild"), null, null);
    } else {
      t.event(s, new Slept(cause, "wait_for_vfork_done"));
      t.yieldCpu(s, Cpu.Yield.BLOCK, 0);
    }
  }

  /** mm_release (kernel/fork.c): a vfork child leaving the shared mm completes vfork_done. */
  public static void mmRelease(Task t, TaskState s, MsgId cause) {
    if (s.vforkParent == null) return;
    ActorRef<TaskCmd> parent = s.vforkParent;
    String k = t.key();
    t.event(s, new VforkReleased(cause));
    t.then(() -> parent.tell(new TaskCmd.VforkDone(t.nextId(), k)));
  }

  /** The child learns its pid and address space (copy_process's attach under the lock). */
  public static void attach(Task t, TaskState s, TaskCmd.Attach c) {
    t.event(s, new Attached(c.id(), c.pid(), c.pidObject(), c.mm(), c.pgid(), c.sid(), c.vforkParent()));
  }

  /** bad_fork_*: free what copy_process built for a child that will never run. */
  public static void undo(Task t, TaskState s, TaskCmd.ForkFailed c) {
    Ctx at = c.ctx();
    List<LedgerEntry> l = new ArrayList<>();
    Owned o = s.objects;
    String k = t.key();
    if (o.filesStruct() != null) {
      l.add(LedgerEntry.of(o.filesStruct(), ObjType.FILES_STRUCT, k, "free", 0, k, at.in("exit_files")));
      l.add(LedgerEntry.of(o.fsStruct(), ObjType.FS_STRUCT, k, "free", 0, k, at.in("exit_fs/free_fs_struct")));
    }
    l.add(LedgerEntry.of(o.sighand(), ObjType.SIGHAND_STRUCT, k, "free", 0, k, at.in("__cleanup_sighand")));
    l.add(LedgerEntry.of(o.signal(), ObjType.SIGNAL_STRUCT, k, "free", 0, k, at.in("free_signal_struct")));
    l.add(LedgerEntry.of(o.cred(), ObjType.CRED, k, "free", 0, k, at.in("exit_creds")));
    l.add(LedgerEntry.of(o.kernelStack(), ObjType.KERNEL_STACK, k, "free", 0, k, at.in("free_task/release_task_stack")));
    l.add(LedgerEntry.of(o.threadInfo(), ObjType.THREAD_INFO, k, "free", 0, k, at.in("free_task")));
    l.add(LedgerEntry.of(o.taskStruct(), ObjType.TASK_STRUCT, k, "free", 0, k, at.in("free_task/free_task_struct")));
    t.event(s, new ForkUndone(c.id(), l));
    List<String> files = s.fds.stream().filter(Objects::nonNull).toList();
    if (!files.isEmpty()) {
      String holder = o.filesStruct();
      // The parent still holds these files, so none of them reaches its last reference here.
      t.then(() -> t.env.files().tell(new FileTable.Fput(t.nextId(), files, holder, at.in("exit_files/close_files"),
          null)));
    }
    t.nsproxy(false, at.in("exit_task_namespaces"));
    if (c.mm() != null) {
      String mm = c.mm();
      t.then(() -> t.env.mmu().tell(new MmuCmd.Mmput(t.nextId(), mm, "users:" + k, at.in("mmput"), null)));
    }
  }
}
