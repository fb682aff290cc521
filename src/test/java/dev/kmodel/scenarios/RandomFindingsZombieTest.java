package dev.kmodel.scenarios;

import static dev.kmodel.Runs.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.kmodel.Runs;
import dev.kmodel.report.Report;
import dev.kmodel.report.Report.TaskRow;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Findings of the random-program stress (docs/stress.md, "Random programs") about init's zombies, each
 * replayed from its regression scenario (src/test/resources/regressions/*.conf, whose header says what
 * Linux does) under the controlled schedule and seed that showed it.
 */
class RandomFindingsZombieTest {

    private static Report run(String name, long seed) throws Exception {
        return Runs.regression(name, seed);
    }

    /**
     * Seed 45510: a zombie group leader reparented to init while its other thread stays stopped for ever.
     * wait_consider_task does not reap it (delay_group_leader), so it is no unreaped zombie of init.
     */
    @Test
    void aZombieLeaderWithAStoppedThreadIsNotReapableByInit() throws Exception {
        Report r = run("init-zombie-leader-stopped-thread", 45510);
        assertEquals("completed", r.outcome(), r.violations().toString());
        assertTrue(r.violations().isEmpty(), r.violations().toString());
        List<TaskRow> group = tasks(r, "proc");
        assertEquals(2, group.size(), group.toString());
        TaskRow leader =
                group.stream().filter(t -> t.pid() == t.tgid()).findFirst().orElseThrow();
        TaskRow thread =
                group.stream().filter(t -> t.pid() != t.tgid()).findFirst().orElseThrow();
        assertEquals(leader.pid(), thread.tgid());
        assertEquals("zombie", leader.state(), "delay_group_leader: not reaped while the group is not empty");
        assertEquals(1, leader.ppid(), "reparented to init");
        assertEquals(3, leader.exitCode());
        assertEquals("stopped", thread.state());
        // exit_notify did not notify the parent, and no release_task of the last thread has done it since.
        assertTrue(r.threadGroups().stream()
                .anyMatch(g -> g.pid() == leader.pid() && g.event().equals("leader-delayed")));
        assertTrue(r.threadGroups().stream()
                .noneMatch(g -> g.pid() == leader.pid() && g.event().equals("leader-notified")));
    }
}
