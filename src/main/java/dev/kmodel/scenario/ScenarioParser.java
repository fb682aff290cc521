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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads a HOCON scenario (contract §2) and checks it; every problem names the file and line. */
public final class ScenarioParser {
    /** Linux's pid_max bounds (include/linux/threads.h: PID_MAX_DEFAULT, RESERVED_PIDS + 1). */
    public static final int PID_MAX_DEFAULT = 32768, PID_MAX_MIN = 301, PID_MAX_LIMIT = 4 * 1024 * 1024;

    /** The fields each op accepts (besides {@code op}). */
    private static final Map<String, Set<String>> FIELDS = new LinkedHashMap<>();
    /** Ops of the contract that this version reads but does not model yet. */
    private static final Set<String> NOT_YET = Set.of();

    static {
        FIELDS.put("fork", Set.of("run", "save"));
        FIELDS.put("vfork", Set.of("run", "save"));
        FIELDS.put("thread", Set.of("run", "save"));
        FIELDS.put("kthread_run", Set.of("run", "save"));
        FIELDS.put("kthread_stop", Set.of("pid", "save"));
        FIELDS.put("clone", Set.of("flags", "exit-signal", "run", "save"));
        FIELDS.put("clone3", Set.of("flags", "exit-signal", "run", "save"));
        FIELDS.put("exec", Set.of("image", "pages", "save"));
        FIELDS.put("exit", Set.of("code"));
        FIELDS.put("exit_group", Set.of("code"));
        FIELDS.put("wait4", Set.of("pid", "options", "save"));
        FIELDS.put("kill", Set.of("pid", "sig", "save"));
        FIELDS.put("sigaction", Set.of("sig", "handler", "flags", "save"));
        FIELDS.put("setpgid", Set.of("pid", "pgid", "save"));
        FIELDS.put("setsid", Set.of("save"));
        FIELDS.put("prctl", Set.of("option", "value", "save"));
        FIELDS.put("setrlimit", Set.of("resource", "value", "max", "save"));
        FIELDS.put("unshare", Set.of("flags", "save"));
        FIELDS.put("sysctl", Set.of("name", "value", "save"));
        FIELDS.put("waitid", Set.of("idtype", "id", "options", "save"));
        FIELDS.put("mmap", Set.of("pages", "write", "save"));
        FIELDS.put("touch", Set.of("pages", "write", "save"));
        FIELDS.put("open", Set.of("count", "save"));
        FIELDS.put("close", Set.of("fd", "save"));
        FIELDS.put("semundo", Set.of("count", "sem", "save"));
        FIELDS.put("semop", Set.of("count", "sem", "undo", "save"));
        FIELDS.put("semval", Set.of("sem", "save"));
        FIELDS.put("shmget", Set.of("count", "save"));
        FIELDS.put("sleep", Set.of("ticks"));
        FIELDS.put("compute", Set.of("ticks"));
        FIELDS.put("rcu_walk", Set.of("ticks"));
        FIELDS.put("getpid", Set.of("save"));
        FIELDS.put("gettid", Set.of("save"));
        FIELDS.put("getppid", Set.of("save"));
        FIELDS.put("getpgid", Set.of("pid", "save"));
        FIELDS.put("getpgrp", Set.of("save"));
        FIELDS.put("getsid", Set.of("pid", "save"));
        FIELDS.put("repeat", Set.of("times", "steps"));
    }

    private final String file;

    private ScenarioParser(String file) {
        this.file = file;
    }

