package dev.kmodel.kernel;

import akka.actor.typed.ActorRef;
import dev.kmodel.kernel.pid.PidAllocator;
import dev.kmodel.kernel.task.TaskCmd;
import dev.kmodel.mm.MmuCmd;
import java.util.List;

/** Messages to the Kernel actor. */
public sealed interface KernelCmd {

    /** alloc_task_struct_node: a new Task actor for copy_process; the answer is TaskCmd.Spawned. */
    record AllocTask(MsgId id, Ctx ctx, ActorRef<TaskCmd> replyTo) implements KernelCmd {}

    /** get_nsproxy / put_nsproxy on init_nsproxy, which the Kernel owns (it is never freed). */
    record NsproxyRef(MsgId id, boolean get, String holder, Ctx ctx) implements KernelCmd {}

    /** Boot steps report back (init, kthreadd). */
    record Booted(TaskCmd.Copied copied) implements KernelCmd {}

    /** rest_init: boot pid 1 and pid 2 (sent to itself once recovery is done). */
    record StartKernel(MsgId id) implements KernelCmd {}

    record MmDone(MmuCmd.MmReply reply) implements KernelCmd {}

    record PidDone(PidAllocator.PidReply reply) implements KernelCmd {}

    /** The machine as the driver sees it. */
    record GetEnv(ActorRef<Env> replyTo) implements KernelCmd, Probe {}

    /** All Task actors spawned so far (for quiescence probes and the audit). */
    record ListTasks(MsgId id, ActorRef<List<ActorRef<TaskCmd>>> replyTo) implements KernelCmd, Probe {}
}
