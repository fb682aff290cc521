package dev.kmodel.kernel;

import akka.actor.typed.ActorRef;
import com.typesafe.config.Config;
import dev.kmodel.fs.FileTable;
import dev.kmodel.ipc.SysvIpc;
import dev.kmodel.kernel.locking.LockActor;
import dev.kmodel.kernel.locking.LockClass;
import dev.kmodel.kernel.pid.PidAllocator;
import dev.kmodel.kernel.rcu.RcuManager;
import dev.kmodel.kernel.sched.Cpu;
import dev.kmodel.kernel.task.TaskCmd;
import dev.kmodel.mm.MmuCmd;
import dev.kmodel.scenario.Scenario;
import java.util.List;
import java.util.Map;

/** The machine a task lives in: the subsystem actors it talks to and the scenario it runs. */
public record Env(
        Scenario scenario,
        Config config,
        ActorRef<KernelCmd> kernel,
        ActorRef<MmuCmd> mmu,
        ActorRef<PidAllocator.Cmd> pids,
        Map<LockClass, ActorRef<LockActor.Cmd>> locks,
        ActorRef<RcuManager.Cmd> rcu,
        ActorRef<FileTable.Cmd> files,
        List<ActorRef<Cpu.Cmd>> cpus,
        ActorRef<TaskCmd> init,
        ActorRef<SysvIpc.Cmd> ipc) {

    public Env withInit(ActorRef<TaskCmd> initRef) {
        return new Env(scenario, config, kernel, mmu, pids, locks, rcu, files, cpus, initRef, ipc);
    }

    /** The actor holding every lock of class {@code c}. */
    public ActorRef<LockActor.Cmd> lock(LockClass c) {
        return locks.get(c);
    }
}
