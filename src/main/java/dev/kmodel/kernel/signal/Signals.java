package dev.kmodel.kernel.signal;

import akka.actor.typed.ActorRef;
import dev.kmodel.kernel.Ctx;
import dev.kmodel.kernel.Errno;
import dev.kmodel.kernel.MsgId;
import dev.kmodel.kernel.exit.Exit;
import dev.kmodel.kernel.pid.PidAllocator;
import dev.kmodel.kernel.task.Phase;
import dev.kmodel.kernel.task.SigAction;
import dev.kmodel.kernel.task.Task;
import dev.kmodel.kernel.task.TaskCmd;
import dev.kmodel.kernel.task.TaskEvent.*;
import dev.kmodel.kernel.task.TaskState;
import dev.kmodel.scenario.Step;
import java.util.ArrayList;
import java.util.List;

/**
 * kernel/signal.c, as much as the lifecycle needs: kill, sigaction, send_signal's ignore check,
 * signal_wake_up, and get_signal's default action (a fatal signal makes the task do_exit).
 */
public final class Signals {
  private Signals() {}

  /** sigaction(2): SIGKILL and SIGSTOP cannot be caught or ignored (EINVAL). */
  public static void sigaction(Task t, TaskState s, MsgId cause, Step st) {
    int sig = Sig.parse(st.str("sig", ""));
    if (sig <= 0 || sig == Sig.SIGKILL || sig == Sig.SIGSTOP) {
      t.ret(s, cause, 0, Errno.EINVAL, null);
      return;
    }
    List<String> flags = st.list("flags");
    SigAction a = new SigAction(st.str("handler", "SIG_DFL"), flags.contains("SA_NOCLDWAIT"),
        flags.contains("SA_NOCLDSTOP"));
    t.event(s, new SigactionSet(cause, sig, a));
    t.ret(s, cause, 0, null, null);
  }

  /**
   * kill(2) → kill_something_info: pid > 0 one process ("@comm" names one by comm); 0 the caller's
   * process group; -1 every process but init and the caller; < -1 the group -pid. ESRCH if none.
   */
  public static void kill(Task t, TaskState s, MsgId cause, Step st) {
    Object target = st.args().get("pid");
    int sig = st.has("sig") ? Sig.parse(st.str("sig", "")) : Sig.SIGTERM;
    if (sig < 0) {
      t.ret(s, cause, 0, Errno.EINVAL, null);
      return;
    }
    String comm = target instanceof String str && str.startsWith("@") ? str.substring(1) : null;
    Long pid = comm != null ? Long.valueOf(1) : t.resolve(s, target);
    if (pid == null || pid == Integer.MIN_VALUE) {
      t.ret(s, cause, 0, pid == null ? Errno.EINVAL : Errno.ESRCH, null);
      return;
    }
    PidAllocator.Scope scope;
    int key;
    if (comm != null) {
      scope = PidAllocator.Scope.COMM;
      key = 0;
    } else if (pid > 0) {
      scope = PidAllocator.Scope.PID;
      key = pid.intValue();
    } else if (pid == 0) {
      scope = PidAllocator.Scope.PGRP;
      key = s.pgid;
    } else if (pid == -1) {
      scope = PidAllocator.Scope.ALL;
      key = 0;
    } else {
      scope = PidAllocator.Scope.PGRP;
      key = (int) -pid;
    }
    t.phase(s, cause, Phase.KILL_LOOKUP, "sig", sig);
    int caller = s.pid;
    t.then(() -> t.env.pids().tell(new PidAllocator.Lookup(t.nextId(), scope, key, comm, caller, t.lookups)));
  }

  /** The targets were (not) found: send the signal to each (sig 0 only checks existence). */
  public static void found(Task t, TaskState s, PidAllocator.Found f) {
    if (s.phase != Phase.KILL_LOOKUP) return;
    if (f.targets().isEmpty()) {
      t.ret(s, f.id(), 0, Errno.ESRCH, null);
      return;
    }
    int sig = (Integer) s.data.get("sig");
    if (sig != 0) {
      Ctx ctx = t.ctx(s, "__x64_sys_kill/kill_something_info/group_send_sig_info");
      int from = s.pid;
      for (PidAllocator.Target target : f.targets()) {
        @SuppressWarnings("unchecked")
        ActorRef<TaskCmd> ref = (ActorRef<TaskCmd>) target.task();
        t.then(() -> ref.tell(new TaskCmd.Signal(t.nextId(), sig, from, ctx)));
      }
    }
    t.ret(s, f.id(), 0, null, null);
  }

  /** A signal reaches this task: send_signal → prepare_signal (ignored?) → signal_wake_up. */
  public static void receive(Task t, TaskState s, TaskCmd.Signal c) {
    String disposition = received(t, s, c.id(), c.sig(), c.fromPid());
    if (disposition.equals("fatal")) {
      if (s.state.equals("sleeping") && s.phase == Phase.TIMER_SLEEP) {
        // The nanosleep is interrupted: the CPU cancels its timer and runs the task, which dies.
        var cpu = t.cpu(s.cpu);
        String k = t.key();
        t.then(() -> cpu.tell(new dev.kmodel.kernel.sched.Cpu.WakeSleeper(t.nextId(), k)));
      } else {
        t.wake(s, c.id(), "signal_wake_up");
      }
    }
  }

  /** Records the signal; returns its disposition: ignored, pending, or fatal. */
  public static String received(Task t, TaskState s, MsgId cause, int sig, int from) {
    String d;
    if (s.pfExiting || !s.exitState.isEmpty() || s.kthread) {
      d = "ignored";          // a dying task takes no more signals; kernel threads ignore them all
    } else if (sig == Sig.SIGKILL) {
      d = "fatal";
    } else {
      SigAction a = s.sigaction(sig);
      if (a.ignored()) d = "ignored";
      else if (a.handler().equals("catch")) d = "pending";
      else d = Sig.defaultTerminates(sig) ? "fatal" : (sig == Sig.SIGSTOP || sig == Sig.SIGTSTP ? "pending" : "ignored");
    }
    t.event(s, new SignalReceived(cause, sig, from, d));
    return d;
  }

  /**
   * get_signal on the way back to user space: a fatal signal ends the task (do_exit with the
   * signal number as status); caught ones are delivered. Returns true if the task is now exiting.
   */
  public static boolean deliver(Task t, TaskState s, MsgId cause) {
    if (s.pending.isEmpty()) return false;
    int fatal = 0;
    List<Integer> handled = new ArrayList<>();
    for (int sig : s.pending) {
      SigAction a = s.sigaction(sig);
      if (sig == Sig.SIGKILL || (!a.handler().equals("catch") && !a.ignored() && Sig.defaultTerminates(sig))) {
        if (fatal == 0) fatal = sig;
      } else if (a.handler().equals("catch")) {
        handled.add(sig);
      }
    }
    if (!handled.isEmpty()) t.event(s, new SignalsDelivered(cause, handled));
    if (fatal == 0) return false;
    t.event(s, new SignalsDelivered(cause, List.of(fatal)));
    if (s.step < 0 || s.op.isEmpty()) t.event(s, new SyscallEntered(cause, -1, "signal"));
    Exit.doExit(t, s, cause, fatal);   // WIFSIGNALED, WTERMSIG = sig
    return true;
  }
}
