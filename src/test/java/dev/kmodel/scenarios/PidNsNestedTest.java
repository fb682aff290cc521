package dev.kmodel.scenarios;

import static dev.kmodel.Runs.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.kmodel.Runs;
import dev.kmodel.report.Report;
import dev.kmodel.report.Report.CpuRow;
import dev.kmodel.report.Report.LedgerRow;
import dev.kmodel.report.Report.TaskRow;
import dev.kmodel.scenario.ScenarioParser;
import java.io.File;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Three nested pid namespaces torn down by SIGKILL to the outermost init (kernel/pid_namespace.c
 * zap_pid_ns_processes at each level), over several seeds. The dying inits block in
 * zap_pid_ns_processes after exit_mm, so they leave their CPU without an mm: context_switch must hand
 * their lazy active_mm reference on (to idle or a kernel-mode next) or drop it (finish_task_switch,
 * mmdrop_lazy_tlb), and no mm_struct may stay held by a dead task's {@code lazy:} reference.
 */
class PidNsNestedTest {

    @Test
    void threeLevelsGoDownWithEveryLazyMmReferenceDropped() throws Exception {
        for (long seed = 1; seed <= 6; seed++) {
            Report r = Runs.run(ScenarioParser.parseFile(new File("conf/scenarios/pid-ns-nested.conf"))
                    .withSeed(seed));
            String at = "seed " + seed + ": ";
            // zap_pid_ns_processes's SIGKILLs come from the pid hash; a task it finds is freed only after
            // release_task's free_pid returned, so no signal reaches a freed task (no use after free).
            assertEquals("completed", r.outcome(), at + r.violations());
            // main reaps init1, killed by SIGKILL; everybody inside the three namespaces died of SIGKILL too.
            TaskRow init1 = task(r, "init1");
            assertEquals(init1.pid(), call(r, "main", "wait4", 0).ret(), at);
            assertEquals(9, call(r, "main", "wait4", 0).status().raw(), at);
            for (TaskRow t : r.tasks()) {
                if (Set.of("init", "kthreadd", "main").contains(t.comm())) continue;
                assertEquals("freed", t.state(), at + t);
                assertEquals(9, t.exitSignal(), at + t);
            }
            assertEquals(1, task(r, "init3").nsPid(), at);
            assertEquals(1, task(r, "init2").nsPid(), at);
            assertEquals(
                    3,
                    r.tasks().stream()
                            .filter(t -> t.nsPid() == 1 && t.ns() != 0)
                            .count(),
                    at + "three namespaces");
            // Every lazy reference a dying task took in exit_mm is dropped, or is the one an idle CPU holds.
            Set<String> cpuLazy = r.cpuStats().stream()
                    .map(CpuRow::lazyMm)
                    .filter(Objects::nonNull)
                    .collect(Collectors.toSet());
            Map<String, Integer> held = new TreeMap<>();
            for (LedgerRow l : r.ledger()) {
                if (!l.type().equals("mm_struct")
                        || l.holder() == null
                        || !l.holder().startsWith("lazy:task-")) continue;
                held.merge(
                        l.holder() + "|" + l.object(),
                        l.event().equals("get") ? 1 : l.event().equals("put") ? -1 : 0,
                        Integer::sum);
            }
            assertFalse(held.isEmpty(), at + "exit_mm takes lazy references");
            held.forEach((k, n) -> {
                String mm = k.substring(k.indexOf('|') + 1);
                assertTrue(
                        n == 0 || (n == 1 && cpuLazy.contains(mm)),
                        at + k + " left " + n + " (cpus hold " + cpuLazy + ")");
            });
            // Every mm_struct is freed but the ones idle CPUs hold.
            Set<String> mms = r.ledger().stream()
                    .filter(l -> l.type().equals("mm_struct"))
                    .map(LedgerRow::object)
                    .collect(Collectors.toSet());
            for (String mm : mms) {
                boolean freed = r.ledger().stream()
                        .anyMatch(l -> l.object().equals(mm) && l.event().equals("free"));
                assertTrue(freed || cpuLazy.contains(mm), at + mm + " neither freed nor held by a CPU");
            }
        }
    }
}
