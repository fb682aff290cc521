package dev.kmodel.kernel;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;

/**
 * Finds the {@link MsgId} of a model message: a component of the message record, or of the reply
 * record a message adapter wrapped. One lookup per message class (cached).
 */
public final class MsgIds {
    private MsgIds() {}

    private static final ClassValue<MethodHandle[]> PATH = new ClassValue<>() {
        @Override
        protected MethodHandle[] computeValue(Class<?> c) {
            try {
                if (!c.isRecord()) return new MethodHandle[0];
                MethodHandles.Lookup l = MethodHandles.lookup();
                for (RecordComponent rc : c.getRecordComponents()) {
                    if (rc.getType() == MsgId.class) return new MethodHandle[] {l.unreflect(open(rc))};
                }
                for (RecordComponent rc : c.getRecordComponents()) {
                    if (!rc.getType().isRecord()) continue;
                    for (RecordComponent inner : rc.getType().getRecordComponents()) {
                        if (inner.getType() == MsgId.class) {
                            return new MethodHandle[] {l.unreflect(open(rc)), l.unreflect(open(inner))};
                        }
                    }
                }
            } catch (IllegalAccessException e) {
                return new MethodHandle[0];
            }
            return new MethodHandle[0];
        }
    };

    /** Package-private message records (a CPU's Tick, RCU's GpKick) are model messages too. */
    private static Method open(RecordComponent rc) {
        Method m = rc.getAccessor();
        m.setAccessible(true);
        return m;
    }

    /** The message's id, or null if it carries none (a probe, a non-model message). */
    public static MsgId of(Object msg) {
        if (msg == null) return null;
        MethodHandle[] path = PATH.get(msg.getClass());
        if (path.length == 0) return null;
        try {
            Object v = msg;
            for (MethodHandle h : path) {
                v = h.invoke(v);
                if (v == null) return null;
            }
            return (MsgId) v;
        } catch (Throwable t) {
            return null;
        }
    }
}
