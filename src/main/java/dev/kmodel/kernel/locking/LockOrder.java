package dev.kmodel.kernel.locking;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The model's lock order, written down: every nesting of two lock classes the lifecycle's paths take
 * (one {@link Edge} per place that takes it, as in Linux v6.1), which classes an interrupt handler
 * takes and how, and what that obliges process context to do with interrupts. It is data to read
 * ({@code kmodel locks --order}) and to check against: every dependency lockdep sees in a run of the
 * shipped scenarios must be one of these edges (LocksCommandTest), and the order must have no cycle
 * (LockOrderTest). A fault ({@code scenario.Fault}) takes a lock out of this order on purpose.
 *
 * <p>Not here: dup_mmap's {@code mmap_write_lock_nested} of the child's new mm inside the parent's
 * (lockdep's SINGLE_DEPTH_NESTING, subclass 1): the model takes the
 * parent's mmap_lock for write around the copy, but the new mm is the MMU's until it answers, so no
 * run has that nesting. Page faults, mmap and dup_mmap take an mmap_lock with nothing else held.
 *
 * <p>An edge is lockdep's: {@code outer} is the innermost lock held when {@code inner} is taken. So a
 * path holding A, B and taking C adds B → C, not A → C (the order A → C follows from A → B → C).
 */
public final class LockOrder {
    private LockOrder() {}

    /**
     * {@code outer} is held when {@code inner} is taken, at {@code kernelFunction} in {@code kernelFile}
     * (a call chain is written {@code a → b}); {@code note}: how, and why it is safe.
     */
    public record Edge(LockClass outer, LockClass inner, String kernelFile, String kernelFunction, String note) {
        /** lockdep's name of the outer class. */
        public String from() {
            return outer.lockdepName;
        }

        /** lockdep's name of the inner class. */
        public String to() {
            return inner.lockdepName;
        }
    }

    /**
     * A class an interrupt handler takes (lockdep's IN-HARDIRQ usage): in which mode, with which of the
     * lock API's calls (its irq suffix), where.
     */
    public record InIrq(
            LockClass cls, LockMode mode, IrqMode irq, String acquire, String kernelFile, String kernelFunction) {}

    /**
     * What taking {@code cls} in {@code mode} from process context must do to interrupts: one of
     * {@code allowed} (the suffixes {@code _irq}, {@code _irqsave}, or none); {@code nestedOk}: a plain
     * call is also right where interrupts are already off (nested inside an {@code _irq} lock).
     */
    public record IrqRule(LockClass cls, LockMode mode, Set<IrqMode> allowed, boolean nestedOk, String why) {
        public IrqRule {
            allowed = Collections.unmodifiableSet(EnumSet.copyOf(allowed)); // in IrqMode's order
        }

        /** Does an acquisition with {@code irq} keep the rule ({@code irqsOff}: interrupts were already off)? */
        public boolean allows(IrqMode irq, boolean irqsOff) {
            return allowed.contains(irq) || (nestedOk && irqsOff);
        }

        /** The calls allowed, as the kernel spells the suffixes. */
        public String calls() {
            List<String> s = new ArrayList<>();
            for (IrqMode m : allowed) s.add(m == IrqMode.KEEP ? "(no suffix)" : m.suffix);
            return String.join(" / ", s) + (nestedOk ? " (none when nested with interrupts off)" : "");
        }
    }

    private static final LockClass TASKLIST = LockClass.TASKLIST_LOCK,
            SIGLOCK = LockClass.SIGLOCK,
            ALLOC = LockClass.ALLOC_LOCK,
            PIDMAP = LockClass.PIDMAP_LOCK,
            MMAP = LockClass.MMAP_LOCK,
            RWSEM = LockClass.CGROUP_THREADGROUP_RWSEM,
            CRED = LockClass.CRED_GUARD_MUTEX,
            EXEC = LockClass.EXEC_UPDATE_LOCK,
            RCU = LockClass.RCU_READ_LOCK;

    /** Every nesting the model takes, outermost classes first; one row per place that takes it. */
    public static final List<Edge> EDGES = List.of(
            new Edge(
                    CRED,
                    EXEC,
                    "fs/exec.c",
                    "begin_new_exec → exec_mmap",
                    "down_write_killable(&sig->exec_update_lock) under prepare_bprm_creds's mutex"),
            new Edge(
                    CRED,
                    RWSEM,
                    "fs/exec.c",
                    "begin_new_exec → de_thread",
                    "a non-leader thread takes the leader's place: cgroup_threadgroup_change_begin"),
            new Edge(
                    CRED,
                    TASKLIST,
                    "fs/exec.c",
                    "de_thread → kernel/exit.c release_task",
                    "the old leader is released (write_lock_irq) while exec still holds cred_guard_mutex"),
            new Edge(
                    EXEC,
                    MMAP,
                    "fs/exec.c",
                    "exec_mmap",
                    "mmap_read_lock_killable(old_mm) under the exec_update_lock write side"),
            new Edge(
                    EXEC,
                    ALLOC,
                    "fs/exec.c",
                    "exec_mmap",
                    "task_lock(tsk) directly when there is no old mm (a kernel thread that execs)"),
            new Edge(
                    RWSEM,
                    TASKLIST,
                    "kernel/fork.c",
                    "copy_process",
                    "cgroup_can_fork's cgroup_threadgroup_change_begin, then write_lock_irq(&tasklist_lock)"),
            new Edge(
                    RWSEM,
                    TASKLIST,
                    "fs/exec.c",
                    "de_thread",
                    "a non-leader's takeover (exchange_tids, the leader's parent) under write_lock_irq"),
            new Edge(
                    MMAP,
                    ALLOC,
                    "kernel/exit.c",
                    "exit_mm",
                    "mmap_read_lock(mm), then task_lock(current) to clear current->mm"),
            new Edge(
                    MMAP,
                    ALLOC,
                    "fs/exec.c",
                    "exec_mmap",
                    "the old mm's mmap_lock, then task_lock(tsk) to switch tsk->mm"),
            new Edge(
                    TASKLIST,
                    SIGLOCK,
                    "kernel/fork.c",
                    "copy_process",
                    "spin_lock(&current->sighand->siglock) inside write_lock_irq(&tasklist_lock)"),
            new Edge(
                    TASKLIST,
                    SIGLOCK,
                    "kernel/exit.c",
                    "exit_notify → kernel/signal.c do_notify_parent",
                    "the parent's siglock, spin_lock_irqsave"),
            new Edge(
                    TASKLIST,
                    SIGLOCK,
                    "kernel/exit.c",
                    "release_task → __exit_signal",
                    "spin_lock(&sighand->siglock) of the released task, inside write_lock_irq"),
            new Edge(
                    TASKLIST,
                    SIGLOCK,
                    "kernel/signal.c",
                    "__kill_pgrp_info / kill(-1) → do_send_sig_info → lock_task_sighand",
                    "read_lock(&tasklist_lock) over the walk, spin_lock_irqsave per target"),
            new Edge(
                    TASKLIST,
                    SIGLOCK,
                    "fs/fcntl.c",
                    "send_sigio → send_sigio_to_task → lock_task_sighand",
                    "in hardirq context: the device interrupt's kill_fasync (see the interrupt rules)"),
            new Edge(
                    SIGLOCK,
                    PIDMAP,
                    "kernel/exit.c",
                    "__exit_signal → __unhash_process → detach_pid → kernel/pid.c free_pid",
                    "spin_lock_irqsave(&pidmap_lock) (v6.15 moved free_pid out of tasklist_lock)"),
            new Edge(
                    RCU,
                    SIGLOCK,
                    "kernel/signal.c",
                    "kill_proc_info → kill_pid_info → do_send_sig_info → lock_task_sighand",
                    "find_vpid under rcu_read_lock, then the target's siglock, spin_lock_irqsave"));

    /**
     * The classes an interrupt handler takes: the model's device interrupt runs kill_fasync → send_sigio
     * (fs/fcntl.c, as it was up to about v5.x: read_lock(&tasklist_lock) over the owner's process group,
     * then lock_task_sighand on each task).
     */
    public static final List<InIrq> IN_HARDIRQ = List.of(
            new InIrq(TASKLIST, LockMode.READ, IrqMode.KEEP, "read_lock", "fs/fcntl.c", "kill_fasync → send_sigio"),
            new InIrq(
                    SIGLOCK,
                    LockMode.WRITE,
                    IrqMode.IRQSAVE,
                    "spin_lock_irqsave",
                    "fs/fcntl.c",
                    "send_sigio_to_task → do_send_sig_info → lock_task_sighand"));

    /** What the interrupt handler obliges process context to do. */
    public static final List<IrqRule> IRQ_RULES = List.of(
            new IrqRule(
                    TASKLIST,
                    LockMode.WRITE,
                    Set.of(IrqMode.IRQ),
                    false,
                    "write_lock_irq: an interrupt's read_lock on the CPU that holds the write side would spin for"
                            + " ever"),
            new IrqRule(
                    TASKLIST,
                    LockMode.READ,
                    Set.of(IrqMode.KEEP, IrqMode.IRQ, IrqMode.IRQSAVE),
                    false,
                    "read_lock may leave interrupts on: a reader in an interrupt passes a queued writer"
                            + " (qrwlock), and readers do not exclude each other"),
            new IrqRule(
                    SIGLOCK,
                    LockMode.WRITE,
                    Set.of(IrqMode.IRQ, IrqMode.IRQSAVE),
                    true,
                    "the handler takes it (lock_task_sighand): always with interrupts off, by _irq/_irqsave or"
                            + " nested inside write_lock_irq(&tasklist_lock)"),
            new IrqRule(
                    PIDMAP,
                    LockMode.WRITE,
                    Set.of(IrqMode.IRQ, IrqMode.IRQSAVE),
                    false,
                    "kernel/pid.c: an interrupt might come in and do read_lock(&tasklist_lock); pidmap_lock nests"
                            + " inside the interrupt-safe siglock, so it must never be held with interrupts on"));

    /** Is {@code outer → inner} (lockdep class names) in the documented order? */
    public static boolean documents(String outer, String inner) {
        return !sites(outer, inner).isEmpty();
    }

    /** The places that take {@code outer → inner} (lockdep class names; a subclass suffix is ignored). */
    public static List<Edge> sites(String outer, String inner) {
        String o = base(outer), i = base(inner);
        return EDGES.stream()
                .filter(e -> e.from().equals(o) && e.to().equals(i))
                .toList();
    }

    /** The distinct pairs, in the order of {@link #EDGES}. */
    public static List<Edge> pairs() {
        Set<String> seen = new LinkedHashSet<>();
        List<Edge> out = new ArrayList<>();
        for (Edge e : EDGES) if (seen.add(e.from() + "\0" + e.to())) out.add(e);
        return out;
    }

    /** Is {@code cls} taken by an interrupt handler? */
    public static boolean takenInIrq(LockClass cls) {
        return IN_HARDIRQ.stream().anyMatch(u -> u.cls() == cls);
    }

    /** The rule for taking {@code cls} in {@code mode} from process context, or null (no constraint). */
    public static IrqRule ruleFor(LockClass cls, LockMode mode) {
        for (IrqRule r : IRQ_RULES) if (r.cls() == cls && r.mode() == mode) return r;
        return null;
    }

    /** A class name without lockdep's subclass ({@code &mm->mmap_lock/1} → {@code &mm->mmap_lock}). */
    public static String base(String name) {
        int slash = name.lastIndexOf('/');
        return slash > 0 && name.substring(slash + 1).chars().allMatch(Character::isDigit)
                ? name.substring(0, slash)
                : name;
    }
}
