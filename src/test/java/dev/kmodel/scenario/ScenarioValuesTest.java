package dev.kmodel.scenario;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kmodel.Runs;
import dev.kmodel.report.Report;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Values a scenario used to load silently and then turn into a run-time EINVAL, a clamped seed or a
 * stack overflow: each is now refused at load time with one line {@code FILE:LINE: problem}
 * (docs/scenarios.md, "What is refused").
 */
class ScenarioValuesTest {
    /** A scenario whose program main has {@code steps} after a fork of child that saves c. */
    private static String main(String steps) {
        return "programs {\n"
                + "  main = [ { op = fork, run = child, save = c }\n"
                + "    " + steps + "\n"
                + "  ]\n"
                + "  child = [ { op = sleep, ticks = 5 } ]\n"
                + "}\n"
                + "boot = [ main ]\n";
    }

    /** The one line the parser refuses {@code text} with. */
    private static String refused(String text) {
        ScenarioException e = assertThrows(ScenarioException.class, () -> ScenarioParser.parseString("t.conf", text));
        String m = e.getMessage();
        assertEquals(1, m.lines().count(), m);
        assertTrue(m.matches("t\\.conf:[1-9][0-9]*: \\S.*"), m);
        return m;
    }

    private static Scenario parsed(String text) throws ScenarioException {
        return ScenarioParser.parseString("t.conf", text);
    }

    @Test
    void aPidThatIsNotANumberOrAReferenceIsRefusedWithItsLine() {
        String m = refused(main("{ op = kill, pid = \"abc\", sig = SIGKILL }"));
        assertTrue(m.startsWith("t.conf:3: kill's pid must be"), m);
        assertTrue(m.contains("\"abc\""), m);
        m = refused(main("{ op = wait4, pid = [1, 2] }"));
        assertTrue(m.startsWith("t.conf:3: wait4's pid must be") && m.contains("a list [1,2]"), m);
        refused(main("{ op = setpgid, pid = { a = 1 } }"));
        refused(main("{ op = getpgid, pid = null }"));
        refused(main("{ op = kill, pid = \"@\" }"));
    }

    @Test
    void aVariableNoStepSavesIsRefused() {
        String m = refused(main("{ op = kill, pid = \"$nosuch\" }"));
        assertTrue(m.startsWith("t.conf:3: kill's pid \"$nosuch\": no step saves 'nosuch'"), m);
        m = refused(main("{ op = wait4, pid = \"$chlid\" }"));
        assertTrue(m.contains("'chlid'") && m.contains("it sees $c"), m);
        m = refused(main("{ op = kill, pid = \"-$chlid\", sig = SIGKILL }"));
        assertTrue(m.contains("\"-$chlid\""), m);
        refused(main("{ op = exit, code = \"$ c\" }"));
        // A group reference is for pids only; "@comm" for kill only, and must name a program.
        refused(main("{ op = exit, code = \"-$c\" }"));
        refused(main("{ op = wait4, pid = \"@child\" }"));
        m = refused(main("{ op = kill, pid = \"@chlid\" }"));
        assertTrue(m.contains("no task runs a program 'chlid'"), m);
        assertDoesNotThrow(() -> parsed(main("{ op = kill, pid = \"@child\" }, { op = kill, pid = \"@init\" }")));
    }

