package dev.kmodel.kernel.exit;

import akka.actor.typed.ActorRef;
import dev.kmodel.kernel.Ctx;
import dev.kmodel.kernel.MsgId;
import dev.kmodel.kernel.locking.TasklistLock;
import dev.kmodel.kernel.pid.PidAllocator;
import dev.kmodel.kernel.rcu.RcuCallback;
import dev.kmodel.kernel.task.ChildInfo;
import dev.kmodel.kernel.task.Phase;
import dev.kmodel.kernel.task.Task;
import dev.kmodel.kernel.task.TaskCmd;
import dev.kmodel.kernel.task.TaskEvent.*;
import dev.kmodel.kernel.task.TaskState;
import dev.kmodel.kernel.fork.Shared;
import dev.kmodel.kernel.task.WaitStatus;
import dev.kmodel.ledger.LedgerEntry;
import dev.kmodel.ledger.ObjType;
import java.util.ArrayList;
import java.util.List;

/**
 * release_task (kernel/exit.c) and the end of a task_struct: __exit_signal / __unhash_process under
 * write_lock(tasklist_lock), free_pids, put_task_struct_rcu_user → call_rcu(delayed_put_task_struct)
 * → put_task_struct → __put_task_struct → free_task; and the scheduler's put_task_stack.
 */
public final class Release {
  private Release() {}

  /**
   * Releases each task in {@code dead} in turn (the releaser may be one of them: autoreap), then goes
   * on with {@code then}: "exit" → do_task_dead, "wait" → the wait returns the reaped child.
   */
  public static void releaseAll(Task t, TaskState s, MsgId cause, List<ChildInfo> dead, String path, String then) {
    t.phase(s, cause, s.phase, "releaseQueue", List.copyOf(dead), "releaseThen", then, "releasePath", path);
    releaseNext(t, s, cause);
  }

  @SuppressWarnings("unchecked")
  private static void releaseNext(Task t, TaskState s, MsgId cause) {
    List<ChildInfo> queue = (List<ChildInfo>) s.data.get("releaseQueue");
    if (queue.isEmpty()) {
      if ("exit".equals(s.data.get("releaseThen"))) {
        Exit.doTaskDead(t, s, cause);
      } else if ("exec".equals(s.data.get("releaseThen"))) {
        dev.kmodel.fs.Exec.afterDeThread(t, s, cause);
      } else {
        Wait.finish(t, s, cause, (ChildInfo) s.data.get("reaped"));
      }
      return;
    }
    ChildInfo p = queue.get(0);
    t.phase(s, cause, Phase.RELEASE_LOCK, "releasing", p);
    Ctx ctx = releaseCtx(t, s);
    t.then(() -> t.env.tasklist().tell(new TasklistLock.Lock(t.nextId(), TasklistLock.Mode.WRITE, ctx, t.grants)));
  }

  private static Ctx releaseCtx(Task t, TaskState s) {
    return t.ctx(s, s.data.get("releasePath") + "/release_task");
  }

  /** Holding write_lock: __exit_signal runs on the released task's own fields. */
  public static void locked(Task t, TaskState s, MsgId cause) {
    ChildInfo p = (ChildInfo) s.data.get("releasing");
    t.phase(s, cause, Phase.RELEASE_SIGNAL);
    Ctx ctx = releaseCtx(t, s).in("__exit_signal");
    t.then(() -> p.ref().tell(new TaskCmd.ExitSignal(t.nextId(), ctx, t.self)));
  }

  /**
   * __exit_signal → __unhash_process (detach_pid, list_del_rcu(&p->tasks), list_del_init(&p->sibling))
   * and __cleanup_sighand, which frees sighand_struct on its last reference.
   */
  public static void exitSignal(Task t, TaskState s, TaskCmd.ExitSignal c) {
    String k = t.key();
    Ctx at = c.ctx();
    List<LedgerEntry> l = new ArrayList<>();
    Ctx cleanup = at.in("__exit_sighand/__cleanup_sighand");
    if (Shared.put(t, s, c.id(), s.objects.sighand(), cleanup)) {
      l.add(LedgerEntry.of(s.objects.sighand(), ObjType.SIGHAND_STRUCT, k, "free", 0, k, cleanup));
    }
    t.event(s, new Unhashed(c.id(), l));
    int pid = s.pid;
    ActorRef<TaskCmd> parent = s.parent;
    ActorRef<TaskCmd> reply = c.replyTo();
    boolean thread = !s.isLeader();
    ActorRef<TaskCmd> leader = s.leader;
    t.then(() -> {
      t.env.pids().tell(new PidAllocator.DetachPid(t.nextId(), pid, at.in("__unhash_process/detach_pid")));
      if (thread) {
        // list_del_rcu(&p->thread_node); the leader then tells release_task whether it goes too.
        leader.tell(new TaskCmd.ThreadUnlinked(t.nextId(), k, at, reply));
      } else {
        if (parent != null) parent.tell(new TaskCmd.ChildUnlinked(t.nextId(), k));
        reply.tell(new TaskCmd.ExitSignalDone(t.nextId(), k, null));
      }
    });
  }

