package dev.kmodel.scenario;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import dev.kmodel.uapi.CloneFlags;
import dev.kmodel.uapi.Prctl;
import dev.kmodel.uapi.Sig;
import dev.kmodel.uapi.WaitOptions;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads a HOCON scenario (contract §2) and checks it; every problem names the file and line. */
public final class ScenarioParser {
    /** Linux's pid_max bounds (include/linux/threads.h: PID_MAX_DEFAULT, RESERVED_PIDS + 1). */
    public static final int PID_MAX_DEFAULT = 32768, PID_MAX_MIN = 301, PID_MAX_LIMIT = 4 * 1024 * 1024;

    /** A scenario is a page or two of HOCON; a file far larger is not one (and is not read into memory). */
    static final long MAX_FILE_BYTES = 16L * 1024 * 1024;

    /** The fields each op accepts (besides {@code op}), and what each holds. */
    private static final Map<String, Map<String, FieldType>> FIELDS = new LinkedHashMap<>();
    /** Ops of the contract that this version reads but does not model yet. */
    private static final Set<String> NOT_YET = Set.of();

    /** The knobs of a scenario's {@code kernel} block, in the order messages list them. */
    private static final List<String> KERNEL_KNOBS = List.of("pid-max", "shm-rmid-forced", "faults", "io-interrupts");

    private static void op(String op, Object... fieldsAndTypes) {
        Map<String, FieldType> m = new LinkedHashMap<>();
        for (int i = 0; i < fieldsAndTypes.length; i += 2) {
            m.put((String) fieldsAndTypes[i], (FieldType) fieldsAndTypes[i + 1]);
        }
        FIELDS.put(op, m);
    }

    static {
        final FieldType PROGRAM = FieldType.PROGRAM, SAVE = FieldType.VARIABLE, PID = FieldType.PID;
        op("fork", "run", PROGRAM, "save", SAVE);
        op("vfork", "run", PROGRAM, "save", SAVE);
        op("thread", "run", PROGRAM, "save", SAVE);
        op("kthread_run", "run", PROGRAM, "save", SAVE);
        op("kthread_stop", "pid", PID, "save", SAVE);
        op("clone", "flags", FieldType.NAMES, "exit-signal", FieldType.EXIT_SIGNAL, "run", PROGRAM, "save", SAVE);
        op(
                "clone3",
                "flags",
                FieldType.NAMES,
                "exit-signal",
                FieldType.CLONE3_EXIT_SIGNAL,
                "run",
                PROGRAM,
                "save",
                SAVE);
        op("exec", "image", PROGRAM, "pages", FieldType.COUNT, "save", SAVE);
        op("exit", "code", FieldType.INT);
        op("exit_group", "code", FieldType.INT);
        op("wait4", "pid", PID, "options", FieldType.NAMES, "save", SAVE);
        op("kill", "pid", FieldType.KILL_PID, "sig", FieldType.SIGNAL, "save", SAVE);
        op("sigaction", "sig", FieldType.SIGNAL, "handler", FieldType.NAME, "flags", FieldType.NAMES, "save", SAVE);
        op("setpgid", "pid", PID, "pgid", PID, "save", SAVE);
        op("setsid", "save", SAVE);
        op("prctl", "option", FieldType.PRCTL_OPTION, "value", FieldType.PRCTL_VALUE, "save", SAVE);
        op(
                "setrlimit",
                "resource",
                FieldType.RESOURCE,
                "value",
                FieldType.RLIMIT,
                "max",
                FieldType.RLIMIT,
                "save",
                SAVE);
        op("unshare", "flags", FieldType.NAMES, "save", SAVE);
        op("sysctl", "name", FieldType.TEXT, "value", FieldType.INT, "save", SAVE);
        op("waitid", "idtype", FieldType.NAME, "id", PID, "options", FieldType.NAMES, "save", SAVE);
        op("mmap", "pages", FieldType.COUNT, "write", FieldType.BOOLEAN, "save", SAVE);
        op("touch", "pages", FieldType.COUNT, "write", FieldType.BOOLEAN, "save", SAVE);
        op("open", "count", FieldType.COUNT, "save", SAVE);
        op("close", "fd", FieldType.INT, "save", SAVE);
        op("semundo", "count", FieldType.COUNT, "sem", FieldType.INT, "save", SAVE);
        op("semop", "count", FieldType.INT, "sem", FieldType.INT, "undo", FieldType.BOOLEAN, "save", SAVE); // sem_op
        op("semval", "sem", FieldType.INT, "save", SAVE);
        op("shmget", "count", FieldType.COUNT, "save", SAVE);
        op("sleep", "ticks", FieldType.COUNT);
        op("compute", "ticks", FieldType.COUNT);
        op("rcu_walk", "ticks", FieldType.COUNT);
        op("getpid", "save", SAVE);
        op("gettid", "save", SAVE);
        op("getppid", "save", SAVE);
        op("getpgid", "pid", PID, "save", SAVE);
        op("getpgrp", "save", SAVE);
        op("getsid", "pid", PID, "save", SAVE);
        op("repeat", "times", FieldType.TIMES, "steps", FieldType.STEPS);
    }

