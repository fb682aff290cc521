package dev.kmodel.scenarios;

import static dev.kmodel.Runs.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.kmodel.Runs;
import dev.kmodel.report.Report;
import org.junit.jupiter.api.Test;

/** kill_orphaned_pgrp: a newly orphaned process group with a stopped member gets SIGHUP, then SIGCONT. */
class OrphanedPgrpTest {

    @Test
    void aStoppedJobInANewlyOrphanedGroupIsHungUp() throws Exception {
        Report r = Runs.scenario("orphaned-pgrp");
        assertEquals("completed", r.outcome(), () -> r.violations().toString());
        int job = task(r, "job").pid();
        int free = task(r, "free").pid();
        var hup = r.signals().stream()
                .filter(s -> s.to() == job && s.sig().equals("SIGHUP"))
                .findFirst()
                .orElseThrow();
        var cont = r.signals().stream()
                .filter(s -> s.to() == job && s.sig().equals("SIGCONT"))
                .findFirst()
                .orElseThrow();
        assertTrue(hup.seq() < cont.seq(), "SIGHUP first, then SIGCONT");
        assertEquals(1, task(r, "job").exitSignal(), "SIGHUP's default action ends it once it runs again");
        assertEquals("freed", task(r, "job").state());
        assertTrue(
                r.signals().stream().noneMatch(s -> s.to() == free && s.sig().equals("SIGHUP")),
                "a group without stopped members is left alone");
    }

    @Test
    void jobControlStopsAreDiscardedInAnOrphanedGroup() throws Exception {
        Report r = Runs.scenario("orphaned-tstp");
        assertEquals("completed", r.outcome(), () -> r.violations().toString());
        var stopped = call(r, "main", "wait4", 0);
        assertTrue(stopped.status().stopped(), "b's group has an outside link in the session: SIGTSTP stops it");
        assertEquals(20, stopped.status().stopSignal());
        int a = task(r, "a").pid();
        var tstp = r.signals().stream()
                .filter(x -> x.to() == a && x.sig().equals("SIGTSTP"))
                .findFirst()
                .orElseThrow();
        assertEquals("ignored", tstp.disposition(), "a's group is orphaned: the SIGTSTP is discarded");
        assertEquals(5, task(r, "a").exitCode(), "a ran on to its exit");
    }
}
