package dev.kmodel.journal;

import dev.kmodel.fs.FileTable;
import dev.kmodel.ipc.SysvIpc;
import dev.kmodel.kernel.Handled;
import dev.kmodel.kernel.KEvent;
import dev.kmodel.kernel.Kernel;
import dev.kmodel.kernel.locking.LockActor;
import dev.kmodel.kernel.pid.PidAllocator;
import dev.kmodel.kernel.rcu.RcuManager;
import dev.kmodel.kernel.sched.Cpu;
import dev.kmodel.kernel.task.TaskEvent;
import dev.kmodel.kernel.time.TimeKeeper;
import dev.kmodel.mm.MmuEvent;
import java.lang.reflect.Modifier;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The event types a journal may hold, and which kind of actor journals each: every record of an
 * actor's event hierarchy (its sealed {@code Event} interface, or its one event record), plus
 * {@link Handled}, which any actor writes for a step that changed nothing. A journal line names its
 * type below {@code dev.kmodel} (e.g. {@code kernel.task.TaskEvent$Created}); a name outside this
 * table is not an event, whatever class it would load.
 */
public final class EventTypes {
    /** The root of each actor kind's events. */
    private static final Map<ActorId.Kind, Class<?>> ROOTS = new EnumMap<>(Map.of(
            ActorId.Kind.TASK, TaskEvent.class,
            ActorId.Kind.CPU, Cpu.Event.class,
            ActorId.Kind.KERNEL, Kernel.Event.class,
            ActorId.Kind.MMU, MmuEvent.class,
            ActorId.Kind.PID, PidAllocator.Event.class,
            ActorId.Kind.RCU, RcuManager.Event.class,
            ActorId.Kind.TIME, TimeKeeper.Event.class,
            ActorId.Kind.LOCK, LockActor.Event.class,
            ActorId.Kind.FILES, FileTable.Event.class,
            ActorId.Kind.IPC, SysvIpc.Event.class));

    /** A known event type: its class, and the kind of actor that journals it (null: any, for Handled). */
    public record Type(String name, Class<? extends KEvent> cls, ActorId.Kind writer) {}

    private static final Map<String, Type> BY_NAME;

    static {
        Map<String, Type> m = new TreeMap<>();
        for (Map.Entry<ActorId.Kind, Class<?>> e : ROOTS.entrySet()) add(m, e.getValue(), e.getKey());
        add(m, Handled.class, null);
        BY_NAME = Collections.unmodifiableMap(m);
    }

    private EventTypes() {}

    @SuppressWarnings("unchecked")
    private static void add(Map<String, Type> m, Class<?> c, ActorId.Kind writer) {
        if (c.isSealed()) {
            for (Class<?> sub : c.getPermittedSubclasses()) add(m, sub, writer);
        } else if (!c.isInterface() && !Modifier.isAbstract(c.getModifiers()) && KEvent.class.isAssignableFrom(c)) {
            String name = JournalFile.typeName(c);
            m.put(name, new Type(name, (Class<? extends KEvent>) c, writer));
        }
    }

    /** The event type a journal line names, or null if there is none of that name. */
    public static Type named(String name) {
        return BY_NAME.get(name);
    }

    /** Every known type, by name. */
    public static Map<String, Type> all() {
        return BY_NAME;
    }
}
