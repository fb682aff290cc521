package dev.kmodel.scenarios;

import static dev.kmodel.Runs.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.kmodel.Runs;
import dev.kmodel.report.Report;
import dev.kmodel.report.Report.LedgerRow;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Uses after free the random-program stress found (docs/stress.md, "Random programs"), each replayed from
 * its regression scenario (src/test/resources/regressions/*.conf, whose header says what Linux does) under
 * the controlled schedule and the seed that showed it on that scenario.
 */
class RandomFindingsUafTest {

    private static Report run(String name, long seed) throws Exception {
        return Runs.regression(name, seed);
    }

    /**
     * Generator seed 9498 (this scenario: seed 70): a vfork parent woken by complete_vfork_done but killed
     * before it ran again sent VforkAbandoned to its child, already autoreaped and freed. Linux's
     * wait_for_vfork_done clears nothing when the completion came first, and kernel_clone's
     * get_task_struct(p) keeps the child's task_struct until the parent's put_task_struct.
     */
    @Test
    void aKilledVforkParentHoldsItsChildsTaskStructUntilWaitForVforkDonePutsIt() throws Exception {
        Report r = run("vfork-killed-after-done", 70);
        assertEquals("completed", r.outcome(), r.violations().toString());
        var victim = task(r, "victim");
        var kid = task(r, "kid");
        assertEquals(5, kid.exitCode());
        assertEquals("freed", kid.state());
        assertEquals(9, call(r, "main", "wait4", 0).status().raw(), "the victim dies of SIGKILL");
        // kernel_clone: get_task_struct(p), held by the vfork parent.
        List<LedgerRow> gets = ledger(r, kid.pid(), "task_struct", "get");
        assertEquals(1, gets.size(), gets.toString());
        assertEquals(victim.key(), gets.get(0).holder());
        assertEquals("__x64_sys_vfork/kernel_clone/get_task_struct", gets.get(0).path());
        // Two references, two puts: delayed_put_task_struct and wait_for_vfork_done's; the second frees it.
        LedgerRow put = ledger(r, kid.pid(), "task_struct", "put").get(0);
        LedgerRow free = freeOf(r, kid.pid(), "task_struct");
        assertTrue(put.seq() < free.seq());
        assertTrue(
                List.of(put.path(), free.path()).stream()
                        .anyMatch(p -> p.contains("wait_for_vfork_done/put_task_struct")),
                put.path() + " / " + free.path());
        assertTrue(
                List.of(put.path(), free.path()).stream().anyMatch(p -> p.contains("delayed_put_task_struct")),
                put.path() + " / " + free.path());
    }

    /**
     * Generator seed 10626 (this scenario: seed 10): an exec'ing CLONE_FILES child put the shared table
     * before its copy took get_file on the files; the creator had exited, so that put was the last and
     * its close_files freed the files the copy then referenced. Linux's unshare_files does dup_fd first.
     */
    @Test
    void unshareFilesTakesTheCopysReferencesBeforeTheLastPutOfTheOldTable() throws Exception {
        Report r = run("exec-unshare-files-last-put", 10);
        assertEquals("completed", r.outcome(), r.violations().toString());
        int child = task(r, "img").pid();
        List<LedgerRow> files = r.ledger().stream()
                .filter(l -> l.type().equals("file") && l.owner() == child)
                .toList();
        for (String f : List.of("file#files.1", "file#files.2")) {
            List<LedgerRow> life =
                    files.stream().filter(l -> l.object().equals(f)).toList();
            LedgerRow get = life.stream()
                    .filter(l -> l.event().equals("get"))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError(f + ": no get_file: " + life));
            assertTrue(get.path().contains("unshare_files/unshare_fd/dup_fd/get_file"), get.path());
            // put_files_struct(old) was the last put of the old table here: its fput leaves the copy's reference.
            LedgerRow oldPut = life.stream()
                    .filter(l -> l.event().equals("put") && l.path().contains("unshare_files/put_files_struct"))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError(f + ": the old table's close_files did not fput: " + life));
            assertTrue(get.seq() < oldPut.seq(), life.toString());
            assertEquals(1, oldPut.refcount());
            // Freed once, by the new program's exit (__fput from exit_task_work).
            List<LedgerRow> frees =
                    life.stream().filter(l -> l.event().equals("free")).toList();
            assertEquals(1, frees.size(), life.toString());
            assertTrue(
                    frees.get(0).path().startsWith("do_exit/exit_task_work"),
                    frees.get(0).path());
        }
    }
}
