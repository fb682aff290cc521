package dev.kmodel.scenario;

/**
 * What a field of a step may hold (docs/scenarios.md). {@link FieldReader} reads every field by its
 * type, so a value of the wrong kind ({@code pid = "abc"}, {@code pid = [1, 2]}, {@code code = 1.5}, a
 * number out of range) is refused at load time with its line rather than becoming a run-time EINVAL.
 *
 * <p>Numbers are checked for their type and for the range of the system call's argument (an int, or
 * a 64-bit value); a range narrower than that is only for what shapes the scenario itself (a repeat
 * count, how many pages or files a step touches), not for system-call arguments, whose bad values are
 * the kernel's errno at run time.
 */
enum FieldType {
    /** {@code run}, {@code image}: the name of a program of the scenario. */
    PROGRAM("a program name"),
    /** {@code save}: the variable the call's result is stored in. */
    VARIABLE("a variable name like c (or \"$c\")"),
    /** {@code repeat}'s {@code steps}. */
    STEPS("a list of steps"),
    /** An int, or "$var". */
    INT("an int or \"$var\"", Integer.MIN_VALUE, Integer.MAX_VALUE, Refs.VARIABLE),
    /** A count or size that shapes the run (pages, files, ticks): an int ≥ 0, or "$var". */
    COUNT("an int >= 0 or \"$var\"", 0, Integer.MAX_VALUE, Refs.VARIABLE),
    /** {@code repeat}'s {@code times}: an int ≥ 0 (the structure of the program: no variable). */
    TIMES("an int >= 0", 0, Integer.MAX_VALUE, Refs.NONE),
    /** A pid or group: an int, "$var", or "-$var" (the process group of the pid in $var). */
    PID("an int, \"$var\" or \"-$var\"", Integer.MIN_VALUE, Integer.MAX_VALUE, Refs.GROUP),
    /** kill's pid: a {@link #PID} or "@comm" (a live task running that program). */
    KILL_PID("an int, \"$var\", \"-$var\" or \"@comm\"", Integer.MIN_VALUE, Integer.MAX_VALUE, Refs.COMM),
    /** A signal: a name (SIGKILL, KILL) or any int; whether it is valid is the kernel's EINVAL. */
    SIGNAL("a signal name or an int", Integer.MIN_VALUE, Integer.MAX_VALUE, Refs.NONE),
    /** clone's exit signal: none, a signal name or any int. */
    EXIT_SIGNAL("none, a signal name or an int", Integer.MIN_VALUE, Integer.MAX_VALUE, Refs.NONE),
    /** clone3's exit signal (struct clone_args, 64 bits): none, a signal name, a number or "$var". */
    CLONE3_EXIT_SIGNAL(
            "none, a signal name, a 64-bit number or \"$var\"", Long.MIN_VALUE, Long.MAX_VALUE, Refs.VARIABLE),
    /** prctl's value: an int, "$var", or a signal name (PR_SET_PDEATHSIG). */
    PRCTL_VALUE("an int, \"$var\" or a signal name", Integer.MIN_VALUE, Integer.MAX_VALUE, Refs.VARIABLE),
    /** A resource limit (rlim_t, 64 bits): a number, "$var", RLIM_INFINITY or unlimited. */
    RLIMIT("a 64-bit number, \"$var\", RLIM_INFINITY or unlimited", Long.MIN_VALUE, Long.MAX_VALUE, Refs.VARIABLE),
    /** setrlimit's resource: RLIMIT_CORE, an int or "$var". */
    RESOURCE("RLIMIT_CORE, an int or \"$var\"", Integer.MIN_VALUE, Integer.MAX_VALUE, Refs.VARIABLE),
    /** prctl's option: a PR_ name or an int. */
    PRCTL_OPTION("a PR_ option name or an int", Integer.MIN_VALUE, Integer.MAX_VALUE, Refs.NONE),
    /** Flags or options: a name, "A|B", or a list of names (each op checks the names). */
    NAMES("a name, \"A|B\" or a list of names"),
    /** One word from a fixed set (handler, idtype; each op checks which). */
    NAME("a name"),
    /** {@code write}, {@code undo}: true or false. */
    BOOLEAN("true or false"),
    /** sysctl's name: a text. */
    TEXT("a text");

    /** Which references a numeric field takes besides numbers and its symbolic names. */
    enum Refs {
        NONE,
        /** "$var" */
        VARIABLE,
        /** "$var" and "-$var" */
        GROUP,
        /** "$var", "-$var" and "@comm" */
        COMM
    }

    /** What the field holds, for messages. */
    final String expects;
    /** For numeric fields, the range of a number written in the scenario. */
    final long min, max;

    final Refs refs;

    FieldType(String expects) {
        this(expects, 0, 0, null);
    }

    FieldType(String expects, long min, long max, Refs refs) {
        this.expects = expects;
        this.min = min;
        this.max = max;
        this.refs = refs;
    }

    /** A number, possibly with names and references (else a program, variable, list, name, boolean or text). */
    boolean numeric() {
        return refs != null;
    }

    boolean takesVariables() {
        return refs != null && refs != Refs.NONE;
    }
}
