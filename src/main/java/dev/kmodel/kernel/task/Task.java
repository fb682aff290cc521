package dev.kmodel.kernel.task;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.persistence.typed.javadsl.CommandHandler;
import akka.persistence.typed.javadsl.Effect;
import dev.kmodel.fs.FileSyscalls;
import dev.kmodel.fs.FileTable;
import dev.kmodel.kernel.Ctx;
import dev.kmodel.kernel.Env;
import dev.kmodel.kernel.Errno;
import dev.kmodel.kernel.KEvent;
import dev.kmodel.kernel.KernelActor;
import dev.kmodel.kernel.KernelCmd;
import dev.kmodel.kernel.MsgId;
import dev.kmodel.kernel.exit.Exit;
import dev.kmodel.kernel.exit.Release;
import dev.kmodel.kernel.exit.Reparent;
import dev.kmodel.kernel.exit.Threads;
import dev.kmodel.kernel.fork.Shared;
import dev.kmodel.kernel.kthread.Kthread;
import dev.kmodel.kernel.exit.Wait;
import dev.kmodel.kernel.fork.Fork;
import dev.kmodel.kernel.locking.TasklistLock;
import dev.kmodel.kernel.pid.PidAllocator;
import dev.kmodel.kernel.rcu.RcuCallback;
import dev.kmodel.kernel.rcu.RcuManager;
import dev.kmodel.kernel.sched.Cpu;
import dev.kmodel.kernel.signal.Signals;
import dev.kmodel.kernel.sys.Sys;
import dev.kmodel.kernel.task.TaskCmd.*;
import dev.kmodel.kernel.task.TaskEvent.*;
import dev.kmodel.ipc.Sem;
import dev.kmodel.mm.MmSyscalls;
import dev.kmodel.mm.MmuCmd;
import dev.kmodel.scenario.Program;
import dev.kmodel.scenario.Step;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * One task_struct and its kernel context. It runs its program one step at a time while it holds a
 * CPU; kernel paths that need another actor (the MMU, the pid allocator, tasklist_lock, its parent)
 * send a request and continue when the answer comes, still holding the CPU. The paths themselves are
 * in {@link Fork} (kernel/fork.c), {@link Exit}, {@link Wait} and {@link Release} (kernel/exit.c) and
 * {@link Signals} (kernel/signal.c).
 */
public final class Task extends KernelActor<TaskCmd, TaskEvent, TaskState> {
  public final Env env;
  public final ActorRef<TaskCmd> self;
  public final ActorRef<MmuCmd.MmReply> mmReplies;
  public final ActorRef<PidAllocator.PidReply> pidReplies;
  public final ActorRef<PidAllocator.Found> lookups;
  public final ActorRef<TasklistLock.Granted> grants;
  public final ActorRef<FileTable.Files> fileReplies;
  public final ActorRef<RcuCallback> rcuCallbacks;
  public final ActorRef<dev.kmodel.ipc.SysvIpc.Reply> ipcReplies;
  private final String key;
  private final SplittableRandom rng;

  public static Behavior<TaskCmd> create(String key, Env env) {
    return Behaviors.setup(ctx -> new Task(ctx, key, env));
  }

  private Task(ActorContext<TaskCmd> ctx, String key, Env env) {
    super(key, ctx);
    this.key = key;
    this.env = env.init() == null ? env.withInit(ctx.getSelf()) : env;
    this.self = ctx.getSelf();
    this.mmReplies = ctx.messageAdapter(MmuCmd.MmReply.class, FromMmu::new);
    this.pidReplies = ctx.messageAdapter(PidAllocator.PidReply.class, FromPid::new);
    this.lookups = ctx.messageAdapter(PidAllocator.Found.class, FromLookup::new);
    this.grants = ctx.messageAdapter(TasklistLock.Granted.class, FromLock::new);
    this.fileReplies = ctx.messageAdapter(FileTable.Files.class, FromFiles::new);
    this.rcuCallbacks = ctx.messageAdapter(RcuCallback.class, FromRcu::new);
    this.ipcReplies = ctx.messageAdapter(dev.kmodel.ipc.SysvIpc.Reply.class, FromIpc::new);
    // One seeded generator per actor (design §2): derived from the scenario seed and the task's identity.
    this.rng = new SplittableRandom(env.scenario().seed() * 0x9E3779B97F4A7C15L ^ key.hashCode());
  }

