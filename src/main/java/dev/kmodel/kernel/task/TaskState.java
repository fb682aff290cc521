package dev.kmodel.kernel.task;

import akka.actor.typed.ActorRef;
import dev.kmodel.kernel.KernelActor;
import dev.kmodel.kernel.irq.IrqKind;
import dev.kmodel.kernel.locking.HeldLock;
import dev.kmodel.kernel.task.TaskEvent.*;
import dev.kmodel.ledger.ObjType;
import dev.kmodel.uapi.Sig;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * struct task_struct as one Task actor owns it. Fields are changed only by {@link #apply}. The
 * comment beside a field names the lock that guards it in Linux; here the actor's mailbox serializes
 * access, and the tasklist_lock actor orders the cross-task changes.
 */
public final class TaskState implements KernelActor.Folds<TaskEvent> {
    // ---- identity (fixed at copy_process) -----------------------------------------------------
    public String key = "";
    public int pid; // task->pid; set by attach under write_lock(tasklist_lock)
    public String comm = ""; // task->comm (task_lock)
    public String program = "";
    public boolean kthread; // PF_KTHREAD: no mm
    public TaskEvent.Owned objects; // task_struct, kernel stack, thread_info, cred, files, fs, sighand, signal
    public String pidObject;

    // ---- the process tree (guarded by tasklist_lock) ------------------------------------------
    public String parentKey = ""; // real_parent
    public int ppid;
    public ActorRef<TaskCmd> parent;
    public final LinkedHashMap<String, ChildInfo> children = new LinkedHashMap<>(); // in list order
    // Children this exiting task handed to a reaper (forget_original_parent): a report sent to it before
    // the child learnt its new parent is passed on there.
    public final Map<String, ActorRef<TaskCmd>> reparentedTo = new HashMap<>();
    public int pgid; // signal->pids[PIDTYPE_PGID]
    public int exitSignal; // task->exit_signal (SIGCHLD for fork; 0 = none)
    public boolean isChildSubreaper; // signal->is_child_subreaper (prctl; not inherited)
    public boolean hasChildSubreaper; // signal->has_child_subreaper (an ancestor is one)
    public int sid;
    public int pdeathSignal; // task->pdeath_signal (prctl; 0 after fork)
    public long rlimitCore; // signal->rlim[RLIMIT_CORE].rlim_cur: INIT_RLIMITS 0; -1 = RLIM_INFINITY
    public long rlimitCoreMax = -1; // .rlim_max: INIT_RLIMITS RLIM_INFINITY

    // ---- the thread group (signal_struct: the leader's actor keeps the list and the counters) --
    public int tgid; // task->tgid: the group leader's pid
    public String leaderKey = ""; // task->group_leader
    public ActorRef<TaskCmd> leader; // null for a leader (itself)
    public final LinkedHashMap<String, ThreadInfo> threads = new LinkedHashMap<>(); // leader: signal->thread_head
    // without the leader (tasklist_lock); exiting = out of signal->live
    public boolean groupExit; // leader: SIGNAL_GROUP_EXIT (siglock)
    public int groupExitCode; // signal->group_exit_code (a zapped thread keeps its copy)
    public boolean leaderDelayed; // leader: EXIT_ZOMBIE, parent not told until the group is empty
    public final Set<String> stoppedThreads = new TreeSet<>(); // exited leader: threads stopped
    public boolean groupStopped; // exited leader: SIGNAL_STOP_STOPPED for the group
    public ActorRef<TaskCmd> releaser; // leader: the release_task waiting for our parent's answer
    public String releasedThread;
    public String groupExecKey; // leader: signal->group_exec_task (a thread in de_thread)
    public ActorRef<TaskCmd> groupExecRef;

    // ---- kernel threads -----------------------------------------------------------------------
    public final List<TaskEvent.KthreadRequested> kthreadQueue = new ArrayList<>(); // kthreadd: kthread_create_list
    public boolean shouldStop; // KTHREAD_SHOULD_STOP
    public ActorRef<TaskCmd> stopper; // the kthread_stop caller waiting for kthread->exited

    // ---- the pid namespace (task_active_pid_ns) ------------------------------------------------
    public int nsId; // 0: init_pid_ns
    public int nsLevel;
    public int vpid; // task_pid_vnr: the number in its own namespace
    public int vtgid; // task_tgid_vnr (getpid)
    public int vppid; // getppid: the real parent's tgid there, 0 if outside the namespace
    public String nsReaperKey = ""; // pid_ns->child_reaper ("" and null: init of init_pid_ns)
    public ActorRef<TaskCmd> nsReaper;
    public int nsReaperPid = 1;
    public int childNs = -1; // nsproxy->pid_ns_for_children after unshare(CLONE_NEWPID); -1: ours
    public String childNsReaperKey; // that namespace's init, once our first child there became it
    public ActorRef<TaskCmd> childNsReaper;
    public int childNsReaperPid;

    // ---- objects shared through clone flags ---------------------------------------------------
    public final Map<String, ActorRef<TaskCmd>> objOwner = new HashMap<>(); // used here, counted by that task
    public final Map<String, Integer> refs = new HashMap<>(); // counted here and shared (absent: 1)
    public final Map<String, LinkedHashMap<String, ActorRef<TaskCmd>>> sharers = new HashMap<>(); // the other holders
    // Tables this actor counts for others after its own execve gave it private copies (unshare_files,
    // unshare_sighand): the others' fd table and signal actions, changed here.
    public final Map<String, List<String>> keptFds = new HashMap<>();
    public final Map<String, Map<Integer, SigAction>> keptSigactions = new HashMap<>();

    // ---- run state ----------------------------------------------------------------------------
    public RunState state = RunState.NEW;
    public ExitState exitState = ExitState.NONE; // tasklist_lock; cmpxchg in wait_task_zombie
    public boolean pfExiting; // PF_EXITING (set by exit_signals under siglock)
    public int exitCode; // task->exit_code as wait reports it
    public int cpu; // task_cpu(): where it last ran
    public long sleepLeft; // restart_block: what an interrupted nanosleep has left

    // ---- references to the task_struct itself -------------------------------------------------
    public int usage = 1; // task->usage
    public int rcuUsers = 2; // task->rcu_users: the reaper and the scheduler
    public boolean stackLive; // kernel stack still allocated (stack_refcount 1)
    public boolean taskStructLive;
    public boolean credLive;
    public boolean signalLive;
    public boolean unhashed; // __unhash_process ran (release_task); under write_lock(tasklist_lock)

    // ---- resources ----------------------------------------------------------------------------
    public String mm; // task->mm (task_lock); null after exit_mm
    public String activeMm; // task->active_mm: kept lazily after exit_mm
    public final List<String> fds = new ArrayList<>(); // files->fdt (files->file_lock); null = closed
    public final List<String> taskWork = new ArrayList<>(); // files waiting for ____fput
    public String semUndo; // task->sysvsem.undo_list
    public ActorRef<TaskCmd> vforkParent; // task->vfork_done: the parent waiting in wait_for_vfork_done
    public int shmCreated; // shm segments this task created (shm_creator)
    public boolean didExec; // an execve succeeded (setpgid by the parent: EACCES)

    // ---- signals (sighand->siglock) -----------------------------------------------------------
    public final Map<Integer, SigAction> sigactions = new TreeMap<>();
    public final TreeSet<Integer> pending = new TreeSet<>();
    public boolean stopped; // TASK_STOPPED after do_signal_stop (SIGNAL_STOP_STOPPED)
    public int stopCode; // signal->group_exit_code: the stop not yet reported to a waiter
    public boolean contReport; // SIGNAL_STOP_CONTINUED: a continue not yet reported
    public boolean cldContinuedPending; // SIGNAL_CLD_CONTINUED: the parent is yet to be told

    // ---- the program (user space) -------------------------------------------------------------
    public int pc;
    public final Deque<int[]> loops = new ArrayDeque<>(); // repeat frames: {repeat step, rounds left}
    public final Map<String, Long> vars = new TreeMap<>();

    // ---- the kernel path in progress ----------------------------------------------------------
    public Frame frame; // the path's locals and where it waits; null in user mode
    public int step = -1; // program step of the system call in progress
    public String op = "";

    // ---- locks (lockdep's per-task held_lock stack; owned by the task itself) ----------------
    public final List<HeldLock> held = new ArrayList<>(); // innermost last
    public IrqKind irq; // the interrupt handler running on this task's stack, or null
    public LockSlept lockSleep; // asleep on this contended mutex / rw_semaphore, or null
    public LockWaitCancelled lockCancelled; // a wait a fatal signal cancelled; its lock, if granted, is dropped
    public HeldLock lockWoken; // handed that sleeping lock while asleep: the path goes on when it runs

    /** Interrupts are off: a held lock was taken with _irq / _irqsave, or an interrupt handler runs. */
    public boolean irqsOff() {
        if (irq != null) return true;
        for (HeldLock h : held) {
            if (h.irq().disables()) return true;
        }
        return false;
    }

    /** The step where the kernel path waits, or null in user mode. */
    public PathStep step() {
        return frame == null ? null : frame.step();
    }

    /** Is the kernel path waiting at {@code st}? */
    public boolean at(PathStep st) {
        return frame != null && frame.step() == st;
    }

    public SigAction sigaction(int sig) {
        return sigactions.getOrDefault(sig, SigAction.DEFAULT);
    }

    public boolean ownsLiveObjects() {
        return taskStructLive || stackLive || credLive || signalLive || !refs.isEmpty();
    }

    /** thread_group_leader(). */
    public boolean isLeader() {
        return leaderKey.isEmpty() || leaderKey.equals(key);
    }

    /** Does this task's actor count references on {@code object} (it allocated it)? */
    public boolean counts(String object) {
        return object != null && !objOwner.containsKey(object);
    }

    /** Is {@code object} used by more than this task (another task holds a reference)? */
    public boolean shared(String object) {
        return object != null && (objOwner.containsKey(object) || refs.containsKey(object));
    }

    /** Does another task hold a reference on {@code object} right now (its count is above one)? */
    public boolean sharedNow(String object) {
        return object != null && (objOwner.containsKey(object) || refs.getOrDefault(object, 1) > 1);
    }

    /** The wait status a waiter reports: signal->group_exit_code after a group exit, else exit_code. */
    public int waitStatus() {
        return groupExit ? groupExitCode : exitCode;
    }

    @Override
    public void apply(TaskEvent e) {
        if (e instanceof Created c) {
            TaskInit i = c.init();
            key = i.key();
            comm = i.comm();
            program = i.program();
            kthread = i.kernelThread();
            parentKey = i.parentKey();
            ppid = i.ppid();
            parent = i.parent();
            vars.putAll(i.vars());
            sigactions.putAll(i.sigactions());
            fds.addAll(i.files());
            pgid = i.pgid();
            sid = i.sid();
            cpu = i.cpu();
            hasChildSubreaper = i.hasChildSubreaper();
            exitSignal = i.exitSignal();
            rlimitCore = i.rlimitCore();
            rlimitCoreMax = i.rlimitCoreMax();
            objects = c.objects();
            if (i.group() != null) {
                leaderKey = i.group().leaderKey();
                leader = i.group().leader();
                tgid = i.group().tgid();
            } else {
                leaderKey = key;
            }
            for (TaskInit.SharedRef r : i.shared().values()) objOwner.put(r.object(), r.owner());
            TaskInit.SharedRef undo = i.shared().get(ObjType.SEM_UNDO_LIST.kernelName);
            if (undo != null) semUndo = undo.object();
            taskStructLive = stackLive = credLive = signalLive = true;
            if (kthread) state = RunState.SLEEPING; // kthreadd waits for kthread_create requests
        } else if (e instanceof Attached a) {
            pid = a.pid();
            tgid = a.tgid() == 0 ? a.pid() : a.tgid();
            TaskCmd.NsView v = a.ns();
            nsId = v == null ? 0 : v.ns();
            nsLevel = v == null ? 0 : v.level();
            vpid = v == null ? pid : v.vpid();
            vtgid = v == null ? tgid : v.vtgid();
            vppid = v == null ? ppid : v.vppid();
            if (v != null) {
                nsReaperKey = v.reaperKey();
                nsReaper = v.reaper();
                nsReaperPid = v.reaperPid();
            }
            pidObject = a.pidObject();
            mm = a.mm();
            activeMm = a.mm();
            if (a.pgid() >= 0) pgid = a.pgid() == 0 ? a.pid() : a.pgid();
            if (a.sid() >= 0) sid = a.sid() == 0 ? a.pid() : a.sid();
            vforkParent = a.vforkParent();
            TaskCmd.Link l = a.link();
            if (l != null) {
                parentKey = l.parentKey();
                ppid = l.ppid();
                parent = l.parent();
                exitSignal = l.exitSignal();
                hasChildSubreaper = l.hasChildSubreaper();
            }
        } else if (e instanceof VforkReleased) {
            vforkParent = null;
        } else if (e instanceof Execed x) {
            didExec = true;
            program = x.program();
            comm = x.comm();
            mm = x.mm();
            activeMm = x.mm();
            pc = 0;
            loops.clear();
            // flush_signal_handlers: caught signals go back to SIG_DFL; ignored ones stay ignored.
            sigactions.replaceAll((sig, a) -> a.handler().equals("catch") ? SigAction.DEFAULT : a);
        } else if (e instanceof ForkUndone) {
            state = RunState.FREED;
            taskStructLive = stackLive = credLive = signalLive = false;
        } else if (e instanceof RanOn r) {
            cpu = r.cpu();
            if (state == RunState.NEW || state == RunState.SLEEPING) state = RunState.RUNNING;
        } else if (e instanceof SyscallEntered s) {
            step = s.step();
            op = s.op();
        } else if (e instanceof SyscallReturned r) {
            // For the wait family $var receives the wait status (contract §2); otherwise the return value.
            // waitid: si_pid. wait4: the status. Otherwise the return value.
            if (r.var() != null) {
                vars.put(
                        r.var(),
                        r.siginfo() != null
                                ? (long) r.siginfo().pid()
                                : r.status() != null ? (long) r.status().raw() : r.ret());
            }
            pc = r.pc();
            loops.clear();
            for (int[] f : r.loops()) loops.addLast(f.clone());
            step = -1;
            op = "";
            frame = null;
        } else if (e instanceof Looped l) {
            pc = l.pc();
            loops.clear();
            for (int[] f : l.loops()) loops.addLast(f.clone());
        } else if (e instanceof FrameChanged f) {
            frame = f.frame();
        } else if (e instanceof SleepInterrupted x) {
            sleepLeft = x.left();
        } else if (e instanceof SleepRestarted x) {
            sleepLeft = 0;
        } else if (e instanceof LockAcquired a) {
            held.add(a.lock());
            if (lockCancelled != null && a.lock().sameLock(lockCancelled.cls(), lockCancelled.instance())) {
                lockCancelled = null; // handed over before the cancel reached the lock: released at once
            } else if (lockSleep != null) {
                lockSleep = null;
                lockWoken = a.lock();
            }
        } else if (e instanceof LockReleased r) {
            for (int i = held.size() - 1; i >= 0; i--) {
                if (held.get(i).sameLock(r.cls(), r.instance())) {
                    held.remove(i);
                    break;
                }
            }
        } else if (e instanceof LockSlept l) {
            lockSleep = l;
            state = RunState.SLEEPING;
        } else if (e instanceof LockWaitCancelled c) {
            lockSleep = null;
            lockCancelled = c;
        } else if (e instanceof LockWoken) {
            lockWoken = null;
        } else if (e instanceof IrqEntered i) {
            irq = i.kind();
        } else if (e instanceof IrqExited) {
            irq = null;
        } else if (e instanceof Slept s) {
            state = RunState.SLEEPING;
        } else if (e instanceof Woken w) {
            if (state == RunState.SLEEPING || state == RunState.STOPPED) state = RunState.RUNNING;
        } else if (e instanceof ChildAdded c) {
            children.put(c.child().key(), c.child());
        } else if (e instanceof ChildChanged c) {
            children.put(c.child().key(), c.child());
        } else if (e instanceof ChildRemoved c) {
            children.remove(c.key());
        } else if (e instanceof FilesOpened f) {
            fds.addAll(f.files());
        } else if (e instanceof FileClosed f) {
            fds.set(f.fd(), null);
        } else if (e instanceof TaskWorkQueued t) {
            taskWork.addAll(t.files());
        } else if (e instanceof TaskWorkRan t) {
            taskWork.removeAll(t.files());
        } else if (e instanceof SigactionSet s) {
            sigactions.put(s.sig(), s.action());
        } else if (e instanceof PgidSet p) {
            pgid = p.pgid();
            sid = p.sid();
        } else if (e instanceof SubreaperSet r) {
            isChildSubreaper = r.on();
        } else if (e instanceof HasChildSubreaperSet) {
            hasChildSubreaper = true;
        } else if (e instanceof PdeathSignalSet x) {
            pdeathSignal = x.sig();
        } else if (e instanceof RlimitSet x) {
            rlimitCore = x.cur();
            rlimitCoreMax = x.max();
        } else if (e instanceof SemUndoAllocated s) {
            semUndo = s.object();
        } else if (e instanceof SignalReceived s) {
            // SIGCONT with the default action continues (see Continued) and is not left pending.
            if (!s.disposition().equals("ignored") && !s.disposition().equals("continue")) pending.add(s.sig());
        } else if (e instanceof SignalsDelivered s) {
            pending.removeAll(s.sigs());
        } else if (e instanceof SignalsDiscarded s) {
            pending.removeAll(s.sigs());
        } else if (e instanceof Stopped x) {
            stopped = true;
            stopCode = x.sig();
            contReport = false;
            state = RunState.STOPPED;
        } else if (e instanceof Continued) {
            stopped = false;
            stopCode = 0;
            contReport = true;
            cldContinuedPending = true;
            state = RunState.RUNNING;
        } else if (e instanceof CldContinuedSent) {
            cldContinuedPending = false;
        } else if (e instanceof StopReported) {
            stopCode = 0;
        } else if (e instanceof ContinueReported) {
            contReport = false;
        } else if (e instanceof PfExitingSet p) {
            pfExiting = true;
            exitCode = p.status();
        } else if (e instanceof MmReleased) {
            mm = null;
        } else if (e instanceof SemUndoReleased) {
            semUndo = null;
        } else if (e instanceof FilesReleased) {
            fds.clear();
        } else if (e instanceof ChildrenReparented c) {
            for (String k : c.children()) {
                children.remove(k);
                reparentedTo.put(k, c.toRef());
            }
        } else if (e instanceof Reparented r) {
            parentKey = r.toKey();
            ppid = r.to();
            parent = r.toRef();
            vppid = r.toVpid();
            // reparent_leader: "we don't want people slaying init" (a thread's -1 and a threaded reparent stay).
            if (exitSignal >= 0 && !r.why().equals("thread-group")) exitSignal = Sig.SIGCHLD;
        } else if (e instanceof BecameZombie z) {
            exitState = ExitState.ZOMBIE;
            exitCode = z.status();
        } else if (e instanceof BecameDead d) {
            exitState = ExitState.DEAD;
            exitCode = d.status();
            if (state == RunState.ZOMBIE) state = RunState.DEAD; // reparent_leader's autoreap of a zombie
        } else if (e instanceof TaskDead) {
            // active_mm stays: context_switch hands it to the CPU (rq->prev_mm) when it switches away.
            state = exitState == ExitState.ZOMBIE ? RunState.ZOMBIE : RunState.DEAD;
        } else if (e instanceof ReapedBy) {
            exitState = ExitState.DEAD;
            if (state == RunState.ZOMBIE) state = RunState.DEAD;
        } else if (e instanceof Unhashed) {
            unhashed = true;
        } else if (e instanceof RcuUserDropped r) {
            rcuUsers = r.rcuUsers();
        } else if (e instanceof StackFreed) {
            stackLive = false;
        } else if (e instanceof TaskStructRef x) {
            usage = x.usage();
        } else if (e instanceof TaskStructFreed) {
            usage = 0;
            taskStructLive = false;
            signalLive = false;
            stackLive = false;
            state = RunState.FREED;
        } else if (e instanceof CredFreed) {
            credLive = false;
        } else if (e instanceof ThreadStopNoted x) {
            stoppedThreads.add(x.key());
        } else if (e instanceof GroupStopped x) {
            groupStopped = true;
            stopCode = x.sig();
            contReport = false;
        } else if (e instanceof GroupContinued) {
            groupStopped = false;
            stoppedThreads.clear();
            stopCode = 0;
            contReport = true;
        } else if (e instanceof ThreadAdded x) {
            threads.put(x.thread().key(), x.thread());
        } else if (e instanceof ThreadMarkedExiting x) {
            threads.computeIfPresent(x.key(), (k, v) -> v.markedExiting());
        } else if (e instanceof ThreadRemoved x) {
            threads.remove(x.key());
        } else if (e instanceof GroupExitSet g) {
            groupExit = true;
            groupExitCode = g.code();
        } else if (e instanceof Zapped z) {
            groupExitCode = z.code();
        } else if (e instanceof LeaderDelayed) {
            leaderDelayed = true;
        } else if (e instanceof LeaderNotifying n) {
            leaderDelayed = false;
            releaser = n.releaser();
            releasedThread = n.thread();
        } else if (e instanceof FilesUnshared x) {
            String old = objects.filesStruct();
            if (!objOwner.containsKey(old) && refs.containsKey(old)) keptFds.put(old, new ArrayList<>(fds));
            objOwner.remove(old);
            objects = objects.withFilesStruct(x.object());
        } else if (e instanceof ShmSegmentCreated) {
            shmCreated++;
        } else if (e instanceof KthreadRequested x) {
            kthreadQueue.add(x);
        } else if (e instanceof KthreadDequeued) {
            kthreadQueue.remove(0);
        } else if (e instanceof KthreadStopRequested x) {
            shouldStop = true;
            stopper = x.stopper();
        } else if (e instanceof PidNsUnshared x) {
            childNs = x.ns();
        } else if (e instanceof ChildNsReaperSet x) {
            childNsReaperKey = x.key();
            childNsReaper = x.ref();
            childNsReaperPid = x.pid();
        } else if (e instanceof SighandUnshared x) {
            String old = objects.sighand();
            if (!objOwner.containsKey(old) && refs.containsKey(old)) keptSigactions.put(old, new TreeMap<>(sigactions));
            objOwner.remove(old);
            objects = objects.withSighand(x.object());
        } else if (e instanceof KeptTableChanged x) {
            if (x.change() instanceof FilesOpened f) keptFds.get(x.table()).addAll(f.files());
            else if (x.change() instanceof FileClosed f) keptFds.get(x.table()).set(f.fd(), null);
            else if (x.change() instanceof SigactionSet a)
                keptSigactions.get(x.table()).put(a.sig(), a.action());
        } else if (e instanceof KeptTableFreed x) {
            keptFds.remove(x.table());
            keptSigactions.remove(x.table());
        } else if (e instanceof GroupExecStarted x) {
            groupExecKey = x.key();
            groupExecRef = x.requester();
        } else if (e instanceof ExitSignalReset x) {
            exitSignal = x.exitSignal();
        } else if (e instanceof GroupExecDone) {
            groupExecKey = null;
            groupExecRef = null;
        } else if (e instanceof TookLeadership x) {
            TaskCmd.Takeover k = x.from();
            pid = k.tgid();
            vpid = vtgid;
            pidObject = k.pidObject();
            leaderKey = key;
            leader = null;
            parentKey = k.parentKey();
            ppid = k.ppid();
            parent = k.parent();
            exitSignal = Sig.SIGCHLD; // de_thread: tsk->exit_signal = SIGCHLD; leader->exit_signal = -1
            threads.clear();
        } else if (e instanceof Demoted x) {
            leaderKey = x.leaderKey();
            leader = x.leader();
            pid = x.tid();
            vpid = x.vtid();
            pidObject = x.pidObject();
            exitSignal = -1;
            threads.clear();
        } else if (e instanceof SharedTaken x) {
            refs.put(x.object(), x.refs());
            sharers.computeIfAbsent(x.object(), o -> new LinkedHashMap<>()).put(x.holder(), x.holderRef());
        } else if (e instanceof SharedDropped x) {
            var holders = sharers.get(x.object());
            if (holders != null) holders.remove(x.holder());
            if (x.refs() > 0) {
                refs.put(x.object(), x.refs());
            } else {
                refs.remove(x.object());
                sharers.remove(x.object());
            }
        }
    }
}
