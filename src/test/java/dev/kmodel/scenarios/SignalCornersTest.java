package dev.kmodel.scenarios;

import static dev.kmodel.Runs.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.kmodel.Runs;
import dev.kmodel.report.Report;
import org.junit.jupiter.api.Test;

/** Corners a review found: each was a hang, a false violation or a wrong answer once. */
class SignalCornersTest {

    @Test
    void twoSigkillsToAStoppedTaskWakeItOnce() throws Exception {
        Report r = Runs.text("""
        cpus = 1
        programs {
          parent = [
            { op = fork, run = child, save = c }, { op = sleep, ticks = 5 }
            { op = kill, pid = "$c", sig = SIGSTOP }, { op = wait4, pid = "$c", options = [ WUNTRACED ] }
            { op = kill, pid = "$c", sig = SIGKILL }, { op = kill, pid = "$c", sig = SIGKILL }
            { op = wait4, pid = "$c" }, { op = exit, code = 0 }
          ]
          child = [ { op = sleep, ticks = 1000 } ]
        }
        boot = [ parent ]
        """);
        assertEquals("completed", r.outcome(), () -> r.violations().toString());
        assertEquals(9, result(r, "parent", 6).status().signal());
    }

    @Test
    void aVforkParentKilledWhileWaitingIsNotCompletedAfterItIsFreed() throws Exception {
        for (int run = 0; run < 3; run++) {
            Report r = Runs.text("""
          cpus = 1
          programs {
            main = [
              { op = fork, run = spinner }, { op = fork, run = vparent, save = p }, { op = sleep, ticks = 5 }
              { op = kill, pid = "$p", sig = SIGKILL }, { op = wait4, pid = "$p" }, { op = exit, code = 0 }
            ]
            spinner = [ { op = compute, ticks = 600 } ]
            vparent = [ { op = vfork, run = vchild }, { op = exit, code = 0 } ]
            vchild  = [ { op = sleep, ticks = 300 }, { op = exit, code = 3 } ]
          }
          boot = [ main ]
          """);
            assertEquals("completed", r.outcome(), () -> r.violations().toString());
            assertEquals(9, result(r, "main", 4).status().signal());
            assertNull(result(r, "vparent", 0).seq(), "killed inside vfork");
        }
    }

    @Test
    void aZombieIsNotWaitableWithoutWexited() throws Exception {
        Report r = Runs.text("""
        cpus = 1
        programs {
          main = [
            { op = fork, run = child, save = c }, { op = sleep, ticks = 5 }
            { op = waitid, idtype = P_PID, id = "$c", options = [ WSTOPPED, WNOHANG ] }
            { op = waitid, idtype = P_ALL, options = [ WSTOPPED ] }
            { op = exit, code = 0 }
          ]
          child = [ { op = exit, code = 1 } ]
        }
        boot = [ main ]
        """);
        assertEquals("completed", r.outcome(), () -> r.violations().toString());
        assertEquals("ECHILD", result(r, "main", 2).errno());
        assertEquals("ECHILD", result(r, "main", 3).errno());
    }

    @Test
    void aStopInterruptsNanosleepWhichGoesOnAfterSigcont() throws Exception {
        Report r = Runs.text("""
        cpus = 1
        programs {
          parent = [
            { op = fork, run = sleeper, save = c }, { op = fork, run = spinner, save = sp }
            { op = sleep, ticks = 5 }, { op = kill, pid = "$c", sig = SIGSTOP }
            { op = wait4, pid = "$c", options = [ WUNTRACED ] }, { op = kill, pid = "$c", sig = SIGCONT }
            { op = wait4, pid = "$c" }, { op = kill, pid = "$sp", sig = SIGKILL }, { op = wait4, pid = "$sp" }
          ]
          sleeper = [ { op = sleep, ticks = 200 }, { op = exit, code = 6 } ]
          spinner = [ { op = compute, ticks = 100000000 } ]
        }
        boot = [ parent ]
        """);
        assertEquals("completed", r.outcome(), () -> r.violations().toString());
        var stopped = result(r, "parent", 4);
        var sleep = result(r, "sleeper", 0);
        assertEquals(0x137f, stopped.status().raw());
        assertTrue(stopped.seq() < sleep.seq(), "stopped in the middle of its nanosleep, not after it");
        assertEquals(0L, sleep.ret(), "the sleep went on after SIGCONT and completed");
        assertEquals(6 << 8, result(r, "parent", 6).status().raw());
    }

    @Test
    void sigurgAndSigwinchAreIgnoredByDefault() throws Exception {
        Report r = Runs.text("""
        cpus = 1
        programs {
          main = [ { op = fork, run = child, save = c }, { op = kill, pid = "$c", sig = 23 }
                   { op = kill, pid = "$c", sig = 28 }, { op = wait4, pid = "$c" } ]
          child = [ { op = sleep, ticks = 20 }, { op = exit, code = 4 } ]
        }
        boot = [ main ]
        """);
        assertEquals(4 << 8, result(r, "main", 3).status().raw(), "the child exits normally");
    }
}