  @Override
  public TaskState emptyState() {
    return new TaskState();
  }

  // ---- helpers the kernel paths use ----------------------------------------------------------

  /** Applies and queues an event of the current step. */
  public void event(TaskState s, TaskEvent e) {
    emit(s, e);
  }

  /** Runs after this step's events are journaled. */
  public void then(Runnable r) {
    later(r);
  }

  public MsgId nextId() {
    return send.next();
  }

  public String key() {
    return key;
  }

  /** The kernel context of this task on its CPU, along {@code path}. */
  public Ctx ctx(TaskState s, String path) {
    return new Ctx(key, s.pid, s.cpu, path);
  }

  public ActorRef<Cpu.Cmd> cpu(int n) {
    return env.cpus().get(n);
  }

  /** select_task_rq at fork: the model spreads new tasks over the CPUs with the task's seeded RNG. */
  public int selectTaskRq() {
    return rng.nextInt(env.cpus().size());
  }

  /** The kernel path now waits in {@code p}; {@code kv} are name/value pairs it carries along. */
  public void phase(TaskState s, MsgId cause, Phase p, Object... kv) {
    Map<String, Object> m;
    if (kv.length == 0) {
      m = Map.of();
    } else {
      @SuppressWarnings("unchecked")
      Map.Entry<String, Object>[] es = new Map.Entry[kv.length / 2];
      for (int i = 0; i + 1 < kv.length; i += 2) es[i / 2] = Map.entry((String) kv[i], kv[i + 1]);
      m = Map.ofEntries(es);
    }
    event(s, new PhaseChanged(cause, p, m));
  }

  /** Gives the CPU back after this step. */
  public void yieldCpu(TaskState s, Cpu.Yield how, long ticks) {
    ActorRef<Cpu.Cmd> cpu = cpu(s.cpu);
    String mm = how == Cpu.Yield.DEAD ? s.activeMm : s.mm;
    String holder = "lazy:" + key;
    then(() -> cpu.tell(new Cpu.StepDone(send.next(), key, how, ticks, mm, holder)));
  }

  /** The system call returns {@code ret} (or an errno) to user space and the task runs on. */
  public void ret(TaskState s, MsgId cause, long ret, Errno errno, WaitStatus status) {
    returnOnly(s, cause, ret, errno, status);
    yieldCpu(s, Cpu.Yield.CONTINUE, 0);
  }

  /** Records the return without giving the CPU back (the caller decides what happens next). */
  public void returnOnly(TaskState s, MsgId cause, long ret, Errno errno, WaitStatus status) {
    returnOnly(s, cause, ret, errno, status, null);
  }

  /** waitid returns 0 and fills a siginfo. */
  public void retWaitid(TaskState s, MsgId cause, Siginfo info, WaitStatus status) {
    returnOnly(s, cause, 0, null, status, info);
    yieldCpu(s, Cpu.Yield.CONTINUE, 0);
  }

  /** A system call that returns to a given step of the (possibly new) program: execve. */
  public void returnTo(TaskState s, MsgId cause, long ret, int pc) {
    event(s, new SyscallReturned(cause, s.step, s.op, ret, null, null, null, pc, List.of(), null));
    yieldCpu(s, Cpu.Yield.CONTINUE, 0);
  }

  private void returnOnly(TaskState s, MsgId cause, long ret, Errno errno, WaitStatus status, Siginfo info) {
    Step st = currentStep(s);
    String var = st == null ? null : st.str("save", null);
    if (var != null && var.startsWith("$")) var = var.substring(1);
    // init's reaper loop stays on its wait4 step forever.
    int next = st != null && st.args().containsKey("reaper") ? s.pc : s.pc + 1;
    event(s, new SyscallReturned(cause, s.step, s.op, errno != null ? -errno.number : ret,
        errno == null ? null : errno.name(), status, var, next, frames(s), info));
  }

