package dev.kmodel.kernel;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.persistence.typed.javadsl.CommandHandler;
import akka.persistence.typed.javadsl.Effect;
import com.typesafe.config.Config;
import dev.kmodel.fs.FileTable;
import dev.kmodel.ipc.SysvIpc;
import dev.kmodel.kernel.locking.LockActor;
import dev.kmodel.kernel.locking.LockClass;
import dev.kmodel.kernel.pid.PidAllocator;
import dev.kmodel.kernel.rcu.RcuManager;
import dev.kmodel.kernel.sched.Cpu;
import dev.kmodel.kernel.task.SigAction;
import dev.kmodel.kernel.task.Task;
import dev.kmodel.kernel.task.TaskCmd;
import dev.kmodel.kernel.task.TaskInit;
import dev.kmodel.kernel.time.TimeKeeper;
import dev.kmodel.ledger.LedgerEntry;
import dev.kmodel.ledger.LedgerEvent;
import dev.kmodel.ledger.Ledgered;
import dev.kmodel.ledger.ObjType;
import dev.kmodel.mm.Mmu;
import dev.kmodel.mm.MmuCmd;
import dev.kmodel.scenario.Scenario;
import dev.kmodel.uapi.Sig;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The machine (init/main.c and the slab caches of kernel/fork.c): it starts the subsystem actors and
 * the CPUs, boots pid 1 (init) and pid 2 (kthreadd) as start_kernel → rest_init does, spawns the
 * actor of every task_struct that copy_process allocates, and owns init_nsproxy.
 */
public final class Kernel extends KernelActor<KernelCmd, Kernel.Event, Kernel.State> {
    public static final String INIT_PROGRAM = "<init>";
    /** The first two task_structs spawned: pid 1 and pid 2. */
    public static final String INIT_KEY = "task-1", KTHREADD_KEY = "task-2";

    public sealed interface Event extends KEvent {}

    public record TaskSpawned(MsgId cause, String key, String forTask) implements Event {}

    public record NsproxyRef(MsgId cause, LedgerEntry entry) implements Event, Ledgered {
        public List<LedgerEntry> ledger() {
            return List.of(entry);
        }
    }

    public record BootStep(MsgId cause, String step) implements Event {}

    /** Owned by this actor alone. */
    public static final class State implements Folds<Event> {
        int spawned;
        int nsproxyCount = 1; // init_nsproxy: one reference for the kernel itself
        String boot = "start";

        @Override
        public void apply(Event e) {
            if (e instanceof TaskSpawned) spawned++;
            if (e instanceof NsproxyRef n) nsproxyCount = n.entry().refcount();
            if (e instanceof BootStep b) boot = b.step();
        }
    }

    private final ActorContext<KernelCmd> ctx;
    private final Env env;
    private final List<ActorRef<TaskCmd>> tasks = new ArrayList<>();
    private final ActorRef<MmuCmd.MmReply> mmReplies;
    private final ActorRef<PidAllocator.PidReply> pidReplies;
    private final ActorRef<TaskCmd.Copied> copied;

    public static Behavior<KernelCmd> create(Scenario scenario, Config config) {
        return Behaviors.setup(ctx -> new Kernel(ctx, scenario, config));
    }

