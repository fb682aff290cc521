package dev.kmodel.scenarios;

import static dev.kmodel.Runs.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.kmodel.report.Report;
import dev.kmodel.report.Report.ResultRow;
import dev.kmodel.report.Report.TaskRow;
import dev.kmodel.run.Machine;
import dev.kmodel.scenario.ScenarioParser;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * PID namespaces against pid_namespaces(7), clone(2), unshare(2) and kernel/pid_namespace.c: pid 1
 * inside, getppid 0, numbers per level, the namespace's init as child reaper and unkillable from
 * inside, zap_pid_ns_processes when it dies, ENOMEM afterwards.
 */
class PidNsTest {

    @Test
    void aNewPidNamespaceHasItsOwnNumbersReaperAndEnd() throws Exception {
        Report r = scenario("pid-ns");
        assertEquals("completed", r.outcome(), r.violations().toString());
        TaskRow main = task(r, "main");
        TaskRow nsinit = task(r, "nsinit");
        TaskRow worker = task(r, "worker");
        TaskRow orphan = task(r, "orphan");
        // Inside: pid 1, parent invisible; its children count from 2; outside they have global numbers.
        assertEquals(1L, call(r, "nsinit", "getpid", 0).ret());
        assertEquals(0L, call(r, "nsinit", "getppid", 0).ret());
        assertEquals(2L, call(r, "nsinit", "fork", 0).ret());
        assertEquals(2L, call(r, "worker", "getpid", 0).ret());
        assertEquals(1L, call(r, "worker", "getppid", 0).ret());
        assertEquals(nsinit.pid(), call(r, "main", "clone", 0).ret(), "clone returns the number the caller sees");
        assertEquals(1, nsinit.nsPid());
        assertNotEquals(0, nsinit.ns());
        assertEquals(nsinit.ns(), worker.ns());
        // The orphan goes to the namespace's init, not to the global init; getppid says 1 there.
        var rp = r.reparent().stream()
                .filter(x -> x.child() == orphan.pid())
                .findFirst()
                .orElseThrow();
        assertEquals(nsinit.pid(), rp.to());
        assertEquals("child-reaper", rp.why());
        assertEquals(1L, call(r, "orphan", "getppid", 0).ret());
        // kill(1, SIGKILL) from inside is ignored: the init runs on.
        assertEquals(1L, call(r, "nsinit", "getpid", 1).ret());
        // Its exit kills the rest (zap_pid_ns_processes); its parent reaps it with its own code.
        assertEquals(9, worker.exitSignal());
        assertEquals(9, orphan.exitSignal());
        ResultRow w = call(r, "main", "wait4", 0);
        assertEquals(nsinit.pid(), w.ret());
        assertEquals(5 << 8, w.status().raw());
        assertEquals(main.pid(), nsinit.ppid());
    }

    @Test
    void unshareMovesOnlyTheChildrenAndADeadNamespaceGivesEnomem() throws Exception {
        Report r = scenario("pid-ns");
        TaskRow main = task(r, "main");
        assertEquals(0L, call(r, "main", "unshare", 0).ret());
        assertEquals((long) main.pid(), call(r, "main", "getpid", 0).ret(), "the caller stays in its namespace");
        assertEquals(1L, call(r, "first", "getpid", 0).ret());
        assertEquals(0L, call(r, "first", "getppid", 0).ret());
        assertEquals(2L, call(r, "second", "getpid", 0).ret());
        assertEquals(0L, call(r, "second", "getppid", 0).ret(), "the parent is outside the namespace");
        assertEquals(9, call(r, "main", "wait4", 1).status().raw(), "killed when the namespace's init died");
        assertEquals(2 << 8, call(r, "main", "wait4", 2).status().raw(), "reaped after second: it waited for it");
        assertEquals("ENOMEM", call(r, "main", "fork", 2).errno());
        assertEquals("EINVAL", call(r, "main", "unshare", 1).errno());
    }

    @Test
    void eachPidNamespaceHasItsOwnPidMax() throws Exception {
        Report r = scenario("pid-ns-max");
        assertEquals("completed", r.outcome(), r.violations().toString());
        List<ResultRow> sysctl = results(r, x -> x.op().equals("sysctl"));
        assertEquals(
                List.of("EINVAL", "EINVAL"),
                sysctl.subList(0, 2).stream().map(ResultRow::errno).toList());
        assertNull(sysctl.get(2).errno());
        List<ResultRow> forks = results(r, x -> x.comm().equals("nsinit") && x.op().equals("fork"));
        assertEquals(300, forks.size());
        assertEquals(299, forks.stream().filter(x -> x.errno() == null).count(), "numbers 2…300 in the namespace");
        assertEquals("EAGAIN", forks.get(299).errno());
        assertEquals(300L, forks.get(298).ret(), "the last number below its pid_max");
        assertNull(call(r, "main", "fork", 0).errno(), "the init namespace still has room");
    }

    /**
     * zap_pid_ns_processes waits until every other task of the namespace is freed, also one whose parent
     * is outside it (setns()+fork(), here unshare then two forks): the init is reaped after it. Its
     * orphans, killed with it, go to the init and are reaped by it. Waiting for the init first hangs both,
     * in Linux as in the model: a deadlock naming the init in zap_pid_ns_processes and whom it waits for.
     */
    @Test
    void aDyingNamespaceInitWaitsForTasksWhoseParentIsOutside() throws Exception {
        String prog = """
                name = "zap-outsider"
                cpus = 2
                programs {
                  main = [
                    { op = unshare, flags = [ CLONE_NEWPID ] }
                    { op = fork, run = first, save = f }
                    { op = fork, run = second, save = s }
                    { op = wait4, pid = "%s", save = a }
                    { op = wait4, pid = "%s", save = b }
                    { op = exit, code = 0 }
                  ]
                  first  = [ { op = sleep, ticks = 5 }, { op = exit, code = 2 } ]
                  second = [ { op = fork, run = g }, { op = fork, run = g }, { op = sleep, ticks = 1000 } ]
                  g      = [ { op = sleep, ticks = 1000 } ]
                }
                boot = [ main ]
                """;
        Report ok = Machine.run(ScenarioParser.parseString("zap.conf", prog.formatted("$s", "$f")))
                .report();
        assertEquals("completed", ok.outcome(), ok.violations().toString());
        assertEquals(9, call(ok, "main", "wait4", 0).status().raw(), "second, killed by the zap");
        assertEquals(2 << 8, call(ok, "main", "wait4", 1).status().raw(), "first, once second was freed");
        assertTrue(ok.tasks().stream()
                .filter(t -> t.comm().equals("g"))
                .allMatch(t -> t.state().equals("freed")));

        Report hung = Machine.run(ScenarioParser.parseString("zap.conf", prog.formatted("$f", "$s")))
                .report();
        assertEquals("deadlock", hung.outcome());
        Report.BlockedRow init = hung.blocked().stream()
                .filter(b -> b.comm().equals("first"))
                .findFirst()
                .orElseThrow();
        assertEquals("zap_pid_ns_processes", init.in());
        assertEquals(List.of(task(hung, "second").pid()), init.waitsFor());
    }
}
