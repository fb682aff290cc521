package dev.kmodel.kernel.rcu;

import dev.kmodel.kernel.Ctx;
import dev.kmodel.kernel.MsgId;

/**
 * An RCU callback being invoked after its grace period (rcu_do_batch), delivered to the actor that
 * owns the object: e.g. {@code delayed_put_task_struct} to a task, {@code delayed_put_pid} to the
 * pid allocator.
 */
public record RcuCallback(MsgId id, String function, String object, Ctx ctx) {}
