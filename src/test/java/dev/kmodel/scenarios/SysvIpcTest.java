package dev.kmodel.scenarios;

import static dev.kmodel.Runs.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.kmodel.report.Report;
import dev.kmodel.report.Report.LedgerRow;
import java.util.List;
import org.junit.jupiter.api.Test;

/** SysV IPC at exit against semop(2), clone(2) CLONE_SYSVSEM, ipc/sem.c exit_sem and ipc/shm.c exit_shm. */
class SysvIpcTest {

    @Test
    void exitSemAppliesTheUndoListOnceClampedAtZero() throws Exception {
        Report r = scenario("sysv-ipc");
        assertEquals("completed", r.outcome(), r.violations().toString());
        assertEquals(5L, result(r, "main", 3).ret(), "the holder's +3 undone when it exited");
        assertEquals(0L, result(r, "main", 6).ret(), "0 + semadj -2 is clamped at 0");
        assertEquals("EAGAIN", result(r, "main", 7).errno());
        assertEquals(5L, result(r, "sharer", 3).ret(), "the CLONE_SYSVSEM child's exit did not apply the shared list");
        assertEquals(0L, result(r, "main", 10).ret(), "the list's last user applied both adjustments");
        int sharer = task(r, "sharer").pid();
        List<LedgerRow> list = r.ledger().stream()
                .filter(l ->
                        l.object().equals("sem_undo_list#" + task(r, "sharer").key()))
                .toList();
        assertEquals(
                List.of("alloc", "get", "put", "free"),
                list.stream().map(LedgerRow::event).toList());
        assertEquals(sharer, list.get(3).owner());
        // shm_rmid_forced = 0: the segment outlives its creator, and that is no leak.
        assertEquals(
                1,
                r.ledger().stream()
                        .filter(l -> l.type().equals("shm") && l.event().equals("alloc"))
                        .count());
        assertEquals(
                0,
                r.ledger().stream()
                        .filter(l -> l.type().equals("shm") && l.event().equals("free"))
                        .count());
    }

    @Test
    void shmRmidForcedDestroysTheCreatorsSegmentsAtExit() throws Exception {
        Report r = text("""
        name = "shm-forced", cpus = 1, seed = 1
        kernel { shm-rmid-forced = 1 }
        programs {
          main = [ { op = fork, run = shm, save = m }, { op = wait4, pid = "$m" }, { op = exit, code = 0 } ]
          shm = [ { op = shmget, count = 2 }, { op = shmget, count = 1 }, { op = exit, code = 0 } ]
        }
        boot = [ main ]
        """);
        assertEquals("completed", r.outcome(), r.violations().toString());
        List<LedgerRow> frees = r.ledger().stream()
                .filter(l -> l.type().equals("shm") && l.event().equals("free"))
                .toList();
        assertEquals(2, frees.size());
        assertTrue(
                frees.get(0).path().startsWith("do_exit/exit_shm"), frees.get(0).path());
    }
}
