package dev.kmodel.scenario;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A parsed, validated scenario (contract §2).
 *
 * @param file     where it was read from (for messages), or "built-in"
 * @param pidMax   kernel.pid-max (Linux default 32768; minimum 301)
 * @param shmRmidForced kernel.shm-rmid-forced (Linux default 0: exit_shm orphans segments)
 * @param leftStopped the programs whose tasks the scenario deliberately leaves stopped at the end
 *     ({@code left-stopped}): not a deadlock when the run is over
 */
public record Scenario(
        String file,
        String name,
        int cpus,
        long seed,
        int pidMax,
        boolean shmRmidForced,
        Map<String, Program> programs,
        List<String> boot,
        Set<String> leftStopped) {

    /** The programs whose stopped tasks are expected at the end of the run (not deadlocks). */
    public Set<String> mayStayStopped() {
        return leftStopped;
    }

    public Scenario withCpus(int n) {
        return new Scenario(file, name, n, seed, pidMax, shmRmidForced, programs, boot, leftStopped);
    }

    public Scenario withSeed(long s) {
        return new Scenario(file, name, cpus, s, pidMax, shmRmidForced, programs, boot, leftStopped);
    }
}