    private final String file;

    private ScenarioParser(String file) {
        this.file = file;
    }

    public static Scenario parseFile(File f) throws ScenarioException {
        if (!f.exists()) throw new ScenarioException(f.getPath(), 0, "no such scenario file");
        if (!f.isFile()) {
            throw new ScenarioException(
                    f.getPath(), 0, "not a regular file (a directory, device or pipe): not a scenario");
        }
        if (!f.canRead()) throw new ScenarioException(f.getPath(), 0, "scenario file is not readable");
        if (f.length() > MAX_FILE_BYTES) {
            throw new ScenarioException(
                    f.getPath(), 0, "larger than " + (MAX_FILE_BYTES >> 20) + " MB: not a scenario");
        }
        ScenarioParser p = new ScenarioParser(f.getPath());
        try {
            NestingCheck.brackets(f.getPath(), new String(Files.readAllBytes(f.toPath()), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new ScenarioException(f.getPath(), 0, "cannot read: " + e.getMessage());
        }
        try {
            // Absolute, so that a relative include is read beside the file even when it is named
            // without a directory (Typesafe Config looks for it on the classpath then).
            Config c = ConfigFactory.parseFile(
                    f.getAbsoluteFile(),
                    ConfigParseOptions.defaults()
                            .setSyntax(ConfigSyntax.CONF)
                            .setAllowMissing(false)
                            .setIncluder(new ScenarioIncludes()));
            return p.read(c.resolve());
        } catch (ConfigException e) {
            throw p.fromConfig(e, ScenarioIncludes.text(f));
        } catch (StackOverflowError e) {
            throw p.tooDeep();
        }
    }

    public static Scenario parseString(String name, String text) throws ScenarioException {
        ScenarioParser p = new ScenarioParser(name);
        NestingCheck.brackets(name, text);
        try {
            Config c = ConfigFactory.parseString(
                    text,
                    ConfigParseOptions.defaults()
                            .setSyntax(ConfigSyntax.CONF)
                            .setOriginDescription(name)
                            .setIncluder(new ScenarioIncludes()));
            return p.read(c.resolve());
        } catch (ConfigException e) {
            throw p.fromConfig(e, text);
        } catch (StackOverflowError e) {
            throw p.tooDeep();
        }
    }

    /**
     * The scenario's own text is checked for depth before it is parsed ({@link NestingCheck}); a file it
     * includes is not, so the recursive HOCON parser can still run out of stack on one.
     */
    private ScenarioException tooDeep() {
        return new ScenarioException(
                file,
                0,
                "nested too deeply to parse (an included file?); repeat blocks may nest "
                        + NestingCheck.MAX_REPEAT_DEPTH + " deep");
    }

    /** A Typesafe Config error as one line; {@code source} is the scenario's text (null if unknown). */
    private ScenarioException fromConfig(ConfigException e, String source) {
        if (e instanceof ConfigException.IO io) { // (parseFile checked that the scenario itself is readable)
            ScenarioIncludes.Failure f = ScenarioIncludes.failure(io, source);
            return new ScenarioException(file, f.line(), f.problem());
        }
        int line = e.origin() == null ? 0 : Math.max(0, e.origin().lineNumber());
        String msg = e.getMessage();
        // Typesafe prefixes messages with the origin ("file: line: "); keep only what is wrong.
        if (e.origin() != null && msg.startsWith(e.origin().description() + ": ")) {
            msg = msg.substring(e.origin().description().length() + 2);
        }
        int trace = msg.indexOf(" Trace: "); // an include cycle: the library lists every file it opened
        if (trace > 0) msg = msg.substring(0, trace);
        return new ScenarioException(fileOf(e.origin()), line, msg.replace('\n', ' '));
    }

    /** The file a value or an error comes from, as the user named it: the scenario or a file it includes. */
    private String fileOf(ConfigOrigin origin) {
        if (origin == null || origin.filename() == null) return file;
        Path scenario = Path.of(file);
        Path dir = scenario.toAbsolutePath().getParent();
        Path from = Path.of(origin.filename()).toAbsolutePath();
        return from.equals(scenario.toAbsolutePath())
                ? file
                : scenario.resolveSibling(dir.relativize(from)).toString();
    }

    /** kernel.faults: a list of fault names. */
    private List<Fault> faults(ConfigValue v) throws ScenarioException {
        if (v.valueType() != ConfigValueType.LIST) {
            throw bad(v, "kernel.faults must be a list of fault names like [ exit-notify-siglock-first ]");
        }
        List<Fault> out = new ArrayList<>();
        for (ConfigValue e : (ConfigList) v) {
            Fault f = e.valueType() == ConfigValueType.STRING ? Fault.named((String) e.unwrapped()) : null;
            if (f == null) throw bad(e, "unknown fault " + e.render() + " (known: " + Fault.names() + ")");
            out.add(f);
        }
        return out;
    }

    private ScenarioException bad(ConfigValue where, String problem) {
        int line = where == null || where.origin() == null
                ? 0
                : Math.max(0, where.origin().lineNumber());
        return new ScenarioException(where == null ? file : fileOf(where.origin()), line, problem);
    }

    private Scenario read(Config c) throws ScenarioException {
        ConfigObject root = c.root();
        for (String k : root.keySet()) {
            if (!Set.of("name", "cpus", "seed", "kernel", "programs", "boot", "left-stopped")
                    .contains(k)) {
                throw bad(root.get(k), "unknown top-level field '" + k + "'");
            }
        }
        FieldReader fields = new FieldReader(file);
        String name = root.containsKey("name")
                ? fields.text("name", root.get("name"))
                : new File(file).getName().replaceAll("\\.conf$", "");
        int cpus = root.containsKey("cpus") ? (int) fields.integer("cpus", root.get("cpus"), 1, 256, "") : 2;
        long seed = root.containsKey("seed")
                ? fields.integer("seed", root.get("seed"), Long.MIN_VALUE, Long.MAX_VALUE, "")
                : 1;
        int pidMax = PID_MAX_DEFAULT;
        boolean shmRmidForced = false;
        EnumSet<Fault> faults = EnumSet.noneOf(Fault.class);
        double ioInterrupts = 0;
        if (root.containsKey("kernel")) {
            ConfigValue kv = root.get("kernel");
            if (kv.valueType() != ConfigValueType.OBJECT) {
                throw bad(kv, "'kernel' must be an object like { pid-max = 32768 }");
            }
            ConfigObject k = (ConfigObject) kv;
            for (String key : k.keySet()) {
                if (!KERNEL_KNOBS.contains(key)) {
                    throw bad(
                            k.get(key),
                            "unknown kernel knob '" + key + "' (known: " + String.join(", ", KERNEL_KNOBS) + ")");
                }
            }
            if (k.containsKey("pid-max")) {
                pidMax = (int) fields.integer(
                        "kernel.pid-max",
                        k.get("pid-max"),
                        PID_MAX_MIN,
                        PID_MAX_LIMIT,
                        " as for /proc/sys/kernel/pid_max");
            }
            if (k.containsKey("shm-rmid-forced")) {
                shmRmidForced = fields.integer(
                                "kernel.shm-rmid-forced",
                                k.get("shm-rmid-forced"),
                                0,
                                1,
                                " as for /proc/sys/kernel/shm_rmid_forced")
                        != 0;
            }
            if (k.containsKey("faults")) faults.addAll(faults(k.get("faults")));
            if (k.containsKey("io-interrupts")) {
                ConfigValue v = k.get("io-interrupts");
                if (v.valueType() != ConfigValueType.NUMBER) {
                    throw bad(v, "kernel.io-interrupts must be a number in [0, 1] (the chance per kernel step)");
                }
                ioInterrupts = ((Number) v.unwrapped()).doubleValue();
                if (!(ioInterrupts >= 0 && ioInterrupts <= 1)) {
                    throw bad(v, "kernel.io-interrupts must be a number in [0, 1] (the chance per kernel step)");
                }
            }
        }
        if (!root.containsKey("programs")) throw bad(root, "missing 'programs'");
        ConfigValue progsV = root.get("programs");
        if (progsV.valueType() != ConfigValueType.OBJECT) {
            throw bad(progsV, "'programs' must be an object of programs like { main = [ { op = exit } ] }");
        }
        ConfigObject progs = (ConfigObject) progsV;
        Map<String, Program> programs = new LinkedHashMap<>();
        for (String pname : progs.keySet()) {
            ConfigValue v = progs.get(pname);
            if (v.valueType() != ConfigValueType.LIST) throw bad(v, "program '" + pname + "' must be a list of steps");
            List<Step> steps = new ArrayList<>();
            readSteps(fields, pname, (ConfigList) v, steps, 0);
            programs.put(pname, new Program(pname, List.copyOf(steps)));
        }
        if (!root.containsKey("boot")) throw bad(root, "missing 'boot' (the programs init forks at boot)");
        ConfigValue bootV = root.get("boot");
        if (bootV.valueType() != ConfigValueType.LIST) throw bad(bootV, "'boot' must be a list of program names");
        List<String> boot = new ArrayList<>();
        for (ConfigValue b : (ConfigList) bootV) {
            String bn = fields.text("a boot entry", b);
            if (!programs.containsKey(bn)) throw bad(b, "boot names unknown program '" + bn + "'");
            boot.add(bn);
        }
        Set<String> leftStopped = new LinkedHashSet<>();
        if (root.containsKey("left-stopped")) {
            ConfigValue ls = root.get("left-stopped");
            if (ls.valueType() != ConfigValueType.LIST) {
                throw bad(ls, "'left-stopped' must be a list of program names (tasks left stopped on purpose)");
            }
            for (ConfigValue v : (ConfigList) ls) {
                String pn = String.valueOf(v.unwrapped());
                if (v.valueType() != ConfigValueType.STRING || !programs.containsKey(pn)) {
                    throw bad(v, "left-stopped names unknown program '" + pn + "'");
                }
                leftStopped.add(pn);
            }
        }
        // Check that every fork names a program.
        for (Program p : programs.values()) {
            for (Step s : p.steps()) {
                if (Set.of("fork", "vfork", "clone", "clone3", "thread", "kthread_run")
                                .contains(s.op())
                        && !programs.containsKey(s.str("run", ""))) {
                    throw new ScenarioException(
                            file, s.line(), s.op() + " runs unknown program '" + s.str("run", "") + "'");
                }
                if (s.op().equals("kthread_run")) {
                    // threadfn loops until kthread_stop: it must let time pass, or end by itself.
                    Program k = programs.get(s.str("run", ""));
                    if (k.steps().stream()
                            .noneMatch(x -> Set.of("sleep", "compute", "exit").contains(x.op()))) {
                        throw new ScenarioException(
                                file,
                                s.line(),
                                "kernel thread program '" + k.name()
                                        + "' loops until kthread_stop: it needs a sleep, compute or exit step");
                    }
                }
                if (s.op().equals("exec") && !programs.containsKey(s.str("image", ""))) {
                    throw new ScenarioException(file, s.line(), "exec of unknown program '" + s.str("image", "") + "'");
                }
            }
        }
        // Every "$var" names a variable some step saves where its program can see it.
        VariableScope.of(programs).check(file, fields.variableUses, fields.commUses, programs.keySet());
        return new Scenario(
                file,
                name,
                cpus,
                seed,
                pidMax,
                shmRmidForced,
                Set.copyOf(faults),
                ioInterrupts,
                Map.copyOf(programs),
                List.copyOf(boot),
                Set.copyOf(leftStopped));
    }

    /** Reads the steps of {@code program} (those of a repeat block at {@code depth} > 0) into {@code out}. */
    private void readSteps(FieldReader fields, String program, ConfigList list, List<Step> out, int depth)
            throws ScenarioException {
        for (ConfigValue v : list) {
            if (v.valueType() != ConfigValueType.OBJECT) throw bad(v, "a step must be an object like { op = exit }");
            ConfigObject o = (ConfigObject) v;
            ConfigValue opV = o.get("op");
            if (opV == null) throw bad(v, "step has no 'op'");
            if (opV.valueType() != ConfigValueType.STRING) {
                throw bad(opV, "op must be the name of an operation, got " + FieldReader.shown(opV));
            }
            String op = (String) opV.unwrapped();
            if (NOT_YET.contains(op)) {
                throw bad(opV, "op '" + op + "' is in the contract but not modelled in this version yet");
            }
            Map<String, FieldType> allowed = FIELDS.get(op);
            if (allowed == null) throw bad(opV, "unknown op '" + op + "'");
            Map<String, Object> args = new LinkedHashMap<>();
            for (String key : o.keySet()) {
                if (key.equals("op")) continue;
                FieldType type = allowed.get(key);
                if (type == null) throw bad(o.get(key), "op '" + op + "' has no field '" + key + "'");
                if (type != FieldType.STEPS) args.put(key, fields.read(program, op, key, type, o.get(key)));
            }
            int line = Math.max(0, v.origin().lineNumber());
            check(op, args, o);
            if (op.equals("repeat")) {
                ConfigValue body = o.get("steps");
                if (body == null || body.valueType() != ConfigValueType.LIST)
                    throw bad(v, "repeat needs 'steps', a list");
                if (depth + 1 > NestingCheck.MAX_REPEAT_DEPTH) {
                    throw bad(v, "repeat blocks nested deeper than " + NestingCheck.MAX_REPEAT_DEPTH);
                }
                int at = out.size();
                out.add(null);
                readSteps(fields, program, (ConfigList) body, out, depth + 1);
                out.set(at, new Step(at, op, Map.copyOf(args), line, out.size()));
            } else {
                out.add(new Step(out.size(), op, Map.copyOf(args), line, out.size() + 1));
            }
        }
    }

    private void check(String op, Map<String, Object> args, ConfigObject o) throws ScenarioException {
        // Each value has the type of its field already (FieldReader); what is checked here is what the
        // op makes of it: known flag and option names, required fields, what this version models.
        switch (op) {
            case "clone" -> {
                if (!args.containsKey("run")) throw bad(o, "clone needs 'run' (the program the child runs)");
                int flags = 0;
                for (String f : Step.names(args.get("flags"))) {
                    int b = CloneFlags.bit(f);
                    if (b == 0) throw bad(o.get("flags"), "unknown clone flag '" + f + "'");
                    flags |= b;
                }
                // A valid combination that needs what this version does not model yet is refused here; an
                // invalid one is left to copy_process, which answers EINVAL as Linux does.
                if (CloneFlags.check(flags, false) == null && (flags & ~CloneFlags.MODELLED) != 0) {
                    throw bad(
                            o.get("flags"),
                            "mount and user namespaces (CLONE_NEWNS, CLONE_NEWUSER) are not modelled in this "
                                    + "version yet");
                }
                // A number is the system call's argument (EINVAL at run time outside 0..64); a name must be known.
                Object es = args.getOrDefault("exit-signal", "SIGCHLD");
                if (!"none".equals(es) && Sig.arg(es) == null) {
                    throw bad(
                            o.get("exit-signal"),
                            "exit-signal must be none, a signal name or an int, got '" + es + "'");
                }
            }
            case "clone3" -> {
                if (!args.containsKey("run")) throw bad(o, "clone3 needs 'run' (the program the child runs)");
                for (String f : Step.names(args.get("flags"))) {
                    if (CloneFlags.clone3Bit(f) < 0) {
                        throw bad(o.get("flags"), "unknown clone3 flag '" + f + "'");
                    }
                }
                Object es = args.get("exit-signal");
                long exitSignal = 0;
                if (es instanceof Number n) {
                    exitSignal = n.longValue();
                } else if (es != null && !es.equals("none") && !isVar(es)) {
                    exitSignal = Sig.parse(String.valueOf(es));
                    if (exitSignal < 0) throw bad(o.get("exit-signal"), "unknown exit-signal '" + es + "'");
                }
                // As for clone: a valid combination that needs what this version does not model is refused here.
                long flags = CloneFlags.clone3Flags(Step.names(args.get("flags")));
                if (CloneFlags.clone3ArgsValid(flags, exitSignal) == null
                        && CloneFlags.check((int) flags, false) == null
                        && (flags & ~(CloneFlags.MODELLED | CloneFlags.CLONE_CLEAR_SIGHAND)) != 0) {
                    throw bad(
                            o.get("flags"),
                            "mount, user and time namespaces and CLONE_INTO_CGROUP are not modelled in this "
                                    + "version yet");
                }
            }
            case "setrlimit" -> {
                Object r = args.getOrDefault("resource", "RLIMIT_CORE");
                if (r instanceof Number n
                        ? n.longValue() >= 0 && n.longValue() < 16 && n.longValue() != 4
                        : !r.equals("RLIMIT_CORE") && !isVar(r)) {
                    throw bad(
                            o.get("resource") == null ? o : o.get("resource"),
                            "setrlimit models RLIMIT_CORE (4) only, got '" + r + "'");
                }
                if (!args.containsKey("value")) throw bad(o, "setrlimit needs 'value' (the soft limit)");
            }
            case "fork", "vfork", "thread", "kthread_run" -> {
                if (!args.containsKey("run")) throw bad(o, op + " needs 'run' (the program the child runs)");
            }
            case "exec" -> {
                if (!args.containsKey("image")) throw bad(o, "exec needs 'image' (the program to run)");
            }
            case "wait4" -> {
                for (String opt : Step.names(args.get("options"))) {
                    if (WaitOptions.bit(opt) == 0) throw bad(o.get("options"), "unknown wait option '" + opt + "'");
                }
            }
            case "kill" -> {
                if (!args.containsKey("pid")) throw bad(o, "kill needs 'pid'");
                // Any int is kill's argument (valid_signal is checked at run time: EINVAL); a name must be known.
                if (args.containsKey("sig") && Sig.arg(args.get("sig")) == null) {
                    throw bad(o.get("sig"), "sig must be a signal name or an int, got '" + args.get("sig") + "'");
                }
            }
            case "sigaction" -> {
                if (!args.containsKey("sig") || Sig.arg(args.get("sig")) == null) {
                    throw bad(
                            o.get("sig") == null ? o : o.get("sig"), "sigaction needs 'sig', a signal name or an int");
                }
                String h = String.valueOf(args.getOrDefault("handler", "SIG_DFL"));
                if (!Set.of("SIG_DFL", "SIG_IGN", "catch").contains(h)) {
                    throw bad(o.get("handler"), "handler must be SIG_DFL, SIG_IGN or catch, got '" + h + "'");
                }
                for (String f : Step.names(args.get("flags"))) {
                    if (!Set.of(
                                    "SA_NOCLDWAIT",
                                    "SA_NOCLDSTOP",
                                    "SA_RESTART",
                                    "SA_SIGINFO",
                                    "SA_RESETHAND",
                                    "SA_NODEFER")
                            .contains(f)) {
                        throw bad(o.get("flags"), "unknown sigaction flag '" + f + "'");
                    }
                }
            }
            case "prctl" -> {
                String opt = String.valueOf(args.getOrDefault("option", ""));
                if (!Prctl.OPTIONS.containsKey(opt) && !(args.get("option") instanceof Number)) {
                    throw bad(
                            o.get("option") == null ? o : o.get("option"),
                            "prctl option must be PR_SET_CHILD_SUBREAPER, PR_GET_CHILD_SUBREAPER, PR_SET_PDEATHSIG, "
                                    + "PR_GET_PDEATHSIG or a number, got '" + opt + "'");
                }
                // A signal name is a value for PR_SET_PDEATHSIG (option 1) only; other options take numbers.
                Object v = args.get("value");
                boolean pdeathsig = opt.equals("PR_SET_PDEATHSIG")
                        || (args.get("option") instanceof Number n && n.longValue() == Prctl.PR_SET_PDEATHSIG);
                if (v instanceof String name && !isVar(name) && !pdeathsig) {
                    throw bad(
                            o.get("value"),
                            "prctl's value must be an int or \"$var\" for " + opt + ", got '" + name
                                    + "' (a signal name is for PR_SET_PDEATHSIG)");
                }
            }
            case "waitid" -> {
                String idtype = String.valueOf(args.getOrDefault("idtype", "P_ALL"));
                if (!Set.of("P_ALL", "P_PID", "P_PGID").contains(idtype)) {
                    throw bad(o.get("idtype"), "idtype must be P_ALL, P_PID or P_PGID, got '" + idtype + "'");
                }
                for (String opt : Step.names(args.get("options"))) {
                    if (WaitOptions.bit(opt) == 0) throw bad(o.get("options"), "unknown wait option '" + opt + "'");
                }
            }
            case "repeat" -> {
                if (!(args.get("times") instanceof Number)) throw bad(o, "repeat needs 'times', a number");
            }
            default -> {}
        }
    }

    private static boolean isVar(Object v) {
        return v instanceof String s && (s.startsWith("$") || s.startsWith("-$"));
    }
}
