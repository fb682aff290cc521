package dev.kmodel.scenarios;

import static dev.kmodel.Runs.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.kmodel.Runs;
import dev.kmodel.report.Report;
import dev.kmodel.report.Report.LedgerRow;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An fput of a freed file the random-program stress found (docs/stress.md, "Random programs"), replayed
 * from its regression scenario (src/test/resources/regressions/*.conf, whose header says what Linux does)
 * under the controlled schedule and the seed that showed it on that scenario.
 */
class RandomFindingsFputTest {

    private static Report run(String name, long seed) throws Exception {
        return Runs.regression(name, seed);
    }

    /**
     * Generator seed 106475 (this scenario: seed 6): the opener's fd_install in the shared table reached
     * an exec'ing CLONE_FILES child after its unshare_files had switched it to its copy; the child put the
     * file in the copy with no get_file, and the copy's close_files fput it after the old table's last
     * fput had freed it. Linux's dup_fd copies the table whole: a file installed after the copy is not in
     * it, and the copy holds a reference on every file it has.
     */
    @Test
    void aFileInstalledInTheSharedTableAfterExecsCopyIsNotInTheCopy() throws Exception {
        Report r = run("exec-unshare-files-open-race", 6);
        assertEquals("completed", r.outcome(), r.violations().toString());
        assertEquals(0L, call(r, "main", "open", 0).ret(), "the opener's fd 0");
        int main = task(r, "main").pid();
        List<LedgerRow> life = r.ledger().stream()
                .filter(l -> l.type().equals("file")
                        && l.owner() == main
                        && l.object().equals("file#files.1"))
                .toList();
        // One reference, the shared table's slot: no copy took a get_file, and no copy fput it.
        assertTrue(life.stream().noneMatch(l -> l.event().equals("get")), life.toString());
        List<LedgerRow> puts =
                life.stream().filter(l -> l.event().equals("put")).toList();
        assertEquals(1, puts.size(), life.toString());
        assertEquals(0, puts.get(0).refcount());
        assertTrue(
                puts.get(0).path().startsWith("do_exit/exit_files/put_files_struct/close_files"),
                puts.get(0).path());
        assertEquals(1, life.stream().filter(l -> l.event().equals("free")).count(), life.toString());
        assertTrue(life.stream().noneMatch(l -> l.holder().endsWith(".exec")), life.toString());
    }
}