    private Kernel(ActorContext<KernelCmd> ctx, Scenario scenario, Config config) {
        super("kernel", ctx);
        this.ctx = ctx;
        ActorRef<RcuManager.Cmd> rcu = ctx.spawn(RcuManager.create(), "rcu");
        ActorRef<MmuCmd> mmu = ctx.spawn(Mmu.create(), "mmu");
        ActorRef<PidAllocator.Cmd> pids = ctx.spawn(PidAllocator.create(scenario.pidMax(), rcu), "pid");
        Map<LockClass, ActorRef<LockActor.Cmd>> locks = new EnumMap<>(LockClass.class);
        for (LockClass c : LockClass.values()) {
            if (c.actor != null) locks.put(c, ctx.spawn(LockActor.create(c), c.actor));
        }
        ActorRef<FileTable.Cmd> files = ctx.spawn(FileTable.create(), "files");
        long slice = config.getLong("kmodel.timeslice-ticks");
        long jiffy = config.getLong("kmodel.ticks-per-jiffy");
        ActorRef<TimeKeeper.Cmd> time = ctx.spawn(TimeKeeper.create(), "time");
        List<ActorRef<Cpu.Cmd>> cpus = new ArrayList<>();
        for (int i = 0; i < scenario.cpus(); i++)
            cpus.add(ctx.spawn(Cpu.create(i, slice, jiffy, rcu, mmu, time), "cpu" + i));
        ActorRef<SysvIpc.Cmd> ipc = ctx.spawn(SysvIpc.create(), "ipc");
        this.env = new Env(
                scenario,
                config,
                ctx.getSelf(),
                mmu,
                pids,
                Collections.unmodifiableMap(locks),
                rcu,
                files,
                List.copyOf(cpus),
                null,
                ipc);
        this.mmReplies = ctx.messageAdapter(MmuCmd.MmReply.class, KernelCmd.MmDone::new);
        this.pidReplies = ctx.messageAdapter(PidAllocator.PidReply.class, KernelCmd.PidDone::new);
        this.copied = ctx.messageAdapter(TaskCmd.Copied.class, KernelCmd.Booted::new);
        rcu.tell(new RcuManager.AttachCpus(send.next(), List.copyOf(cpus)));
    }

    @Override
    public State emptyState() {
        return new State();
    }

    @Override
    protected void recovered(State s) {
        if (s.boot.equals("start")) ctx.getSelf().tell(new KernelCmd.StartKernel(send.next()));
    }

    @Override
    protected CommandHandler<KernelCmd, KEvent, State> handlers() {
        return newCommandHandlerBuilder()
                .forAnyState()
                .onCommand(KernelCmd.StartKernel.class, this::startKernel)
                .onCommand(KernelCmd.AllocTask.class, this::allocTask)
                .onCommand(KernelCmd.NsproxyRef.class, this::nsproxy)
                .onCommand(KernelCmd.Booted.class, this::booted)
                .onCommand(KernelCmd.MmDone.class, this::initMm)
                .onCommand(KernelCmd.PidDone.class, this::bootPid)
                .onCommand(KernelCmd.ListTasks.class, (s, c) -> {
                    c.replyTo().tell(List.copyOf(tasks));
                    return Effect().none();
                })
                .onCommand(KernelCmd.GetEnv.class, (s, c) -> {
                    c.replyTo().tell(env);
                    return Effect().none();
                })
                .build();
    }

    private ActorRef<TaskCmd> spawn(State s, MsgId cause, String forTask) {
        String key = "task-" + (s.spawned + 1);
        emit(s, new TaskSpawned(cause, key, forTask));
        Env e = tasks.isEmpty() ? env : env.withInit(tasks.get(0));
        ActorRef<TaskCmd> ref = ctx.spawn(Task.create(key, e), key);
        tasks.add(ref);
        return ref;
    }

    /** alloc_task_struct_node: the new task_struct is a new actor. */
    private Effect<KEvent, State> allocTask(State s, KernelCmd.AllocTask c) {
        ActorRef<TaskCmd> ref = spawn(s, c.id(), c.ctx().task());
        String key = "task-" + s.spawned;
        later(() -> c.replyTo().tell(new TaskCmd.Spawned(send.next(), key, ref)));
        return commit();
    }

    private Effect<KEvent, State> nsproxy(State s, KernelCmd.NsproxyRef c) {
        int n = s.nsproxyCount + (c.get() ? 1 : -1);
        emit(
                s,
                new NsproxyRef(
                        c.id(),
                        LedgerEntry.of(
                                "nsproxy#init",
                                ObjType.NSPROXY,
                                "kernel",
                                c.get() ? LedgerEvent.GET : LedgerEvent.PUT,
                                n,
                                c.holder(),
                                c.ctx())));
        return commit();
    }

    // ---- boot: rest_init → kernel_init (pid 1) and kthreadd (pid 2) ---------------------------

    /** start_kernel → rest_init: user_mode_thread(kernel_init) becomes pid 1. */
    private Effect<KEvent, State> startKernel(State s, KernelCmd.StartKernel c) {
        MsgId cause = c.id();
        emit(s, new BootStep(cause, "init-copy"));
        ActorRef<TaskCmd> init = spawn(s, cause, "swapper");
        TaskInit ti = TaskInit.boot(
                INIT_KEY,
                "init",
                INIT_PROGRAM,
                Map.of(),
                false,
                "rest_init/user_mode_thread/kernel_clone/copy_process");
        later(() -> init.tell(new TaskCmd.Start(send.next(), ti, copied)));
        return commit();
    }