  public Step currentStep(TaskState s) {
    Program p = env.scenario().programs().get(s.program);
    return p == null || s.pc >= p.steps().size() ? null : p.steps().get(s.pc);
  }

  private static List<int[]> frames(TaskState s) {
    List<int[]> l = new ArrayList<>();
    for (int[] f : s.loops) l.add(f.clone());
    return l;
  }

  /** Resolves a value that names a task or a number: 12, "$var", "-$var", or "@comm" (needs a lookup). */
  public Long resolve(TaskState s, Object v) {
    if (v == null) return null;
    if (v instanceof Number n) return n.longValue();
    String str = String.valueOf(v).trim();
    if (str.startsWith("$")) return s.vars.get(str.substring(1));
    if (str.startsWith("-$")) {                 // "-$g": the process group of pid $g, for kill / wait4
      Long x = s.vars.get(str.substring(2));
      return x == null ? null : -x;
    }
    try {
      return Long.parseLong(str);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  // ---- command dispatch ---------------------------------------------------------------------

  @Override
  protected CommandHandler<TaskCmd, KEvent, TaskState> handlers() {
    return newCommandHandlerBuilder().forAnyState()
        .onCommand(Start.class, (s, c) -> { Fork.start(this, s, c); return commit(); })
        .onCommand(Attach.class, (s, c) -> { Fork.attach(this, s, c); return commit(); })
        .onCommand(ForkFailed.class, (s, c) -> { Fork.undo(this, s, c); return commitAndStop(); })
        .onCommand(Spawned.class, (s, c) -> { Fork.spawned(this, s, c); return commit(); })
        .onCommand(VforkDone.class, (s, c) -> { Fork.vforkDone(this, s, c); return commit(); })
        .onCommand(VforkAbandoned.class, (s, c) -> {
          if (s.vforkParent != null) event(s, new VforkReleased(c.id()));
          return commit();
        })
        .onCommand(ChildLinked.class, (s, c) -> { event(s, new ChildAdded(c.id(), c.child())); return commit(); })
        .onCommand(Copied.class, (s, c) -> { Fork.copied(this, s, c); return commit(); })
        .onCommand(RunStep.class, this::runStep)
        .onCommand(PutTaskStack.class, (s, c) -> { Release.putTaskStack(this, s, c); return end(s); })
        .onCommand(PutTaskStructRcuUser.class, (s, c) -> { Release.putTaskStructRcuUser(this, s, c); return end(s); })
        .onCommand(FromRcu.class, (s, c) -> { Release.rcuCallback(this, s, c.callback()); return end(s); })
        .onCommand(NotifyParent.class, (s, c) -> { Exit.doNotifyParentReceived(this, s, c); return commit(); })
        .onCommand(Notified.class, (s, c) -> { Exit.notified(this, s, c); return commit(); })
        .onCommand(Adopt.class, (s, c) -> { Reparent.adopt(this, s, c); return commit(); })
        .onCommand(Adopted.class, (s, c) -> { Reparent.adopted(this, s, c); return commit(); })
        .onCommand(TaskCmd.Reparented.class, (s, c) -> { Reparent.reparented(this, s, c); return commit(); })
        .onCommand(FindSubreaper.class, (s, c) -> { Reparent.findSubreaper(this, s, c); return commit(); })
        .onCommand(SubreaperFound.class, (s, c) -> { Reparent.subreaperFound(this, s, c); return commit(); })
        .onCommand(PropagateHasChildSubreaper.class, (s, c) -> { Sys.propagateHasChildSubreaper(this, s, c); return commit(); })
        .onCommand(WaitTaskZombie.class, (s, c) -> { Wait.waitTaskZombieCmpxchg(this, s, c); return commit(); })
        .onCommand(ZombieResult.class, (s, c) -> { Wait.zombieResult(this, s, c); return commit(); })
        .onCommand(ExitSignal.class, (s, c) -> { Release.exitSignal(this, s, c); return commit(); })
        .onCommand(ExitSignalDone.class, (s, c) -> { Release.exitSignalDone(this, s, c); return commit(); })
        .onCommand(ChildUnlinked.class, (s, c) -> {
          if (s.children.containsKey(c.key())) event(s, new ChildRemoved(c.id(), c.key()));
          return commit();
        })
        .onCommand(SetPgidBy.class, (s, c) -> { Sys.setPgidBy(this, s, c); return commit(); })
        .onCommand(ChildPgid.class, (s, c) -> {
          ChildInfo ci = s.children.get(c.key());
          if (ci != null) event(s, new ChildChanged(c.id(), ci.withPgid(c.pgid())));
          return commit();
        })
        .onCommand(Signal.class, (s, c) -> { Signals.receive(this, s, c); return commit(); })
        .onCommand(NotifyParentStop.class, (s, c) -> { Signals.parentNotifiedOfStop(this, s, c); return commit(); })
        .onCommand(WaitTaskStopCont.class, (s, c) -> { Wait.waitTaskStopCont(this, s, c); return commit(); })
        .onCommand(StopContResult.class, (s, c) -> { Wait.stopContResult(this, s, c); return commit(); })
        .onCommand(ThreadLinked.class, (s, c) -> { Threads.threadLinked(this, s, c); return commit(); })
        .onCommand(ThreadExiting.class, (s, c) -> { Threads.threadExiting(this, s, c); return commit(); })
        .onCommand(GroupDead.class, (s, c) -> { Exit.groupDeadKnown(this, s, c); return commit(); })
        .onCommand(GroupExit.class, (s, c) -> { Threads.groupExitAsked(this, s, c); return commit(); })
        .onCommand(ThreadStopped.class, (s, c) -> { Signals.threadStopped(this, s, c); return commit(); })
        .onCommand(GroupExitCode.class, (s, c) -> { Threads.groupExitCode(this, s, c); return commit(); })
        .onCommand(Zap.class, (s, c) -> { Threads.zapped(this, s, c); return commit(); })
        .onCommand(FindAliveThread.class, (s, c) -> { Threads.findAliveThread(this, s, c); return commit(); })
        .onCommand(AliveThread.class, (s, c) -> { Reparent.aliveThread(this, s, c); return commit(); })
        .onCommand(ThreadUnlinked.class, (s, c) -> { Threads.threadUnlinked(this, s, c); return commit(); })
        .onCommand(LeaderNotified.class, (s, c) -> { Threads.leaderNotified(this, s, c); return commit(); })
        .onCommand(GroupChildren.class, (s, c) -> { Threads.groupChildren(this, s, c); return commit(); })
        .onCommand(ChildrenAsk.class, (s, c) -> { Threads.childrenAsk(this, s, c); return commit(); })
        .onCommand(ChildrenOf.class, (s, c) -> { Wait.childrenOf(this, s, c); return commit(); })
        .onCommand(WakeChldexit.class, (s, c) -> { Threads.wakeChldexit(this, s, c); return commit(); })
        .onCommand(SharedGet.class, (s, c) -> {
          Shared.taken(this, s, c.id(), c.object(), c.holder(), c.holderRef(), c.ctx());
          return commit();
        })
        .onCommand(SharedPut.class, (s, c) -> { Shared.sharedPut(this, s, c); return end(s); })
        .onCommand(SharedPutDone.class, (s, c) -> { Exit.semPutDone(this, s, c); return commit(); })
        .onCommand(InstallFds.class, (s, c) -> { Shared.installFds(this, s, c); return commit(); })
        .onCommand(CloseFd.class, (s, c) -> { Shared.closeFd(this, s, c); return commit(); })
        .onCommand(SetSigaction.class, (s, c) -> { Shared.setSigaction(this, s, c); return commit(); })
        .onCommand(ApplyShared.class, (s, c) -> { Shared.apply(this, s, c); return commit(); })
        .onCommand(TableOpDone.class, (s, c) -> {
          if (s.phase == Phase.FILE_SHARED) FileSyscalls.tableOpDone(this, s, c);
          else if (s.phase == Phase.SIGACTION_SHARED || s.phase == Phase.SETPGID) ret(s, c.id(), c.ret(), c.errno(), null);
          return commit();
        })
        .onCommand(DeThread.class, (s, c) -> { Threads.deThread(this, s, c); return commit(); })
        .onCommand(DeThreadDone.class, (s, c) -> { dev.kmodel.fs.Exec.deThreadDone(this, s, c); return commit(); })
        .onCommand(Demote.class, (s, c) -> { Threads.demote(this, s, c); return commit(); })
        .onCommand(TaskCmd.Demoted.class, (s, c) -> { dev.kmodel.fs.Exec.demoted(this, s, c); return commit(); })
        .onCommand(ChildReplaced.class, (s, c) -> {
          ChildInfo old = s.children.get(c.oldKey());
          if (old != null) event(s, new ChildRemoved(c.id(), c.oldKey()));
          event(s, new ChildAdded(c.id(), old == null ? c.now() : c.now().withVpid(old.vpid())));
          return commit();
        })
        .onCommand(FromIpc.class, (s, c) -> {
          if (s.phase != Phase.IPC_CALL) return commit();
          if (s.op.equals("shmget") && c.reply().errno() == null) {
            event(s, new ShmSegmentCreated(c.reply().id(), (int) c.reply().ret()));
          }
          ret(s, c.reply().id(), c.reply().ret(), c.reply().errno(), null);
          return commit();
        })
        .onCommand(FromMmu.class, this::fromMmu)
        .onCommand(FromPid.class, (s, c) -> {
          if (s.phase == Phase.UNSHARE) Sys.unshareDone(this, s, c.reply());
          else if (s.phase == Phase.SYSCTL) ret(s, c.reply().id(), 0, c.reply().errno(), null);
          else Fork.pidAllocated(this, s, c.reply());
          return commit();
        })
        .onCommand(FromLookup.class, (s, c) -> {
          if (s.phase == Phase.KILL_LOOKUP) Signals.found(this, s, c.reply());
          else if (s.phase == Phase.SETPGID) Sys.groupFound(this, s, c.reply());
          else if (s.phase == Phase.WAIT_PGRP) Wait.pgrpFound(this, s, c.reply());
          else if (s.phase == Phase.KTHREAD_LOOKUP || s.phase == Phase.KTHREAD_STOP_LOOKUP) Kthread.found(this, s, c.reply());
          return commit();
        })
        .onCommand(KthreadCreate.class, (s, c) -> { Kthread.requested(this, s, c); return commit(); })
        .onCommand(KthreadCreated.class, (s, c) -> {
          Kthread.answered(this, s, c.id(), c.pid(), c.errno());
          return commit();
        })
        .onCommand(KthreadStop.class, (s, c) -> { Kthread.stopRequested(this, s, c); return commit(); })
        .onCommand(KthreadStopped.class, (s, c) -> {
          Kthread.answered(this, s, c.id(), c.result(), c.errno());
          return commit();
        })
        .onCommand(FromLock.class, this::fromLock)
        .onCommand(FromFiles.class, this::fromFiles)
        .onCommand(Query.class, (s, c) -> {
          c.replyTo().tell(new TaskSummary(key, s.pid, s.comm, s.state, s.phase.name()));
          return Effect().none();
        })
        .build();
  }

  /** Commits; a task whose own objects are all freed has nothing left to own and stops. */
  private Effect<KEvent, TaskState> end(TaskState s) {
    if (s.state.equals("freed") && !s.ownsLiveObjects()) return commitAndStop();
    return commit();
  }

  /** wake_up_state(TASK_STOPPED): SIGCONT (or SIGKILL) puts a stopped task back on its runqueue. */
  public void wakeStopped(TaskState s, MsgId cause) {
    if (!s.state.equals("stopped")) return;        // already woken (a second SIGKILL, SIGCONT)
    event(s, new Woken(cause, "wake_up_state(TASK_STOPPED)"));
    enqueueSelf(s);
  }

  /** ttwu_queue: back on the runqueue of the CPU the task last ran on. */
  private void enqueueSelf(TaskState s) {
    Cpu.Rq rq = new Cpu.Rq(key, s.pid, self, s.mm);
    ActorRef<Cpu.Cmd> cpu = cpu(s.cpu);
    then(() -> cpu.tell(new Cpu.Enqueue(send.next(), rq)));
  }

  /**
   * try_to_wake_up for a task sleeping in {@code sleepingIn}: __wake_up_parent wakes do_wait's
   * wait_chldexit sleepers; complete(vfork_done) the vfork parent; a fatal signal either.
   */
  public void wake(TaskState s, MsgId cause, String by, Phase... sleepingIn) {
    boolean forWait = java.util.Arrays.asList(sleepingIn).contains(Phase.WAIT_SLEEP);
    if (forWait && !s.state.equals("sleeping")
        && (s.phase == Phase.WAIT_LOCK || s.phase == Phase.WAIT_GATHER || s.phase == Phase.WAIT_REAP)) {
      // do_wait put us on wait_chldexit before it scanned: a wake-up during the scan is not lost.
      phase(s, cause, s.phase, "rescan", true);
      return;
    }
    if (!s.state.equals("sleeping") || !java.util.Arrays.asList(sleepingIn).contains(s.phase)) return;
    event(s, new Woken(cause, by));
    enqueueSelf(s);
  }

  // ---- running the program ------------------------------------------------------------------

  private Effect<KEvent, TaskState> runStep(TaskState s, RunStep c) {
    MsgId cause = c.id();
    event(s, new RanOn(cause, c.cpu()));
    if (s.pfExiting && s.phase == Phase.WAIT_SLEEP && Boolean.TRUE.equals(s.data.get("zap"))) {
      Wait.resume(this, s, cause);     // a dying namespace init, woken while it reaps its children
      return commit();
    }
    if (s.pfExiting || !s.exitState.isEmpty()) return commit();   // a dead task is never run again
    if (s.kthread && s.program.isEmpty()) {
      Kthread.kthreadd(this, s, cause);  // kthreadd's loop over kthread_create_list
      return commit();
    }
    if (s.stopped && !s.pending.contains(dev.kmodel.kernel.signal.Sig.SIGKILL)) {
      yieldCpu(s, Cpu.Yield.BLOCK, 0);                               // still TASK_STOPPED
      return commit();
    }
    Phase resumed = s.phase;
    // An interrupted nanosleep: remember what is left (restart_block) in case a stop comes first.
    if (c.sleepLeft() > 0) event(s, new SleepInterrupted(cause, c.sleepLeft()));
    Signals.reportContinued(this, s, cause);
    if (resumed == Phase.VFORK_WAIT && Signals.fatalPending(s)) {
      // wait_for_vfork_done killed: the child must not complete a vfork_done that is going away.
      @SuppressWarnings("unchecked")
      ActorRef<TaskCmd> child = (ActorRef<TaskCmd>) s.data.get("childRef");
      if (child != null) then(() -> child.tell(new VforkAbandoned(send.next())));
    }
    // get_signal first: a fatal signal ends the task inside the call; a stop signal stops it there
    // (an interrupted wait4 goes on after SIGCONT).
    if (Signals.deliver(this, s, cause)) return commit();
    if (resumed == Phase.WAIT_SLEEP) {
      Wait.resume(this, s, cause);
      return commit();
    }
    if (resumed == Phase.VFORK_WAIT) {
      Fork.vforkResume(this, s, cause);
      return commit();
    }
    if (resumed == Phase.KTHREAD_WAIT) {
      Kthread.resume(this, s, cause);
      return commit();
    }
    if (resumed == Phase.EXEC_DETHREAD) {
      dev.kmodel.fs.Exec.deThreadResume(this, s, cause);
      return commit();
    }
    if (resumed == Phase.TIMER_SLEEP && s.sleepLeft > 0 && !s.shouldStop) {
      // restart_nanosleep: the interrupted sleep goes on for the time it had left.
      long left = s.sleepLeft;
      event(s, new SleepRestarted(cause, left));
      event(s, new Slept(cause, "hrtimer_nanosleep_restart"));
      yieldCpu(s, Cpu.Yield.SLEEP, left);
      return commit();
    }
    if (resumed == Phase.TIMER_SLEEP) {
      returnOnly(s, cause, 0, null, null);   // nanosleep / compute / rcu_walk finished
    }
    execNext(s, cause);
    return commit();
  }

  /** Runs the program's next step (a system call, or user-mode work handed to the CPU). */
  private void execNext(TaskState s, MsgId cause) {
    Program prog = env.scenario().programs().get(s.program);
    List<Step> steps = prog.steps();
    // Loop bookkeeping: close finished repeat rounds, enter new repeat blocks.
    while (true) {
      int[] top = s.loops.peekLast();
      if (top != null && s.pc >= steps.get(top[0]).bodyEnd()) {
        List<int[]> fr = frames(s);
        int[] f = fr.get(fr.size() - 1);
        if (f[1] > 1) {
          f[1]--;
          event(s, new Looped(cause, f[0] + 1, fr));
        } else {
          fr.remove(fr.size() - 1);
          event(s, new Looped(cause, s.pc, fr));
        }
        continue;
      }
      if (s.pc < steps.size() && steps.get(s.pc).op().equals("repeat")) {
        Step r = steps.get(s.pc);
        long times = Math.max(0, r.num("times", 0));
        List<int[]> fr = frames(s);
        if (times == 0) {
          event(s, new Looped(cause, r.bodyEnd(), fr));
        } else {
          fr.add(new int[] {r.index(), (int) times});
          event(s, new Looped(cause, r.index() + 1, fr));
        }
        continue;
      }
      break;
    }
    if (s.kthread && s.shouldStop) {
      // while (!kthread_should_stop()) ... : threadfn returns 0, kthread_exit(0).
      event(s, new SyscallEntered(cause, -1, "kthread_exit"));
      Exit.doExit(this, s, cause, WaitStatus.exited(0));
      return;
    }
    if (s.kthread && s.pc >= steps.size() && !steps.isEmpty()) {
      event(s, new Looped(cause, 0, List.of()));   // a kernel thread's function loops until kthread_stop
      execNext(s, cause);
      return;
    }
    if (s.pc >= steps.size()) {
      // Running off the end of the program is exit(0) (contract §2).
      event(s, new SyscallEntered(cause, -1, "exit"));
      Exit.doExit(this, s, cause, WaitStatus.exited(0));
      return;
    }
    Step st = steps.get(s.pc);
    event(s, new SyscallEntered(cause, st.index(), st.op()));
    switch (st.op()) {
      case "fork", "vfork", "clone", "clone3", "thread" -> Fork.kernelClone(this, s, cause, st);
      case "exec" -> dev.kmodel.fs.Exec.execve(this, s, cause, st);
      case "exit" -> Exit.doExit(this, s, cause, WaitStatus.exited(resolveOr(s, st, "code", 0)));
      case "exit_group" -> Threads.doGroupExit(this, s, cause, WaitStatus.exited(resolveOr(s, st, "code", 0)),
          ctx(s, "__x64_sys_exit_group/do_group_exit"));
      case "wait4" -> Wait.wait4(this, s, cause, st);
      case "waitid" -> Wait.waitid(this, s, cause, st);
      case "kill" -> Signals.kill(this, s, cause, st);
      case "sigaction" -> Signals.sigaction(this, s, cause, st);
      case "setpgid" -> Sys.setpgid(this, s, cause, st);
      case "setsid" -> Sys.setsid(this, s, cause);
      case "prctl" -> Sys.prctl(this, s, cause, st);
      case "setrlimit" -> Sys.setrlimit(this, s, cause, st);
      case "kthread_run" -> Kthread.kthreadRun(this, s, cause, st);
      case "kthread_stop" -> Kthread.kthreadStop(this, s, cause, st);
      case "unshare" -> Sys.unshare(this, s, cause, st);
      case "sysctl" -> Sys.sysctl(this, s, cause, st);
      case "mmap", "touch" -> MmSyscalls.mmCall(this, s, cause, st);
      case "open" -> FileSyscalls.open(this, s, cause, st);
      case "close" -> FileSyscalls.close(this, s, cause, st);
      case "semundo" -> Sem.semop(this, s, cause, st, true);
      case "semop" -> Sem.semop(this, s, cause, st, st.args().containsKey("undo") && Boolean.parseBoolean(st.str("undo", "false")));
      case "semval" -> Sem.semval(this, s, cause, st);
      case "shmget" -> Sem.shmget(this, s, cause, st);
      case "sleep" -> userWork(s, cause, Cpu.Yield.SLEEP, resolveOr(s, st, "ticks", 1));
      case "compute" -> userWork(s, cause, Cpu.Yield.COMPUTE, resolveOr(s, st, "ticks", 1));
      case "rcu_walk" -> userWork(s, cause, Cpu.Yield.RCU_WALK, resolveOr(s, st, "ticks", 1));
      case "getpid" -> ret(s, cause, s.vtgid, null, null);     // task_tgid_vnr
      case "gettid" -> ret(s, cause, s.vpid, null, null);      // task_pid_vnr
      case "getppid" -> ret(s, cause, s.vppid, null, null);    // the real parent's tgid in our namespace
      default -> ret(s, cause, 0, Errno.ENOSYS, null);
    }
  }

  public long resolveOr(TaskState s, Step st, String field, long dflt) {
    Long v = resolve(s, st.args().get(field));
    return v == null ? dflt : v;
  }

  /** sleep, compute and rcu_walk: the CPU runs (or waits) the ticks; the step returns when we run again. */
  private void userWork(TaskState s, MsgId cause, Cpu.Yield how, long ticks) {
    phase(s, cause, Phase.TIMER_SLEEP);
    if (how == Cpu.Yield.SLEEP) event(s, new Slept(cause, "hrtimer_nanosleep"));
    yieldCpu(s, how, Math.max(1, ticks));
  }

  private Effect<KEvent, TaskState> fromMmu(TaskState s, FromMmu c) {
    MsgId cause = c.reply().id();
    switch (s.phase) {
      case MM_CALL -> ret(s, cause, 0, c.reply().ok() ? null : Errno.EINVAL, null);
      case EXEC_MM -> dev.kmodel.fs.Exec.newMm(this, s, c.reply());
      case EXEC_OLD_MM -> dev.kmodel.fs.Exec.finish(this, s, cause);
      case FORK_MM -> Fork.mmCopied(this, s, c.reply());
      case EXIT_MM -> Exit.exitMmDone(this, s, cause);
      default -> { }
    }
    return commit();
  }

  private Effect<KEvent, TaskState> fromLock(TaskState s, FromLock c) {
    MsgId cause = c.reply().id();
    switch (s.phase) {
      case FORK_LOCK -> Fork.linked(this, s, cause);
      case EXIT_NOTIFY_LOCK -> Exit.exitNotify(this, s, cause);
      case WAIT_LOCK -> Wait.locked(this, s, cause);
      case EXEC_TAKEOVER -> dev.kmodel.fs.Exec.takeoverLocked(this, s, cause);
      case RELEASE_LOCK -> Release.locked(this, s, cause);
      default -> { }
    }
    return commit();
  }

  private Effect<KEvent, TaskState> fromFiles(TaskState s, FromFiles c) {
    if (s.phase == Phase.EXIT_FILES) {
      Exit.closeFilesDone(this, s, c.reply().id(), c.reply().files());
    } else {
      FileSyscalls.done(this, s, c.reply());
    }
    return commit();
  }

  public void callRcu(String function, String object, Ctx ctx) {
    then(() -> env.rcu().tell(new RcuManager.CallRcu(send.next(), function, object, rcuCallbacks, ctx)));
  }

  public void nsproxy(boolean get, Ctx ctx) {
    then(() -> env.kernel().tell(new KernelCmd.NsproxyRef(send.next(), get, key, ctx)));
  }
}
