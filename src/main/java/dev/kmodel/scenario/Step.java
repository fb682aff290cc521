package dev.kmodel.scenario;

import java.util.List;
import java.util.Map;

/**
 * One step of a program, as written in the scenario.
 *
 * @param index   its number in the program (steps inside {@code repeat} follow it in order)
 * @param op      the operation (contract §2)
 * @param args    the other fields, as read (numbers, strings, lists)
 * @param line    the line in the scenario file, for messages
 * @param bodyEnd for {@code repeat}: the index just after its last inner step; else index + 1
 */
public record Step(int index, String op, Map<String, Object> args, int line, int bodyEnd) {

    public boolean has(String key) {
        return args.containsKey(key);
    }

    public String str(String key, String dflt) {
        Object v = args.get(key);
        return v == null ? dflt : String.valueOf(v);
    }

    public long num(String key, long dflt) {
        Object v = args.get(key);
        return v instanceof Number n ? n.longValue() : dflt;
    }

    public List<String> list(String key) {
        return names(args.get(key));
    }

    /** A list of names as a scenario may write it: [A, B], a single A, or "A|B". */
    public static List<String> names(Object v) {
        if (v == null) return List.of();
        if (v instanceof List<?> l) return l.stream().map(String::valueOf).toList();
        return List.of(String.valueOf(v).split("\\s*\\|\\s*"));
    }
}
