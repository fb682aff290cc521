package dev.kmodel.kernel.task;

import java.util.ArrayList;
import java.util.List;

/**
 * A point where a kernel path waits: the answers it waits for there and, for each, the function
 * that goes on with it. Each path declares its steps as an enum beside its code ({@code Exit.At},
 * {@code Wait.At}, ...); a reply is dispatched by the task's frame's step (see {@link Task#resume}),
 * so an answer that arrives where nobody waits for it is never silently dropped.
 */
public interface PathStep {
    /** The step's name, as the journal and {@code replay --at} show it. */
    String name();

    /** What this step waits for. */
    Continue next();

    /** Goes on with {@code reply} at this step; false if this step does not wait for it. */
    default boolean resume(Task t, TaskState s, Object reply) {
        return next().resume(t, s, reply);
    }

    /** Does this step wait for a message of this class? */
    default boolean awaits(Class<?> reply) {
        return next().awaits(reply);
    }

    /** The function a path goes on with when the answer {@code R} comes. */
    @FunctionalInterface
    interface Resume<R> {
        void on(Task t, TaskState s, R reply);
    }

    /** The answers of one step, each with its continuation (the first whose class matches wins). */
    final class Continue {
        private record Arm<R>(Class<R> reply, Resume<R> then) {}

        private final List<Arm<?>> arms = new ArrayList<>();

        private Continue() {}

        /** The step waits for {@code reply} and goes on in {@code then}. */
        public static <R> Continue on(Class<R> reply, Resume<R> then) {
            return new Continue().or(reply, then);
        }

        /** A step that waits for nothing more: the path has ended there (do_task_dead). */
        public static Continue nothing() {
            return new Continue();
        }

        /** The step also accepts {@code reply} (e.g. an answer, then the CPU running the task again). */
        public <R> Continue or(Class<R> reply, Resume<R> then) {
            arms.add(new Arm<>(reply, then));
            return this;
        }

        boolean awaits(Class<?> c) {
            for (Arm<?> a : arms) {
                if (a.reply().isAssignableFrom(c)) return true;
            }
            return false;
        }

        boolean resume(Task t, TaskState s, Object reply) {
            for (Arm<?> a : arms) {
                if (a.reply().isInstance(reply)) {
                    run(a, t, s, reply);
                    return true;
                }
            }
            return false;
        }

        private static <R> void run(Arm<R> a, Task t, TaskState s, Object reply) {
            a.then().on(t, s, a.reply().cast(reply));
        }
    }
}
