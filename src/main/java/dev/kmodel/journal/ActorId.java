package dev.kmodel.journal;

import dev.kmodel.kernel.locking.LockClass;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A journaling actor as its persistence id names it: {@code task-N} (N ≥ 1, the Kernel's slab of
 * task_structs numbers them), {@code cpuN} (N ≥ 0), or one of the subsystems, each of which has one
 * actor. The names are those the actors give themselves (Task, Cpu, Kernel, Mmu, PidAllocator,
 * RcuManager, TimeKeeper, FileTable, SysvIpc), or a lock class's actor ({@code tasklist_lock}, {@code siglock},
 * ... : its number is the {@link LockClass}'s ordinal).
 *
 * @param number the N of task-N and cpuN; -1 for a subsystem
 */
public record ActorId(Kind kind, int number) {
    /** The kinds of actor that journal, with the persistence id of the one-of-a-kind ones (null: numbered, or a lock). */
    public enum Kind {
        TASK(null),
        CPU(null),
        KERNEL("kernel"),
        MMU("mmu"),
        PID("pid"),
        RCU("rcu"),
        TIME("time"),
        LOCK(null),
        FILES("files"),
        IPC("ipc");

        /** The persistence id of a subsystem; null for tasks and CPUs, which are numbered. */
        final String id;

        Kind(String id) {
            this.id = id;
        }
    }

    private static final Pattern NUMBERED = Pattern.compile("(task-|cpu)(0|[1-9][0-9]{0,8})");

    /** The actor a persistence id names, or null if it is not one a run has. */
    public static ActorId parse(String persistenceId) {
        Matcher m = NUMBERED.matcher(persistenceId);
        if (m.matches()) {
            int n = Integer.parseInt(m.group(2));
            if (m.group(1).equals("cpu")) return new ActorId(Kind.CPU, n);
            return n == 0 ? null : new ActorId(Kind.TASK, n);
        }
        for (Kind k : Kind.values()) {
            if (persistenceId.equals(k.id)) return new ActorId(k, -1);
        }
        LockClass lock = LockClass.ofActor(persistenceId);
        return lock == null ? null : new ActorId(Kind.LOCK, lock.ordinal());
    }

    @Override
    public String toString() {
        return switch (kind) {
            case TASK -> "task-" + number;
            case CPU -> "cpu" + number;
            case LOCK -> LockClass.values()[number].actor;
            default -> kind.id;
        };
    }
}
