package dev.kmodel.stress;

import dev.kmodel.scenario.Scenario;
import dev.kmodel.scenario.ScenarioException;
import dev.kmodel.scenario.ScenarioParser;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Seeded random programs for the process lifecycle (issue 11, item 3): a small syzkaller whose
 * system calls are the scenario ops (docs/scenarios.md). {@link #generate(long)} turns a seed into the
 * text of a scenario; the same seed always gives the same text, and nothing but the seed is drawn from.
 *
 * <p><b>Shape.</b> The programs form a tree: each program is run by exactly one step (a {@code fork},
 * {@code clone}, {@code thread}, {@code vfork}, {@code exec}, or {@code boot}), so no program creates
 * itself and the number of tasks is known while the text is written: at most {@link #MAX_TASKS} (the
 * boot tasks included; a creation inside a {@code repeat} counts once per time, and a program run by
 * several tasks counts its creations once per task). 1–3 boot programs, at most
 * {@link #MAX_PROGRAMS} programs of 1–{@link #MAX_STEPS} steps, at most {@link #MAX_DEPTH} generations,
 * ticks of 1–{@link #MAX_TICKS}. Variable names are unique in the scenario ({@code v1}, {@code v2}, ...),
 * so a {@code "$vN"} always means the one task it was saved for.
 *
 * <p><b>No legitimate hang.</b> A run of a generated scenario must end with every task gone (or
 * stopped in a program named in {@code left-stopped}), as Linux would; a task asleep at the end is a
 * model bug, not a bad program. The rules that make it so:
 *
 * <ul>
 *   <li>Every program is finite and waits only in the wait family, {@code vfork} and (for a dying pid
 *       namespace's init) {@code zap_pid_ns_processes}. The wait family sees only the caller's children,
 *       so no task waits for an ancestor.
 *   <li>Stop signals ({@code SIGSTOP}) are sent only by a task to a child it created itself with
 *       {@code fork} or a process-making {@code clone} (never to a group, to itself, to a sibling, a
 *       thread or a failed clone's {@code -errno}), as a block: {@code SIGSTOP}, then {@code sleep} or
 *       {@code wait4(WUNTRACED)} of that child, then {@code SIGCONT} or {@code SIGKILL}; or {@code
 *       SIGSTOP} as the program's last act before {@code exit} (the child is then abandoned stopped).
 *       Never by a program whose process has threads (a sibling thread's {@code exec} would kill the
 *       sender in the middle of the block and hand its stopped child to a thread that waits for it).
 *       The sender can still be killed in the middle of a block (by its parent, a group kill, a
 *       parent-death signal), so every program a stopped task may run (the child's program, its
 *       {@code exec} images and threads' images) is in {@code left-stopped}.
 *   <li>A task that may adopt orphans — a child subreaper, a pid namespace's init, or an image they
 *       exec — may adopt one left stopped, so its waits for "any child" ({@code -1}, {@code 0},
 *       {@code -pgid}, {@code P_ALL}, {@code P_PGID}) carry {@code WNOHANG}.
 *   <li>After {@code unshare(CLONE_NEWPID)} the caller's children after the first are in the new
 *       namespace, and that namespace's init (the first) waits in {@code zap_pid_ns_processes} until
 *       the caller reaps them: so the caller's blocking waits are {@code wait4(-1)} / {@code
 *       waitid(P_ALL, WEXITED)} only (a wait for the init alone would deadlock, in Linux as in the
 *       model; see conf/scenarios/pid-ns.conf; so would a {@code waitid} without {@code WEXITED}, which
 *       reaps nothing: wait_task_zombie). The step after {@code unshare} forks that init. Nor does the
 *       caller {@code clone(CLONE_PARENT)} after it: that child is in the new namespace too, but its
 *       parent is the caller's parent, which may be waiting for the caller (copy_process;
 *       zap_pid_ns_processes waits for "EXIT_ZOMBIE process whose parents processes are outside of the
 *       pid namespace"). For the same reason its {@code clone} children exit with {@code SIGCHLD}
 *       (so a wait without {@code __WALL} sees them) and the waits of its stop blocks carry {@code
 *       WNOHANG}. Nor is {@code unshare(CLONE_NEWPID)} called below a task that may adopt orphans (a
 *       subreaper or a namespace's init, or their images): if the caller dies before reaping its children
 *       in the new namespace, forget_original_parent gives them to find_new_reaper's reaper (the nearest
 *       subreaper ancestor, else the caller's own namespace's child_reaper), which here never blocks to
 *       reap them or is left stopped, so their zombies keep zap_pid_ns_processes waiting (seed 105340);
 *       the model's init, the reaper otherwise, reaps them. Regressions: ns-zap-clone-parent.conf,
 *       ns-zap-waitid-stopped.conf.
 *   <li>{@code vfork} children (and {@code clone(CLONE_VM|CLONE_VFORK)}) run at most two short steps,
 *       then {@code exec} or {@code exit}: the parent sleeps until then.
 * </ul>
 */
public final class RandomProgram {
    /** Tasks the programs create, boot tasks included. */
    public static final int MAX_TASKS = 12;
    /** Programs in one scenario. */
    public static final int MAX_PROGRAMS = 10;
    /** Steps of one program (a repeat block counts its own steps). */
    public static final int MAX_STEPS = 8;
    /** Ticks of one sleep, compute or rcu_walk. */
    public static final int MAX_TICKS = 20;
    /** Generations below a boot program. */
    public static final int MAX_DEPTH = 4;

    private static final Pattern OP = Pattern.compile("\\bop = ([a-z_0-9]+)");

    private RandomProgram() {}

    /** The scenario text of {@code seed}: {@code name = "random-<seed>"}, 2–4 CPUs, {@code seed = <seed>}. */
    public static String generate(long seed) {
        return new Generator(seed).scenario();
    }

    /** {@link #generate(long)}, parsed. */
    public static Scenario scenario(long seed) throws ScenarioException {
        return ScenarioParser.parseString("random-" + seed + ".conf", generate(seed));
    }

    /** The ops a scenario text uses, in order of first use. */
    public static Set<String> ops(String text) {
        Set<String> out = new LinkedHashSet<>();
        Matcher m = OP.matcher(text);
        while (m.find()) out.add(m.group(1));
        return out;
    }

    /** What runs a program: it decides what the program may do. */
    private enum Kind {
        BOOT,
        CHILD,
        /** vfork's child: a few steps, then exec or exit (its parent sleeps until then). */
        VFORK_CHILD,
        /** a thread of its creator's process. */
        THREAD,
        /** the program an exec started: the process goes on. */
        IMAGE,
        /** the init of a new pid namespace. */
        NSINIT,
        /** the child of a clone that fails (EINVAL): never runs. */
        NEVER
    }

    /**
     * How a program is run.
     *
     * @param instances how many tasks run it (for the task bound)
     * @param adopter   its process may adopt orphans (subreaper, namespace init)
     * @param unshared  its process called unshare(CLONE_NEWPID)
     * @param adopted   an ancestor process may adopt orphans (a generated subreaper or namespace init): its
     *                  own orphans may go to a program that never blocks to reap them (find_new_reaper)
     * @param inherited the pid variables it starts with (saved before its creator created it)
     */
    private record Ctx(
            Kind kind,
            int instances,
            int depth,
            boolean adopter,
            boolean unshared,
            boolean adopted,
            List<PidVar> inherited) {}

    /** A variable holding a pid; {@code stoppable}: this program's own child, which it may SIGSTOP. */
    private record PidVar(String name, boolean child, boolean stoppable) {}

    private static final class Generator {
        final long seed;
        final SplittableRandom rnd;
        final Map<String, List<String>> programs = new LinkedHashMap<>();
        /** For left-stopped: program → the programs whose comm its tasks may take (exec images) or whose image (threads). */
        final Map<String, List<String>> becomes = new LinkedHashMap<>();

        final Set<String> stopTargets = new TreeSet<>();
        int tasks;
        int vars;

        Generator(long seed) {
            this.seed = seed;
            this.rnd = new SplittableRandom(seed);
        }

        String scenario() {
            int cpus = 2 + rnd.nextInt(3);
            int boots = 1 + rnd.nextInt(3);
            List<String> boot = new ArrayList<>();
            for (int i = 0; i < boots && tasks < MAX_TASKS && programs.size() < MAX_PROGRAMS; i++) {
                tasks++;
                boot.add(program(new Ctx(Kind.BOOT, 1, 0, false, false, false, List.of())));
            }
            StringBuilder b = new StringBuilder();
            b.append("# generated by dev.kmodel.stress.RandomProgram.generate(")
                    .append(seed)
                    .append(")\n");
            b.append("name = \"random-").append(seed).append("\"\n");
            b.append("cpus = ").append(cpus).append('\n');
            b.append("seed = ").append(seed).append('\n');
            b.append("programs {\n");
            for (Map.Entry<String, List<String>> p : programs.entrySet()) {
                b.append("  ").append(p.getKey()).append(" = [\n");
                for (String s : p.getValue()) b.append("    ").append(s).append('\n');
                b.append("  ]\n");
            }
            b.append("}\n");
            b.append("boot = [ ").append(String.join(", ", boot)).append(" ]\n");
            Set<String> left = leftStopped();
            if (!left.isEmpty())
                b.append("left-stopped = [ ").append(String.join(", ", left)).append(" ]\n");
            return b.toString();
        }

        /** Every program a task that may be stopped can be running: the targets and what they become. */
        private Set<String> leftStopped() {
            Set<String> out = new TreeSet<>();
            Deque<String> work = new ArrayDeque<>(stopTargets);
            while (!work.isEmpty()) {
                String p = work.poll();
                if (out.add(p)) work.addAll(becomes.getOrDefault(p, List.of()));
            }
            return out;
        }

        // ---- programs -----------------------------------------------------------------------------

        /** The state of the program being written. */
        private final class Prog {
            final String name;
            final Ctx ctx;
            final List<String> steps = new ArrayList<>();
            final List<PidVar> pidVars;
            /** Its process may have threads: no stop signals, no unshare, no subreaper. */
            final boolean threaded;

            boolean adopter;
            boolean unshared;
            /** It (or, for an image, the task before exec) may have created children. */
            boolean created;

            boolean done; // exec'd or exited: nothing may follow
            final int limit;
            int extra; // steps inside repeat blocks (each counts)

            Prog(String name, Ctx ctx, boolean threaded, int limit) {
                this.name = name;
                this.ctx = ctx;
                this.pidVars = new ArrayList<>(ctx.inherited());
                this.threaded = threaded;
                this.adopter = ctx.adopter();
                this.unshared = ctx.unshared();
                this.created = ctx.kind() == Kind.IMAGE;
                this.limit = limit;
            }

            int room() {
                return done ? 0 : limit - steps.size() - extra;
            }

            List<PidVar> stoppable() {
                return pidVars.stream().filter(PidVar::stoppable).toList();
            }

            List<PidVar> children() {
                return pidVars.stream().filter(PidVar::child).toList();
            }
        }

        /** Writes a new program run as {@code ctx} says (and, first, the programs it creates); returns its name. */
        private String program(Ctx ctx) {
            String name = "p" + programs.size();
            programs.put(name, new ArrayList<>()); // its place: creators come before what they create
            becomes.put(name, new ArrayList<>());
            boolean threaded = ctx.kind() == Kind.THREAD
                    || (!ctx.adopter() && !ctx.unshared() && ctx.kind() != Kind.VFORK_CHILD && rnd.nextInt(4) == 0);
            int limit = switch (ctx.kind()) {
                case VFORK_CHILD -> 1 + rnd.nextInt(3);
                case NEVER -> 1;
                case BOOT -> 3 + rnd.nextInt(MAX_STEPS - 2); // a root with something to do
                default -> 1 + rnd.nextInt(MAX_STEPS);
            };
            Prog p = new Prog(name, ctx, threaded, limit);
            if (ctx.kind() == Kind.NEVER) {
                p.steps.add(exit());
            } else if (ctx.kind() == Kind.VFORK_CHILD) {
                while (p.room() > 1) p.steps.add(vforkStep(p));
                finishVforkChild(p);
            } else {
                while (p.room() > 0) step(p);
            }
            programs.put(name, p.steps);
            return name;
        }

        /** A vfork child's short steps: nothing that waits or creates. */
        private String vforkStep(Prog p) {
            return switch (rnd.nextInt(6)) {
                case 0 -> "{ op = getpid, save = " + pidVar(p, false, false) + " }";
                case 1 -> "{ op = compute, ticks = " + ticks() + " }";
                case 2 -> "{ op = sleep, ticks = " + ticks() + " }";
                case 3 -> "{ op = setpgid, pid = 0, pgid = 0 }";
                case 4 -> pdeathsig();
                default -> sigaction();
            };
        }

        private void finishVforkChild(Prog p) {
            int r = rnd.nextInt(3);
            if (r == 0 && canCreate(p, 1)) {
                exec(p);
            } else if (r == 1) {
                p.steps.add("{ op = exit_group, code = " + code() + " }");
            } else {
                p.steps.add(exit());
            }
            p.done = true;
        }

        private boolean canCreate(Prog p, int times) {
            return p.ctx.depth() < MAX_DEPTH
                    && programs.size() < MAX_PROGRAMS
                    && tasks + p.ctx.instances() * times <= MAX_TASKS;
        }

        private boolean canExec(Prog p) {
            return p.ctx.depth() < MAX_DEPTH && programs.size() < MAX_PROGRAMS;
        }

        /** One or more steps of {@code p}. */
        private void step(Prog p) {
            int w = rnd.nextInt(100);
            if (w < 12) fork(p);
            else if (w < 22) clone(p);
            else if (w < 27) thread(p);
            else if (w < 32) vfork(p);
            else if (w < 35) execStep(p);
            else if (w < 39) exitStep(p);
            else if (w < 49) p.steps.add(wait4(p));
            else if (w < 54) p.steps.add(waitid(p));
            else if (w < 60) p.steps.add(kill(p));
            else if (w < 67) stopBlock(p);
            else if (w < 70) p.steps.add(sigaction());
            else if (w < 74) setpgid(p);
            else if (w < 76) p.steps.add("{ op = setsid, save = " + var() + " }");
            else if (w < 80) prctl(p);
            else if (w < 83) unshare(p);
            else if (w < 92) p.steps.add(time());
            else if (w < 95) getpid(p);
            else if (w < 97)
                p.steps.add(
                        rnd.nextBoolean()
                                ? "{ op = touch, pages = " + (1 + rnd.nextInt(4)) + " }"
                                : "{ op = open, count = " + (1 + rnd.nextInt(2)) + " }");
            else repeat(p);
        }

        private String time() {
            String op = switch (rnd.nextInt(5)) {
                case 0, 1 -> "sleep";
                case 2, 3 -> "compute";
                default -> "rcu_walk";
            };
            return "{ op = " + op + ", ticks = " + ticks() + " }";
        }

        private int ticks() {
            return 1 + rnd.nextInt(MAX_TICKS);
        }

        private int code() {
            return rnd.nextInt(4) == 0 ? rnd.nextInt(256) : rnd.nextInt(8);
        }

        private String exit() {
            return "{ op = exit, code = " + code() + " }";
        }

        private String var() {
            return "v" + (++vars);
        }

        private String pidVar(Prog p, boolean child, boolean stoppable) {
            String v = var();
            p.pidVars.add(new PidVar(v, child, stoppable));
            return v;
        }

        /**
         * A variable named now (so numbers follow the text) for a child created next: the child does not
         * inherit it (fork copies the variables before the parent saves the pid), so it is added after.
         */
        private String reserve() {
            return var();
        }

        private String saved(Prog p, String v, boolean child, boolean stoppable) {
            p.pidVars.add(new PidVar(v, child, stoppable));
            return v;
        }

        private <T> T pick(List<T> l) {
            return l.get(rnd.nextInt(l.size()));
        }

        /** A child program created by {@code p} {@code times} times (the tasks are counted here). */
        private String child(Prog p, Kind kind, int times, boolean adopter) {
            tasks += p.ctx.instances() * times;
            p.created = true;
            return program(new Ctx(
                    kind,
                    p.ctx.instances() * times,
                    p.ctx.depth() + 1,
                    adopter,
                    false,
                    p.ctx.adopted() || p.adopter || p.unshared,
                    List.copyOf(p.pidVars.stream()
                            .map(v -> new PidVar(v.name(), false, false))
                            .toList())));
        }

        private void fork(Prog p) {
            if (!canCreate(p, 1)) {
                p.steps.add(time());
                return;
            }
            String v = reserve();
            String c = child(p, Kind.CHILD, 1, false);
            p.steps.add("{ op = fork, run = " + c + ", save = " + saved(p, v, true, !p.threaded) + " }");
        }

        private void thread(Prog p) {
            if (!p.threaded || !canCreate(p, 1) || p.ctx.kind() == Kind.THREAD) {
                fork(p);
                return;
            }
            String v = reserve();
            String t = child(p, Kind.THREAD, 1, false);
            becomes.get(p.name).add(t);
            p.steps.add("{ op = thread, run = " + t + ", save = " + saved(p, v, false, false) + " }");
        }

        private void vfork(Prog p) {
            if (!canCreate(p, 1)) {
                p.steps.add(time());
                return;
            }
            String v = reserve();
            String c = child(p, Kind.VFORK_CHILD, 1, false);
            boolean viaClone = rnd.nextInt(4) == 0;
            String save = saved(p, v, true, !p.threaded);
            p.steps.add(
                    viaClone
                            ? "{ op = clone, flags = [ CLONE_VM, CLONE_VFORK ], run = " + c + ", save = " + save + " }"
                            : "{ op = vfork, run = " + c + ", save = " + save + " }");
        }

        /** clone(2) with the flag combinations that reach the interesting paths. */
        private void clone(Prog p) {
            if (!canCreate(p, 1)) {
                p.steps.add(time());
                return;
            }
            int r = rnd.nextInt(14);
            if (r == 0 || r == 1) { // a thread
                if (!p.threaded || p.ctx.kind() == Kind.THREAD) r = 2;
                else {
                    String v = reserve();
                    String t = child(p, Kind.THREAD, 1, false);
                    becomes.get(p.name).add(t);
                    p.steps.add("{ op = clone, flags = [ CLONE_THREAD, CLONE_SIGHAND, CLONE_VM ], run = " + t
                            + ", save = " + saved(p, v, false, false) + " }");
                    return;
                }
            }
            if (r == 2 || r == 3) { // a sibling
                String es = rnd.nextBoolean() ? "" : ", exit-signal = " + pick(List.of("SIGCHLD", "SIGUSR1", "none"));
                String v = reserve();
                String c = child(p, Kind.CHILD, 1, false);
                // Not after unshare(CLONE_NEWPID): copy_process would put the sibling in the new namespace
                // (alloc_pid in nsproxy->pid_ns_for_children) with the caller's parent as its real_parent,
                // outside it; zap_pid_ns_processes then waits until that parent reaps it, and nothing keeps
                // the parent from waiting for the caller alone (seed 3523; see the class comment). An
                // ordinary child (exit signal SIGCHLD), which the caller's wait4(-1) reaps, instead; the
                // draws are the same, so the rest of the program is too.
                String flags = p.unshared ? "[]" : "[ CLONE_PARENT ]";
                if (p.unshared) es = "";
                p.steps.add("{ op = clone, flags = " + flags + es + ", run = " + c + ", save = "
                        + saved(p, v, false, false) + " }");
                return;
            }
            if (r == 4 || r == 5) { // a new pid namespace
                String v = reserve();
                String c = child(p, Kind.NSINIT, 1, true);
                p.steps.add("{ op = clone, flags = [ CLONE_NEWPID ], run = " + c + ", save = "
                        + saved(p, v, true, !p.threaded) + " }");
                return;
            }
            if (r == 6) { // copy_process's EINVAL
                String flags = pick(List.of(
                        "[ CLONE_THREAD ]",
                        "[ CLONE_SIGHAND ]",
                        "[ CLONE_THREAD, CLONE_SIGHAND, CLONE_VM, CLONE_NEWPID ]"));
                String v = reserve();
                String c = child(p, Kind.NEVER, 1, false);
                p.steps.add("{ op = clone, flags = " + flags + ", run = " + c + ", save = " + saved(p, v, false, false)
                        + " }");
                return;
            }
            String flags = pick(List.of(
                    "[]",
                    "[ CLONE_FILES ]",
                    "[ CLONE_VM ]",
                    "[ CLONE_VM, CLONE_SIGHAND ]",
                    "[ CLONE_FS, CLONE_FILES ]",
                    "[ CLONE_SYSVSEM ]",
                    "[ CLONE_FILES, CLONE_VM, CLONE_SIGHAND ]"));
            String es = switch (rnd.nextInt(5)) {
                case 0 -> ", exit-signal = none";
                case 1 -> ", exit-signal = SIGUSR1";
                case 2 -> ", exit-signal = SIGCHLD";
                default -> "";
            };
            // After unshare(CLONE_NEWPID) the child is in the new namespace and only the caller can reap it;
            // with an exit signal other than SIGCHLD a wait4(-1) / waitid(P_ALL) without __WALL or __WCLONE
            // does not see it (eligible_child), so the dying init would wait for it for ever.
            if (p.unshared && !es.contains("SIGCHLD")) es = "";
            String v = reserve();
            String c = child(p, Kind.CHILD, 1, false);
            p.steps.add("{ op = clone, flags = " + flags + es + ", run = " + c + ", save = "
                    + saved(p, v, true, !p.threaded) + " }");
        }

        private void execStep(Prog p) {
            if (!canExec(p)) {
                p.steps.add(time());
                return;
            }
            exec(p);
        }

        private void exec(Prog p) {
            int depth = p.ctx.depth() + 1;
            String image = program(new Ctx(
                    Kind.IMAGE,
                    p.ctx.instances(),
                    depth,
                    p.adopter,
                    p.unshared,
                    p.ctx.adopted(),
                    List.copyOf(p.pidVars.stream()
                            .map(v -> new PidVar(v.name(), v.child(), false))
                            .toList())));
            becomes.get(p.name).add(image);
            String pages = rnd.nextBoolean() ? "" : ", pages = " + (1 + rnd.nextInt(4));
            p.steps.add("{ op = exec, image = " + image + pages + " }");
            p.done = true;
        }

        private void exitStep(Prog p) {
            p.steps.add(rnd.nextInt(3) == 0 ? "{ op = exit_group, code = " + code() + " }" : exit());
            p.done = true;
        }

        // ---- waits ------------------------------------------------------------------------------

        /** A target for the wait family: {@code -1}, {@code 0}, {@code "$child"}, {@code "-$child"}, or another pid. */
        private String waitPid(Prog p) {
            List<PidVar> kids = p.children();
            int r = rnd.nextInt(10);
            if (r < 4 && !kids.isEmpty()) return "\"$" + pick(kids).name() + "\"";
            if (r < 5 && !p.pidVars.isEmpty()) return "\"$" + pick(p.pidVars).name() + "\"";
            if (r < 6 && !p.pidVars.isEmpty()) return "\"-$" + pick(p.pidVars).name() + "\"";
            if (r < 7) return "0";
            return "-1";
        }

        /** May a blocking wait for {@code pid} (a wait4 pid) hang for ever? Then it gets WNOHANG. */
        private boolean mustNotBlock(Prog p, String pid) {
            boolean ownChild =
                    pid.startsWith("\"$") && p.children().stream().anyMatch(v -> pid.equals("\"$" + v.name() + "\""));
            if (p.unshared && !pid.equals("-1")) return true;
            return p.adopter && !ownChild;
        }

        private String wait4(Prog p) {
            String pid = waitPid(p);
            List<String> opts = new ArrayList<>();
            if (rnd.nextInt(3) == 0) opts.add("WNOHANG");
            if (rnd.nextInt(4) == 0) opts.add("WUNTRACED");
            if (rnd.nextInt(5) == 0) opts.add("WCONTINUED");
            int k = rnd.nextInt(10);
            if (k < 2) opts.add("__WALL");
            else if (k < 3) opts.add("__WCLONE");
            if (rnd.nextInt(10) == 0) opts.add("__WNOTHREAD");
            if (rnd.nextInt(25) == 0) opts.add("WNOWAIT"); // EINVAL for wait4
            if (!opts.contains("WNOHANG") && mustNotBlock(p, pid)) opts.add(0, "WNOHANG");
            String o = opts.isEmpty() ? "" : ", options = [ " + String.join(", ", opts) + " ]";
            return "{ op = wait4, pid = " + pid + o + ", save = " + var() + " }";
        }

        private String waitid(Prog p) {
            List<PidVar> kids = p.children();
            String idtype;
            String id;
            String asWait4; // the same target as a wait4 pid, for mustNotBlock
            int r = rnd.nextInt(10);
            if (r < 4 && !kids.isEmpty()) {
                idtype = "P_PID";
                String v = "\"$" + pick(kids).name() + "\"";
                id = ", id = " + v;
                asWait4 = v;
            } else if (r < 6) {
                idtype = "P_PGID";
                id = ", id = "
                        + (p.pidVars.isEmpty() || rnd.nextBoolean()
                                ? "0"
                                : "\"$" + pick(p.pidVars).name() + "\"");
                asWait4 = "0";
            } else {
                idtype = "P_ALL";
                id = "";
                asWait4 = "-1";
            }
            List<String> opts = new ArrayList<>();
            if (rnd.nextInt(10) < 8) opts.add("WEXITED");
            if (rnd.nextInt(3) == 0) opts.add("WSTOPPED");
            if (rnd.nextInt(4) == 0) opts.add("WCONTINUED");
            if (rnd.nextInt(3) == 0) opts.add("WNOHANG");
            if (rnd.nextInt(4) == 0) opts.add("WNOWAIT");
            if (rnd.nextInt(5) == 0) opts.add("__WALL");
            // After unshare(CLONE_NEWPID) only a wait that reaps lets the dying init's zap_pid_ns_processes
            // finish: without WEXITED, wait_task_zombie leaves the zombie where it is (seed 4089).
            if (!opts.contains("WNOHANG") && (mustNotBlock(p, asWait4) || p.unshared && !opts.contains("WEXITED")))
                opts.add("WNOHANG");
            return "{ op = waitid, idtype = " + idtype + id + ", options = [ " + String.join(", ", opts) + " ], save = "
                    + var() + " }";
        }

        // ---- signals ------------------------------------------------------------------------------

        /** kill(2) with a signal that does not stop: to a saved pid, its group, the caller's group, the parent. */
        private String kill(Prog p) {
            String sig = pick(List.of("SIGKILL", "SIGTERM", "SIGTERM", "SIGUSR1", "SIGCHLD", "SIGCONT", "0"));
            String pid;
            int r = rnd.nextInt(10);
            if (r < 6 && !p.pidVars.isEmpty()) pid = "\"$" + pick(p.pidVars).name() + "\"";
            else if (r < 8 && !p.pidVars.isEmpty())
                pid = "\"-$" + pick(p.pidVars).name() + "\"";
            else if (r < 9) pid = "0";
            else pid = "\"@" + pick(List.copyOf(programs.keySet())) + "\"";
            return "{ op = kill, pid = " + pid + ", sig = " + sig + ", save = " + var() + " }";
        }

        /** SIGSTOP to a child of this program, and what follows it (see the class comment). */
        private void stopBlock(Prog p) {
            List<PidVar> targets = p.stoppable();
            if (p.threaded || targets.isEmpty() || p.room() < 2) {
                p.steps.add(kill(p));
                return;
            }
            String c = "\"$" + pick(targets).name() + "\"";
            for (String prog : programsSavedAs(p, c)) stopTargets.add(prog);
            p.steps.add("{ op = kill, pid = " + c + ", sig = SIGSTOP, save = " + var() + " }");
            int form = rnd.nextInt(6);
            if (form == 0) { // abandoned: the parent exits with its child stopped
                p.steps.add(exit());
                p.done = true;
                return;
            }
            // After unshare(CLONE_NEWPID) a blocking wait for one child may wait for the namespace's init
            // (or a task it must outlive) while it sits in zap_pid_ns_processes: WNOHANG (see the class comment).
            String nohang = p.unshared ? "WNOHANG, " : "";
            if (p.room() >= 2) {
                p.steps.add(
                        rnd.nextBoolean()
                                ? "{ op = sleep, ticks = " + ticks() + " }"
                                : "{ op = wait4, pid = " + c + ", options = [ " + nohang + "WUNTRACED"
                                        + (rnd.nextBoolean() ? ", __WALL" : "") + " ], save = " + var() + " }");
            }
            String end = form == 1 ? "SIGKILL" : "SIGCONT";
            p.steps.add("{ op = kill, pid = " + c + ", sig = " + end + ", save = " + var() + " }");
            if (p.room() > 0 && rnd.nextBoolean()) {
                p.steps.add(
                        end.equals("SIGCONT") && rnd.nextBoolean()
                                ? "{ op = waitid, idtype = P_PID, id = " + c
                                        + ", options = [ WCONTINUED, WNOHANG ], save = " + var() + " }"
                                : "{ op = wait4, pid = " + c + ", options = [ " + nohang + "__WALL ], save = " + var()
                                        + " }");
            }
        }

        /** The program the child saved in {@code "$v"} runs (it was created by one step of {@code p}). */
        private List<String> programsSavedAs(Prog p, String quoted) {
            String v = quoted.substring(2, quoted.length() - 1);
            List<String> out = new ArrayList<>();
            Pattern run = Pattern.compile("run = (p[0-9]+), save = " + v + " \\}");
            for (String s : p.steps) {
                Matcher m = run.matcher(s);
                if (m.find()) out.add(m.group(1));
            }
            return out;
        }

        private String sigaction() {
            return switch (rnd.nextInt(9)) {
                case 0, 1 -> "{ op = sigaction, sig = SIGCHLD, handler = SIG_IGN }";
                case 2 -> "{ op = sigaction, sig = SIGCHLD, handler = SIG_DFL, flags = [ SA_NOCLDWAIT ] }";
                case 3 -> "{ op = sigaction, sig = SIGCHLD, handler = SIG_DFL, flags = [ SA_NOCLDSTOP ] }";
                case 4 ->
                    "{ op = sigaction, sig = SIGCHLD, handler = catch"
                            + (rnd.nextBoolean() ? ", flags = [ SA_NOCLDSTOP ]" : "") + " }";
                case 5 ->
                    "{ op = sigaction, sig = SIGUSR1, handler = " + (rnd.nextBoolean() ? "catch" : "SIG_IGN") + " }";
                case 6 ->
                    "{ op = sigaction, sig = SIGTERM, handler = " + (rnd.nextBoolean() ? "catch" : "SIG_IGN") + " }";
                case 7 -> "{ op = sigaction, sig = SIGCHLD, handler = SIG_DFL }";
                default -> "{ op = sigaction, sig = SIGCHLD, handler = SIG_IGN, flags = [ SA_NOCLDWAIT ] }";
            };
        }

        // ---- groups, prctl, namespaces ----------------------------------------------------------

        private void setpgid(Prog p) {
            List<PidVar> kids = p.children();
            int r = rnd.nextInt(4);
            if (r == 0 || kids.isEmpty() && p.pidVars.isEmpty()) {
                p.steps.add("{ op = setpgid, pid = 0, pgid = 0, save = " + var() + " }");
            } else if (r == 1 && !kids.isEmpty()) {
                String c = "\"$" + pick(kids).name() + "\"";
                p.steps.add("{ op = setpgid, pid = " + c + ", pgid = " + c + ", save = " + var() + " }");
            } else if (r == 2 && !kids.isEmpty()) {
                p.steps.add("{ op = setpgid, pid = \"$" + pick(kids).name() + "\", pgid = 0, save = " + var() + " }");
            } else if (!p.pidVars.isEmpty()) {
                p.steps.add(
                        "{ op = setpgid, pid = 0, pgid = \"$" + pick(p.pidVars).name() + "\", save = " + var() + " }");
            } else {
                p.steps.add("{ op = setpgid, pid = 0, pgid = 0, save = " + var() + " }");
            }
        }

        private String pdeathsig() {
            return "{ op = prctl, option = PR_SET_PDEATHSIG, value = "
                    + pick(List.of("SIGKILL", "SIGTERM", "SIGUSR1", "SIGCHLD", "0")) + " }";
        }

        private void prctl(Prog p) {
            int r = rnd.nextInt(6);
            // Only before it creates children: PR_SET_CHILD_SUBREAPER also marks the descendants it has
            // (propagate_has_child_subreaper), whose programs were written as not below an adopter.
            if (r < 2 && !p.threaded && !p.created) {
                p.steps.add("{ op = prctl, option = PR_SET_CHILD_SUBREAPER, value = 1 }");
                p.adopter = true;
            } else if (r < 4) {
                p.steps.add(pdeathsig());
            } else if (r == 4) {
                p.steps.add("{ op = prctl, option = PR_GET_CHILD_SUBREAPER, save = " + var() + " }");
            } else {
                p.steps.add("{ op = prctl, option = PR_GET_PDEATHSIG, save = " + var() + " }");
            }
        }

        /** unshare(CLONE_NEWPID) and the fork of the new namespace's init. */
        private void unshare(Prog p) {
            // Not below a generated subreaper or namespace init: if the caller dies before reaping its
            // children in the new namespace, forget_original_parent hands them to find_new_reaper's choice
            // (the nearest is_child_subreaper ancestor, else the child_reaper of the caller's own
            // namespace), and a generated adopter never blocks to reap (or is left stopped); their
            // zombies then keep the new namespace's dying init in zap_pid_ns_processes for ever (seed
            // 105340; see the class comment). Below the model's init they are reaped.
            if (p.threaded || p.unshared || p.ctx.adopted() || p.room() < 2 || !canCreate(p, 1)) {
                p.steps.add(time());
                return;
            }
            p.steps.add("{ op = unshare, flags = [ CLONE_NEWPID ], save = " + var() + " }");
            p.unshared = true;
            String v = reserve();
            String c = child(p, Kind.NSINIT, 1, true);
            p.steps.add("{ op = fork, run = " + c + ", save = " + saved(p, v, true, true) + " }");
        }

        private void getpid(Prog p) {
            String op = pick(List.of("getpid", "getppid", "gettid"));
            p.steps.add("{ op = " + op + ", save = " + pidVar(p, false, false) + " }");
        }

        /** A repeat block of one or two steps: time, a non-blocking wait, a signal, or the fork of a leaf. */
        private void repeat(Prog p) {
            if (p.room() < 2) {
                p.steps.add(time());
                return;
            }
            int times = 2 + rnd.nextInt(2);
            List<String> body = new ArrayList<>();
            int n = Math.min(p.room() - 1, 1 + rnd.nextInt(2));
            for (int i = 0; i < n; i++) {
                int r = rnd.nextInt(5);
                if (r == 0 && canCreate(p, times)) {
                    tasks += p.ctx.instances() * times;
                    String leaf = "p" + programs.size();
                    programs.put(leaf, List.of(time(), exit()));
                    body.add("{ op = fork, run = " + leaf + ", save = " + pidVar(p, true, false) + " }");
                } else if (r == 1) {
                    body.add("{ op = wait4, pid = -1, options = [ WNOHANG ], save = " + var() + " }");
                } else if (r == 2 && !p.pidVars.isEmpty()) {
                    body.add("{ op = kill, pid = \"$" + pick(p.pidVars).name() + "\", sig = "
                            + pick(List.of("SIGCHLD", "SIGCONT", "0")) + " }");
                } else {
                    body.add(time());
                }
            }
            p.steps.add("{ op = repeat, times = " + times + ", steps = [ " + String.join(", ", body) + " ] }");
            p.extra += body.size();
        }
    }
}
