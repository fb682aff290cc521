package dev.kmodel.scenario;

import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import dev.kmodel.uapi.Prctl;
import dev.kmodel.uapi.Rlimit;
import dev.kmodel.uapi.Sig;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Reads a step's field by its {@link FieldType}: the value as the model takes it (a number written as
 * a quoted string becomes a number), or a {@link ScenarioException} naming the line. The
 * {@code "$var"} and {@code "@comm"} references it meets are kept for {@link VariableScope}, which
 * checks them once every program is read.
 */
final class FieldReader {
    /** A variable name, as {@code save} writes it and {@code "$name"} reads it. */
    static final Pattern VARIABLE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private static final Pattern INTEGER = Pattern.compile("[-+]?[0-9]+");

    /** A {@code "$var"} (or {@code "-$var"}) read by a step of {@code program}. */
    record VariableUse(String program, String op, String field, String written, String name, int line) {}

    /** An {@code "@comm"} (kill's pid): the tasks running program {@code comm}. */
    record CommUse(String op, String comm, int line) {}

    private final String file;
    final List<VariableUse> variableUses = new ArrayList<>();
    final List<CommUse> commUses = new ArrayList<>();

    FieldReader(String file) {
        this.file = file;
    }

    static int line(ConfigValue v) {
        return v == null || v.origin() == null ? 0 : Math.max(0, v.origin().lineNumber());
    }

    ScenarioException bad(ConfigValue where, String problem) {
        return new ScenarioException(file, line(where), problem);
    }

    /** The value of {@code field} of a step of {@code program}, checked against its type. */
    Object read(String program, String op, String field, FieldType type, ConfigValue v) throws ScenarioException {
        String what = op + "'s " + field;
        ConfigValueType vt = v.valueType();
        switch (type) {
            case PROGRAM -> {
                if (vt != ConfigValueType.STRING && vt != ConfigValueType.NUMBER) throw wrong(what, type, v);
                return String.valueOf(v.unwrapped());
            }
            case VARIABLE -> {
                if (vt != ConfigValueType.STRING) throw wrong(what, type, v);
                String s = (String) v.unwrapped();
                if (!VARIABLE_NAME
                        .matcher(s.startsWith("$") ? s.substring(1) : s)
                        .matches()) {
                    throw wrong(what, type, v);
                }
                return s;
            }
            case NAMES -> {
                if (vt == ConfigValueType.LIST) {
                    for (ConfigValue e : (ConfigList) v) {
                        if (e.valueType() != ConfigValueType.STRING && e.valueType() != ConfigValueType.NUMBER) {
                            throw bad(e, what + " must be " + type.expects + ", got " + shown(e) + " in the list");
                        }
                    }
                    return v.unwrapped();
                }
                if (vt != ConfigValueType.STRING && vt != ConfigValueType.NUMBER) throw wrong(what, type, v);
                return v.unwrapped();
            }
            case NAME, TEXT -> {
                if (vt != ConfigValueType.STRING) throw wrong(what, type, v);
                return v.unwrapped();
            }
            case BOOLEAN -> {
                if (vt == ConfigValueType.BOOLEAN) return v.unwrapped();
                if (vt == ConfigValueType.STRING
                        && (v.unwrapped().equals("true") || v.unwrapped().equals("false"))) {
                    return Boolean.valueOf((String) v.unwrapped());
                }
                throw wrong(what, type, v);
            }
            case STEPS -> throw new IllegalArgumentException("repeat's steps are read as steps");
            default -> {
                return number(program, op, what, type, v);
            }
        }
    }

