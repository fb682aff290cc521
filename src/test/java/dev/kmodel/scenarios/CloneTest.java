package dev.kmodel.scenarios;

import static dev.kmodel.Runs.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.kmodel.Runs;
import dev.kmodel.report.Report;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** clone(2) flags and exit signals, in conf/scenarios/clone-flags.conf. */
class CloneTest {
    static Report r;
    static int main;

    @BeforeAll
    static void run() throws Exception {
        r = Runs.scenario("clone-flags");
        main = task(r, "main").pid();
    }

    @Test
    void completes() {
        assertEquals("completed", r.outcome(), () -> r.violations().toString());
    }

    @Test
    void copyProcessRefusesInvalidCombinations() {
        for (int step = 0; step <= 2; step++)
            assertEquals("EINVAL", result(r, "main", step).errno(), "step " + step);
        assertEquals(
                5,
                tasks(r, "quiet").size()
                        + tasks(r, "writer").size()
                        + tasks(r, "sibling").size()
                        + tasks(r, "orphan").size(),
                "nothing was created for the refused clones");
    }

    @Test
    void aCloneChildIsSeenOnlyWithWcloneOrWall() {
        long quiet = result(r, "main", 4).ret();
        assertEquals("ECHILD", result(r, "main", 6).errno(), "wait4 without __WCLONE does not see it");
        assertEquals(quiet, result(r, "main", 7).ret());
        assertEquals(3 << 8, result(r, "main", 7).status().raw());
        assertTrue(r.signals().stream().noneMatch(s -> s.from() == quiet), "exit signal none: nothing sent");
        long usr1 = result(r, "main", 8).ret();
        assertEquals(usr1, result(r, "main", 9).ret(), "__WALL sees it");
        assertTrue(r.signals().stream()
                .anyMatch(s -> s.from() == usr1 && s.to() == main && s.sig().equals("SIGUSR1")));
    }

    @Test
    void cloneVmSharesTheAddressSpace() {
        long writer = result(r, "main", 10).ret();
        assertTrue(r.ledger().stream()
                .anyMatch(l -> l.owner() == main
                        && l.type().equals("mm_struct")
                        && l.path().endsWith("copy_mm/mmget")
                        && l.holder().equals("users:" + task(r, "writer").key())));
        assertTrue(
                r.ledger().stream()
                        .noneMatch(l -> l.owner() == writer && l.type().equals("mm_struct")),
                "the writer has no mm_struct of its own");
    }

    @Test
    void cloneParentMakesASibling() {
        assertEquals(1L, result(r, "sibling", 0).ret(), "its parent is main's parent, init");
        assertEquals("ECHILD", result(r, "main", 13).errno(), "not main's child");
        long sib = result(r, "main", 12).ret();
        assertFalse(results(r, x -> x.comm().equals("init") && x.ret() != null && x.ret() == sib)
                .isEmpty());
    }

    @Test
    void anOrphansExitSignalIsResetToSigchld() {
        int orphan = task(r, "orphan").pid();
        assertTrue(r.reparent().stream().anyMatch(x -> x.child() == orphan && x.to() == 1));
        assertTrue(r.signals().stream()
                .anyMatch(s -> s.from() == orphan && s.to() == 1 && s.sig().equals("SIGCHLD")));
        assertTrue(r.signals().stream()
                .noneMatch(s -> s.from() == orphan && s.sig().equals("SIGUSR2")));
    }
}