    @Test
    void variablesAreScopedAsTheInterpreterScopesThem() {
        // Saved in the program itself, before or after the use (which a run may reach first: EINVAL then).
        assertDoesNotThrow(() -> parsed(main("{ op = wait4, pid = \"$later\" }, { op = getpid, save = later }")));
        // A forked child, a thread and an exec'd image start with their creator's variables.
        assertDoesNotThrow(() -> parsed("""
                programs {
                  main = [ { op = getpid, save = me }, { op = fork, run = kid }, { op = thread, run = th }
                           { op = exec, image = img } ]
                  kid = [ { op = kill, pid = "$me", sig = 0 }, { op = vfork, run = grandkid } ]
                  grandkid = [ { op = getpgid, pid = "$me" } ]
                  th = [ { op = getsid, pid = "$me" } ]
                  img = [ { op = kill, pid = "-$me", sig = 0 } ]
                }
                boot = [ main ]
                """));
        // A variable saved by a child is not its parent's; one saved by another boot program is not ours.
        String m = refused("""
                programs {
                  main = [ { op = fork, run = kid }, { op = kill, pid = "$mine", sig = 0 } ]
                  kid = [ { op = getpid, save = mine } ]
                }
                boot = [ main ]
                """);
        assertTrue(m.startsWith("t.conf:2: kill's pid \"$mine\"") && m.contains("it sees no variable"), m);
        refused("""
                programs {
                  a = [ { op = getpid, save = x } ]
                  b = [ { op = kill, pid = "$x", sig = 0 } ]
                }
                boot = [ a, b ]
                """);
        // kthreadd creates kernel threads: they start with kthreadd's variables, which are none.
        m = refused("""
                programs {
                  main = [ { op = getpid, save = me }, { op = kthread_run, run = k } ]
                  k = [ { op = kill, pid = "$me", sig = 0 }, { op = sleep, ticks = 1 } ]
                }
                boot = [ main ]
                """);
        assertTrue(m.startsWith("t.conf:3:"), m);
    }

    @Test
    void numbersAreIntegersInTheirRangeNeverClampedOrRounded() {
        for (String top :
                List.of("seed = 99999999999999999999", "seed = 1e300", "seed = 1.5", "seed = [1]", "seed = \"x\"")) {
            String m = refused(top + "\n" + main(""));
            assertTrue(m.startsWith("t.conf:1: seed must be a 64-bit integer"), m);
        }
        for (String top : List.of("cpus = 0", "cpus = 257", "cpus = 1.5", "cpus = 4294967298")) {
            assertTrue(refused(top + "\n" + main("")).startsWith("t.conf:1: cpus must be"), top);
        }
        refused("kernel { pid-max = 1e9 }\n" + main(""));
        refused("kernel { pid-max = 300.5 }\n" + main(""));
        refused("kernel { shm-rmid-forced = 2 }\n" + main(""));
        refused("kernel = 3\n" + main(""));
        refused("name = [ a ]\n" + main(""));
        // Every numeric field: a fraction, a number beyond its type, a text or a list is refused.
        for (String step : List.of(
                "{ op = exit, code = %s }",
                "{ op = exit_group, code = %s }",
                "{ op = sleep, ticks = %s }",
                "{ op = compute, ticks = %s }",
                "{ op = rcu_walk, ticks = %s }",
                "{ op = touch, pages = %s }",
                "{ op = mmap, pages = %s }",
                "{ op = exec, image = child, pages = %s }",
                "{ op = open, count = %s }",
                "{ op = close, fd = %s }",
                "{ op = semop, count = %s }",
                "{ op = semundo, sem = %s }",
                "{ op = semval, sem = %s }",
                "{ op = shmget, count = %s }",
                "{ op = repeat, times = %s, steps = [] }",
                "{ op = kill, pid = %s }",
                "{ op = kill, pid = 1, sig = %s }",
                "{ op = wait4, pid = %s }",
                "{ op = waitid, idtype = P_PID, id = %s }",
                "{ op = setpgid, pid = 0, pgid = %s }",
                "{ op = getsid, pid = %s }",
                "{ op = kthread_stop, pid = %s }",
                "{ op = sysctl, name = kernel.pid_max, value = %s }",
                "{ op = prctl, option = %s }",
                "{ op = setrlimit, value = %s }",
                "{ op = setrlimit, value = 1, max = %s }",
                "{ op = sigaction, sig = %s }",
                "{ op = clone, run = child, exit-signal = %s }")) {
            for (String bad : List.of("1.5", "1e300", "99999999999999999999", "[1]", "{ a = 1 }", "true", "\"abc\"")) {
                refused(main(step.formatted(bad)));
            }
        }
        // A count that shapes the run cannot be negative; a system call's argument can (its errno at run time).
        for (String negative : List.of(
                "{ op = sleep, ticks = -1 }",
                "{ op = touch, pages = -1 }",
                "{ op = open, count = -1 }",
                "{ op = repeat, times = -1, steps = [] }",
                "{ op = touch, pages = 2147483648 }")) {
            refused(main(negative));
        }
        assertDoesNotThrow(
                () -> parsed(main("{ op = exit, code = -1 }, { op = close, fd = -1 }, { op = semop, count = -2 }"
                        + ", { op = kill, pid = -1, sig = 2000 }, { op = setpgid, pid = -5, pgid = -1 }")));
    }