    /** A numeric field: a number in the type's range, a symbolic name it takes, or a reference. */
    private Object number(String program, String op, String what, FieldType type, ConfigValue v)
            throws ScenarioException {
        ConfigValueType vt = v.valueType();
        if (vt == ConfigValueType.NUMBER) {
            Object n = v.unwrapped();
            if (!(n instanceof Integer || n instanceof Long)) {
                throw bad(v, what + " must be " + type.expects + ", got " + shown(v) + " (not an integer)");
            }
            return inRange(what, type, v, BigInteger.valueOf(((Number) n).longValue()));
        }
        if (vt != ConfigValueType.STRING) throw wrong(what, type, v);
        String s = ((String) v.unwrapped()).trim();
        if (INTEGER.matcher(s).matches()) {
            // A quoted number, or one too large for HOCON's own numbers (it reads those as text).
            return inRange(what, type, v, new BigInteger(s));
        }
        if (type.takesVariables() && (s.startsWith("$") || s.startsWith("-$"))) {
            boolean group = s.startsWith("-");
            if (group && type.refs == FieldType.Refs.VARIABLE) {
                throw bad(
                        v,
                        what + " must be " + type.expects + ", got " + shown(v)
                                + " (\"-$var\", a process group, is for pids)");
            }
            String name = s.substring(group ? 2 : 1);
            if (!VARIABLE_NAME.matcher(name).matches()) {
                throw bad(v, what + ": " + shown(v) + " is not a variable reference like \"$c\"");
            }
            variableUses.add(new VariableUse(program, op, what, s, name, line(v)));
            return s;
        }
        if (type.refs == FieldType.Refs.COMM && s.startsWith("@")) {
            if (s.length() == 1) throw bad(v, what + ": \"@\" names no program");
            commUses.add(new CommUse(op, s.substring(1), line(v)));
            return s;
        }
        if (type == FieldType.RLIMIT && (s.equals("RLIM_INFINITY") || s.equals("unlimited"))) {
            return Rlimit.RLIM_INFINITY; // ~0UL: the number the kernel sees, so every reader takes it alike
        }
        if (type == FieldType.RESOURCE && s.equals("RLIMIT_CORE")) return Rlimit.RLIMIT_CORE;
        if (isSymbol(type, s)) return s;
        throw wrong(what, type, v);
    }

    /**
     * A top-level number ({@code cpus}, {@code seed}, a kernel knob): an integer in [min, max], written
     * as a number; never rounded or clamped ({@code 1.5}, {@code 1e300} and a number beyond 64 bits are
     * refused, as {@code --seed} refuses them).
     */
    long integer(String what, ConfigValue v, long min, long max, String why) throws ScenarioException {
        String range = min == Long.MIN_VALUE && max == Long.MAX_VALUE
                ? "a 64-bit integer"
                : "an integer in [" + min + ", " + max + "]" + why;
        BigInteger n = null;
        if (v.valueType() == ConfigValueType.NUMBER
                && (v.unwrapped() instanceof Integer || v.unwrapped() instanceof Long)) {
            n = BigInteger.valueOf(((Number) v.unwrapped()).longValue());
        } else if (v.valueType() == ConfigValueType.STRING
                && INTEGER.matcher(((String) v.unwrapped()).trim()).matches()) {
            n = new BigInteger(((String) v.unwrapped()).trim());
        }
        if (n == null || n.compareTo(BigInteger.valueOf(min)) < 0 || n.compareTo(BigInteger.valueOf(max)) > 0) {
            throw bad(v, what + " must be " + range + ", got " + shown(v));
        }
        return n.longValue();
    }

    /** A top-level text ({@code name}): a string, not a list or an object. */
    String text(String what, ConfigValue v) throws ScenarioException {
        if (v.valueType() != ConfigValueType.STRING && v.valueType() != ConfigValueType.NUMBER) {
            throw bad(v, what + " must be a text, got " + shown(v));
        }
        return String.valueOf(v.unwrapped());
    }

    /** The symbolic names a numeric type takes. */
    private static boolean isSymbol(FieldType type, String s) {
        return switch (type) {
            case SIGNAL -> Sig.parse(s) >= 0;
            case EXIT_SIGNAL, CLONE3_EXIT_SIGNAL -> s.equals("none") || Sig.parse(s) >= 0;
            case PRCTL_VALUE -> Sig.parse(s) >= 0;
            case PRCTL_OPTION -> Prctl.OPTIONS.containsKey(s);
            default -> false;
        };
    }

    private Object inRange(String what, FieldType type, ConfigValue v, BigInteger n) throws ScenarioException {
        if (n.compareTo(BigInteger.valueOf(type.min)) < 0 || n.compareTo(BigInteger.valueOf(type.max)) > 0) {
            throw bad(
                    v,
                    what + " must be " + type.expects + ", got " + shown(v) + " (out of range " + type.min + ".."
                            + type.max + ")");
        }
        return n.bitLength() < 32 ? Integer.valueOf(n.intValue()) : Long.valueOf(n.longValue());
    }

    private ScenarioException wrong(String what, FieldType type, ConfigValue v) {
        return bad(v, what + " must be " + type.expects + ", got " + shown(v));
    }

    /** A value as the message shows it: on one line, not too long. */
    static String shown(ConfigValue v) {
        String s = switch (v.valueType()) {
            case STRING -> "\"" + v.unwrapped() + "\"";
            case NULL -> "null";
            case LIST -> "a list " + v.render(ConfigRenderOptions.concise());
            case OBJECT -> "an object " + v.render(ConfigRenderOptions.concise());
            default -> v.render(ConfigRenderOptions.concise());
        };
        return s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }
}