    private Effect<KEvent, State> booted(State s, KernelCmd.Booted b) {
        MsgId cause = b.copied().id();
        if (s.boot.equals("init-copy")) {
            // kernel_init → run_init_process → execve("/sbin/init"): init gets its first address space.
            emit(s, new BootStep(cause, "init-mm"));
            Ctx c = new Ctx(INIT_KEY, 1, 0, "kernel_init/run_init_process/kernel_execve/bprm_mm_init");
            later(() -> env.mmu().tell(new MmuCmd.MmAlloc(send.next(), 0, c, mmReplies)));
        } else if (s.boot.equals("kthreadd-copy")) {
            emit(s, new BootStep(cause, "kthreadd-pid"));
            Ctx c = new Ctx("swapper", 0, 0, "rest_init/kernel_thread/kernel_clone/copy_process");
            later(() -> env.pids().tell(new PidAllocator.AllocPid(send.next(), KTHREADD_KEY, c, pidReplies)));
        }
        return commit();
    }

    private String initMm;

    private Effect<KEvent, State> initMm(State s, KernelCmd.MmDone m) {
        initMm = m.reply().mm();
        emit(s, new BootStep(m.reply().id(), "init-pid"));
        Ctx c = new Ctx("swapper", 0, 0, "rest_init/user_mode_thread/kernel_clone/copy_process");
        later(() -> env.pids().tell(new PidAllocator.AllocPid(send.next(), INIT_KEY, c, pidReplies)));
        return commit();
    }

    private Effect<KEvent, State> bootPid(State s, KernelCmd.PidDone p) {
        MsgId cause = p.reply().id();
        Ctx c = new Ctx("swapper", 0, 0, "rest_init");
        if (s.boot.equals("init-pid")) {
            ActorRef<TaskCmd> init = tasks.get(0);
            int pid = p.reply().pid();
            String obj = p.reply().object();
            String mm = initMm;
            emit(s, new BootStep(cause, "kthreadd-copy"));
            later(() -> {
                init.tell(new TaskCmd.Attach(send.next(), pid, 0, null, obj, mm, 0, 0, null, c, null));
                env.pids()
                        .tell(new PidAllocator.AttachPid(
                                send.next(), pid, pid, INIT_KEY, "init", 0, 0, 0, init, c.in("attach_pid")));
            });
            // rest_init → kernel_thread(kthreadd): pid 2, a kernel thread without an mm.
            ActorRef<TaskCmd> kthreadd = spawn(s, cause, "swapper");
            // kthreadd ignores every signal (ignore_signals): its children, the kernel threads, release
            // themselves when they exit.
            Map<Integer, SigAction> ignored = Map.of(Sig.SIGCHLD, new SigAction("SIG_IGN", false, false));
            TaskInit ti = TaskInit.boot(
                    KTHREADD_KEY, "kthreadd", "", ignored, true, "rest_init/kernel_thread/kernel_clone/copy_process");
            later(() -> kthreadd.tell(new TaskCmd.Start(send.next(), ti, copied)));
        } else if (s.boot.equals("kthreadd-pid")) {
            ActorRef<TaskCmd> kthreadd = tasks.get(1);
            ActorRef<TaskCmd> init = tasks.get(0);
            int pid = p.reply().pid();
            String obj = p.reply().object();
            emit(s, new BootStep(cause, "running"));
            String mm = initMm;
            later(() -> {
                kthreadd.tell(new TaskCmd.Attach(send.next(), pid, 0, null, obj, null, 0, 0, null, c, null));
                env.pids()
                        .tell(new PidAllocator.AttachPid(
                                send.next(),
                                pid,
                                pid,
                                KTHREADD_KEY,
                                "kthreadd",
                                0,
                                0,
                                0,
                                kthreadd,
                                c.in("attach_pid")));
                // Boot is done: init becomes runnable on CPU 0 (kthreadd sleeps until asked for threads).
                env.cpus().get(0).tell(new Cpu.Enqueue(send.next(), new Cpu.Rq(INIT_KEY, 1, init, mm)));
            });
        }
        return commit();
    }
}
