package dev.kmodel.scenarios;

import static dev.kmodel.Runs.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.kmodel.report.Report;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** setpgid(2) on children (kernel/sys.c): a pipeline's group, wait4(-pgid), kill(-pgid), and the errors. */
class SetpgidTest {

    @Test
    void aParentBuildsAGroupOfItsChildren() throws Exception {
        Report r = scenario("setpgid");
        assertEquals("completed", r.outcome(), r.violations().toString());
        long a = result(r, "main", 0).ret();
        long b = result(r, "main", 2).ret();
        assertEquals(0L, result(r, "main", 1).ret());
        assertEquals(0L, result(r, "main", 3).ret());
        assertEquals("ESRCH", result(r, "main", 5).errno());
        assertEquals("EPERM", result(r, "main", 6).errno());
        assertEquals("EACCES", result(r, "main", 9).errno());
        // wait4(-pgid) reaps exactly the two members, both killed by kill(-pgid, SIGKILL).
        assertEquals(
                Set.of(a, b),
                Set.of(result(r, "main", 11).ret(), result(r, "main", 12).ret()));
        assertEquals(9, result(r, "main", 11).status().raw());
        assertEquals("ECHILD", result(r, "main", 13).errno());
    }
}