  /** write_unlock; free_pids; release_thread; put_task_struct_rcu_user — then the next one. */
  @SuppressWarnings("unchecked")
  public static void exitSignalDone(Task t, TaskState s, TaskCmd.ExitSignalDone c) {
    if (s.phase != Phase.RELEASE_SIGNAL) return;
    ChildInfo p = (ChildInfo) s.data.get("releasing");
    Ctx ctx = releaseCtx(t, s);
    t.then(() -> {
      t.env.tasklist().tell(new TasklistLock.Unlock(t.nextId(), TasklistLock.Mode.WRITE, ctx));
      t.env.pids().tell(new PidAllocator.FreePid(t.nextId(), p.pid(), ctx.in("free_pids/free_pid")));
      p.ref().tell(new TaskCmd.PutTaskStructRcuUser(t.nextId(), ctx.in("put_task_struct_rcu_user")));
    });
    List<ChildInfo> queue = new ArrayList<>((List<ChildInfo>) s.data.get("releaseQueue"));
    queue.remove(0);
    // release_task: "p = leader; if (unlikely(zap_leader)) goto repeat;"
    if (c.alsoRelease() != null) queue.add(0, c.alsoRelease());
    t.phase(s, c.id(), s.phase, "releaseQueue", List.copyOf(queue));
    releaseNext(t, s, c.id());
  }

  /** put_task_struct_rcu_user (kernel/exit.c): the last of the two rcu_users queues the RCU free. */
  public static void putTaskStructRcuUser(Task t, TaskState s, TaskCmd.PutTaskStructRcuUser c) {
    int left = s.rcuUsers - 1;
    t.event(s, new RcuUserDropped(c.id(), left, c.ctx().path()));
    if (left == 0) t.callRcu("delayed_put_task_struct", s.objects.taskStruct(), c.ctx().in("call_rcu"));
  }

  /** finish_task_switch → put_task_stack → release_task_stack: the dead task's stack is freed now. */
  public static void putTaskStack(Task t, TaskState s, TaskCmd.PutTaskStack c) {
    if (!s.stackLive) return;
    String k = t.key();
    t.event(s, new StackFreed(c.id(), List.of(LedgerEntry.of(s.objects.kernelStack(), ObjType.KERNEL_STACK, k,
        "free", 0, k, c.ctx().in("release_task_stack/free_thread_stack")))));
  }

  /** The RCU callbacks of a task: delayed_put_task_struct, then (one more grace period) put_cred_rcu. */
  public static void rcuCallback(Task t, TaskState s, RcuCallback cb) {
    String k = t.key();
    Ctx at = cb.ctx();
    if (cb.function().equals("delayed_put_task_struct")) {
      // put_task_struct: usage 1 → 0 → __put_task_struct.
      Ctx put = at.in("put_task_struct/__put_task_struct");
      List<LedgerEntry> l = new ArrayList<>();
      Ctx putSignal = put.in("put_signal_struct");
      if (Shared.put(t, s, cb.id(), s.objects.signal(), putSignal)) {
        l.add(LedgerEntry.of(s.objects.signal(), ObjType.SIGNAL_STRUCT, k, "free", 0, k, putSignal.in("free_signal_struct")));
      }
      if (s.stackLive) {
        l.add(LedgerEntry.of(s.objects.kernelStack(), ObjType.KERNEL_STACK, k, "free", 0, k,
            put.in("free_task/release_task_stack")));
      }
      l.add(LedgerEntry.of(s.objects.threadInfo(), ObjType.THREAD_INFO, k, "free", 0, k, put.in("free_task")));
      l.add(LedgerEntry.of(s.objects.taskStruct(), ObjType.TASK_STRUCT, k, "free", 0, k,
          put.in("free_task/free_task_struct")));
      t.event(s, new TaskStructFreed(cb.id(), l));
      // exit_creds → put_cred → __put_cred: the cred itself goes after another grace period.
      t.callRcu("put_cred_rcu", s.objects.cred(), put.in("exit_creds/put_cred/__put_cred/call_rcu"));
    } else if (cb.function().equals("put_cred_rcu")) {
      t.event(s, new CredFreed(cb.id(), List.of(LedgerEntry.of(s.objects.cred(), ObjType.CRED, k, "free", 0, k, at))));
    }
  }
}