    public static Scenario parseFile(File f) throws ScenarioException {
        if (!f.isFile()) throw new ScenarioException(f.getPath(), 0, "no such scenario file");
        if (!f.canRead()) throw new ScenarioException(f.getPath(), 0, "scenario file is not readable");
        ScenarioParser p = new ScenarioParser(f.getPath());
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
        }
    }

    public static Scenario parseString(String name, String text) throws ScenarioException {
        ScenarioParser p = new ScenarioParser(name);
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
        }
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
        String name = c.hasPath("name")
                ? c.getString("name")
                : new File(file).getName().replaceAll("\\.conf$", "");
        int cpus = c.hasPath("cpus") ? c.getInt("cpus") : 2;
        if (cpus < 1 || cpus > 256) throw bad(root.get("cpus"), "cpus must be between 1 and 256, got " + cpus);
        long seed = c.hasPath("seed") ? c.getLong("seed") : 1;
        int pidMax = PID_MAX_DEFAULT;
        boolean shmRmidForced = false;
        if (c.hasPath("kernel")) {
            ConfigObject k = c.getObject("kernel");
            for (String key : k.keySet()) {
                if (!Set.of("pid-max", "shm-rmid-forced").contains(key)) {
                    throw bad(k.get(key), "unknown kernel knob '" + key + "' (known: pid-max, shm-rmid-forced)");
                }
            }
            if (c.hasPath("kernel.pid-max")) {
                pidMax = c.getInt("kernel.pid-max");
                if (pidMax < PID_MAX_MIN || pidMax > PID_MAX_LIMIT) {
                    throw bad(
                            k.get("pid-max"),
                            "kernel.pid-max must be in [" + PID_MAX_MIN + ", " + PID_MAX_LIMIT
                                    + "] as for /proc/sys/kernel/pid_max, got " + pidMax);
                }
            }
            if (c.hasPath("kernel.shm-rmid-forced")) {
                shmRmidForced = c.getInt("kernel.shm-rmid-forced") != 0;
            }
        }
        if (!c.hasPath("programs")) throw bad(root, "missing 'programs'");
        ConfigObject progs = c.getObject("programs");
        Map<String, Program> programs = new LinkedHashMap<>();
        for (String pname : progs.keySet()) {
            ConfigValue v = progs.get(pname);
            if (v.valueType() != ConfigValueType.LIST) throw bad(v, "program '" + pname + "' must be a list of steps");
            List<Step> steps = new ArrayList<>();
            readSteps((ConfigList) v, steps);
            programs.put(pname, new Program(pname, List.copyOf(steps)));
        }
        if (!c.hasPath("boot")) throw bad(root, "missing 'boot' (the programs init forks at boot)");
        ConfigValue bootV = root.get("boot");
        if (bootV.valueType() != ConfigValueType.LIST) throw bad(bootV, "'boot' must be a list of program names");
        List<String> boot = new ArrayList<>();
        for (ConfigValue b : (ConfigList) bootV) {
            String bn = String.valueOf(b.unwrapped());
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
        return new Scenario(
                file,
                name,
                cpus,
                seed,
                pidMax,
                shmRmidForced,
                Map.copyOf(programs),
                List.copyOf(boot),
                Set.copyOf(leftStopped));
    }

    private void readSteps(ConfigList list, List<Step> out) throws ScenarioException {
        for (ConfigValue v : list) {
            if (v.valueType() != ConfigValueType.OBJECT) throw bad(v, "a step must be an object like { op = exit }");
            ConfigObject o = (ConfigObject) v;
            ConfigValue opV = o.get("op");
            if (opV == null) throw bad(v, "step has no 'op'");
            String op = String.valueOf(opV.unwrapped());
            if (NOT_YET.contains(op)) {
                throw bad(opV, "op '" + op + "' is in the contract but not modelled in this version yet");
            }
            Set<String> allowed = FIELDS.get(op);
            if (allowed == null) throw bad(opV, "unknown op '" + op + "'");
            Map<String, Object> args = new LinkedHashMap<>();
            for (String key : o.keySet()) {
                if (key.equals("op")) continue;
                if (!allowed.contains(key)) throw bad(o.get(key), "op '" + op + "' has no field '" + key + "'");
                if (!key.equals("steps")) args.put(key, o.get(key).unwrapped());
            }
            int line = Math.max(0, v.origin().lineNumber());
            check(op, args, o);
            if (op.equals("repeat")) {
                ConfigValue body = o.get("steps");
                if (body == null || body.valueType() != ConfigValueType.LIST)
                    throw bad(v, "repeat needs 'steps', a list");
                int at = out.size();
                out.add(null);
                readSteps((ConfigList) body, out);
                out.set(at, new Step(at, op, Map.copyOf(args), line, out.size()));
            } else {
                out.add(new Step(out.size(), op, Map.copyOf(args), line, out.size() + 1));
            }
        }
    }

    private void check(String op, Map<String, Object> args, ConfigObject o) throws ScenarioException {
        for (String key : List.of("ticks", "pages", "count", "times", "code", "fd")) {
            if (args.containsKey(key) && !(args.get(key) instanceof Number) && !isVar(args.get(key))) {
                throw bad(o.get(key), key + " must be a number, got '" + args.get(key) + "'");
            }
            // semop's count is sem_op: negative takes from the semaphore.
            if (args.get(key) instanceof Number n
                    && n.longValue() < 0
                    && !key.equals("code")
                    && !(key.equals("count") && op.equals("semop"))) {
                throw bad(o.get(key), key + " must not be negative");
            }
        }
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
                for (String key : List.of("value", "max")) {
                    Object v = args.get(key);
                    if (v != null
                            && !(v instanceof Number)
                            && !isVar(v)
                            && !Set.of("RLIM_INFINITY", "unlimited").contains(v)) {
                        throw bad(o.get(key), key + " must be a number, RLIM_INFINITY or unlimited, got '" + v + "'");
                    }
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
                Object v = args.get("value");
                if (opt.equals("PR_SET_PDEATHSIG") && v instanceof String name && !isVar(name) && Sig.parse(name) < 0) {
                    throw bad(o.get("value"), "unknown signal '" + name + "'");
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
