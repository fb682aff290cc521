package dev.kmodel.scenario;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The variables each program can see, as the interpreter scopes them (kernel/task/Interpreter): every
 * task has its own variables; {@code save} sets one; a task created by fork, vfork, clone, clone3 or
 * thread starts with a copy of its creator's; exec keeps them. Boot programs start with none (init has
 * none), and so do kernel threads (kthreadd, which creates them, has none).
 *
 * <p>So a program sees what it saves itself and whatever a program that creates it or execs it can
 * see. A {@code "$var"} that no visible step saves can never hold a value: it is a scenario error
 * (a typo such as {@code "$chlid"}), not the run-time EINVAL it used to become. Whether the save runs
 * before the use is the run's business, as in any program.
 */
final class VariableScope {
    private static final Set<String> INHERITING = Set.of("fork", "vfork", "clone", "clone3", "thread", "exec");

    private final Map<String, Set<String>> visible = new LinkedHashMap<>();

    private VariableScope() {}

    /** The variables each program of {@code programs} can see. */
    static VariableScope of(Map<String, Program> programs) {
        VariableScope scope = new VariableScope();
        for (Program p : programs.values()) {
            Set<String> own = new TreeSet<>();
            for (Step s : p.steps()) {
                String save = s.str("save", null);
                if (save != null) own.add(save.startsWith("$") ? save.substring(1) : save);
            }
            scope.visible.put(p.name(), own);
        }
        // Propagate along "P creates or becomes Q" until nothing changes.
        Deque<String> work = new ArrayDeque<>(programs.keySet());
        while (!work.isEmpty()) {
            Program p = programs.get(work.poll());
            Set<String> mine = scope.visible.get(p.name());
            for (Step s : p.steps()) {
                if (!INHERITING.contains(s.op())) continue;
                String target = s.str(s.op().equals("exec") ? "image" : "run", "");
                Set<String> theirs = scope.visible.get(target);
                if (theirs != null && theirs.addAll(mine)) work.add(target);
            }
        }
        return scope;
    }

    /** Every {@code "$var"} names a variable its program can see; every {@code "@comm"} a program. */
    void check(String file, List<FieldReader.VariableUse> uses, List<FieldReader.CommUse> comms, Set<String> programs)
            throws ScenarioException {
        for (FieldReader.VariableUse u : uses) {
            Set<String> seen = visible.getOrDefault(u.program(), Set.of());
            if (!seen.contains(u.name())) {
                throw new ScenarioException(
                        file,
                        u.line(),
                        u.field() + " \"" + u.written() + "\": no step saves '" + u.name()
                                + "' where program '" + u.program() + "' can see it ("
                                + (seen.isEmpty() ? "it sees no variable" : "it sees " + dollars(seen)) + ")");
            }
        }
        for (FieldReader.CommUse c : comms) {
            if (!programs.contains(c.comm())
                    && !c.comm().equals("init")
                    && !c.comm().equals("kthreadd")) {
                throw new ScenarioException(
                        file,
                        c.line(),
                        c.op() + "'s pid \"@" + c.comm() + "\": no task runs a program '" + c.comm()
                                + "' (a comm is a program's name, init or kthreadd)");
            }
        }
    }

    private static String dollars(Set<String> names) {
        StringBuilder b = new StringBuilder();
        for (String n : names) b.append(b.length() == 0 ? "" : ", ").append('$').append(n);
        return b.toString();
    }
}
