package dev.kmodel.scenarios;

import static dev.kmodel.Runs.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.kmodel.Runs;
import dev.kmodel.report.Report;
import dev.kmodel.report.Report.LedgerRow;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** vfork (CLONE_VM | CLONE_VFORK) and execve in conf/scenarios/vfork-exec.conf. */
class VforkExecTest {
    static Report r;
    static int parent;

    @BeforeAll
    static void run() throws Exception {
        r = Runs.scenario("vfork-exec");
        parent = task(r, "parent").pid();
    }

    private static List<LedgerRow> mmRows(String path) {
        return r.ledger().stream()
                .filter(l -> l.type().equals("mm_struct") && l.path().contains(path))
                .toList();
    }

    @Test
    void completes() {
        assertEquals("completed", r.outcome(), () -> r.violations().toString());
    }

    @Test
    void vforkSharesTheAddressSpaceAndCopiesNothing() {
        var launch = result(r, "parent", 1);
        int launcher = launch.ret().intValue();
        List<LedgerRow> gets = mmRows("copy_mm/mmget");
        assertEquals(2, gets.size(), "two vforks, two mm_users references");
        assertTrue(gets.stream().allMatch(l -> l.owner() == parent), "the parent's mm_struct");
        assertTrue(
                r.ledger().stream()
                        .noneMatch(l -> l.owner() == launcher && l.path().contains("dup_mm")),
                "no dup_mm for a vfork child");
    }

    @Test
    void theParentSleepsUntilTheChildExecs() {
        var vfork = result(r, "parent", 1);
        int child = vfork.ret().intValue();
        var exec = r.results().stream()
                .filter(x -> x.pid() == child && x.op().equals("exec"))
                .findFirst()
                .orElseThrow();
        assertTrue(vfork.seq() > exec.start(), "vfork returned only after the child's exec began");
        assertEquals(5 << 8, result(r, "parent", 2).status().raw(), "the exec'd program exits with 5");
        assertEquals(
                "tool",
                r.tasks().stream()
                        .filter(t -> t.pid() == child)
                        .findFirst()
                        .orElseThrow()
                        .comm(),
                "exec changes comm");
    }

    @Test
    void theParentSleepsUntilTheChildExits() {
        var vfork = result(r, "parent", 3);
        var exit = result(r, "quitter", 0);
        assertTrue(vfork.seq() > exit.start());
        assertEquals(4 << 8, result(r, "parent", 4).status().raw());
    }

    @Test
    void execAfterVforkDropsAUserWithoutTearingTheParentsMmDown() {
        LedgerRow put = mmRows("exec_mmap/mmput").stream()
                .filter(l -> l.owner() == parent)
                .findFirst()
                .orElseThrow();
        assertEquals(1, put.refcount(), "mm_users back to the parent alone");
        assertTrue(
                r.ledger().stream()
                        .noneMatch(l -> l.owner() == parent
                                && l.event().equals("free")
                                && l.path().contains("execve")),
                "nothing of the parent's is freed by the exec");
    }

    @Test
    void execAfterForkTearsTheCopyDownThroughExitMmap() {
        int forker = result(r, "parent", 5).ret().intValue();
        List<LedgerRow> freed = r.ledger().stream()
                .filter(l -> l.owner() == forker
                        && l.event().equals("free")
                        && l.path().contains("begin_new_exec/exec_mmap/mmput/__mmput"))
                .toList();
        assertTrue(
                freed.stream().anyMatch(l -> l.type().equals("vma") && l.path().contains("exit_mmap")));
        assertTrue(freed.stream().anyMatch(l -> l.type().equals("page_table")));
        assertTrue(freed.stream().anyMatch(l -> l.type().equals("mm_struct")), "the copy's mm_struct too");
        assertEquals(5 << 8, result(r, "parent", 6).status().raw());
    }
}