    @Test
    void numbersWrittenAsTextAndSymbolicLimitsBecomeTheNumbersTheKernelSees() throws Exception {
        Scenario sc = parsed(
                main("{ op = close, fd = \"7\" }, { op = setrlimit, resource = RLIMIT_CORE, value = RLIM_INFINITY }"
                        + ", { op = setrlimit, value = unlimited, max = RLIM_INFINITY }"));
        List<Step> steps = sc.programs().get("main").steps();
        assertEquals(7, ((Number) steps.get(1).args().get("fd")).intValue());
        assertEquals(-1L, steps.get(2).args().get("value"), "RLIM_INFINITY is ~0UL");
        assertEquals(4, steps.get(2).args().get("resource"));
        assertEquals(-1L, steps.get(3).args().get("value"));
        assertEquals(-1L, steps.get(3).args().get("max"));
    }

    @Test
    void rlimInfinityLetsACoreBeDumpedAsUnlimitedDoes() throws Exception {
        // setrlimit's RLIM_INFINITY used to reach the kernel as text and leave the limit at 0: no core.
        for (String infinity : List.of("RLIM_INFINITY", "unlimited")) {
            Report r = Runs.text("""
                    programs {
                      main = [ { op = setrlimit, resource = RLIMIT_CORE, value = %s }
                               { op = fork, run = victim, save = v }, { op = kill, pid = "$v", sig = SIGSEGV }
                               { op = wait4, pid = "$v", save = st } ]
                      victim = [ { op = sleep, ticks = 100 } ]
                    }
                    boot = [ main ]
                    """.formatted(infinity));
            assertEquals(0x8b, Runs.call(r, "main", "wait4", 0).status().raw(), infinity + ": SIGSEGV with WCOREDUMP");
        }
    }

    @Test
    void otherFieldsHaveTheirTypesToo() {
        refused(main("{ op = touch, write = maybe }"));
        refused(main("{ op = semop, undo = 1 }"));
        refused(main("{ op = fork, run = [ child ] }"));
        refused(main("{ op = getpid, save = 5 }"));
        refused(main("{ op = getpid, save = \"a b\" }"));
        refused(main("{ op = [ fork ] }"));
        refused(main("{ op = wait4, options = [ [ WNOHANG ] ] }"));
        refused(main("{ op = sigaction, sig = SIGUSR1, handler = [ catch ] }"));
        refused(main("{ op = prctl, option = PR_SET_CHILD_SUBREAPER, value = SIGKILL }"));
        refused(main("{ op = kill, pid = 1, sig = \"$c\" }"));
        assertDoesNotThrow(() -> parsed(main("{ op = touch, write = false }, { op = semop, undo = \"true\" }"
                + ", { op = prctl, option = PR_SET_PDEATHSIG, value = SIGKILL }, { op = getpid, save = \"$me\" }")));
    }

    @Test
    void aValueWithANewlineIsShownOnTheOneLine() {
        String m = refused(main("{ op = kill, pid = \"a\\nb\" }"));
        assertTrue(m.contains("\"a\\nb\""), m);
    }

    @Test
    void repeatBlocksNestAtMostSixtyFourDeep() {
        assertDoesNotThrow(() -> parsed(main(nested(NestingCheck.MAX_REPEAT_DEPTH))));
        String m = refused(main(nested(NestingCheck.MAX_REPEAT_DEPTH + 1)));
        assertTrue(m.contains("repeat blocks nested deeper than 64"), m);
        // 3,000 deep used to overflow the stack inside the HOCON parser (1,024 lines of StackOverflowError).
        m = refused(main(nested(3000)));
        assertTrue(m.startsWith("t.conf:3: nested deeper than"), m);
        // Brackets in strings and comments do not count.
        assertDoesNotThrow(
                () -> parsed("# " + "[".repeat(1000) + "\nname = \"" + "{".repeat(1000) + "\"\n" + main("")));
    }

    private static String nested(int depth) {
        return "{ op = repeat, times = 1, steps = [ ".repeat(depth) + "{ op = getpid }" + " ] }".repeat(depth);
    }
}
