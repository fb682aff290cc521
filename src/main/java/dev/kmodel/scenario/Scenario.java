package dev.kmodel.scenario;

import java.util.List;
import java.util.Map;

/**
 * A parsed, validated scenario (contract §2).
 *
 * @param file     where it was read from (for messages), or "built-in"
 * @param pidMax   kernel.pid-max (Linux default 32768; minimum 301)
 * @param shmRmidForced kernel.shm-rmid-forced (Linux default 0: exit_shm orphans segments)
 */
public record Scenario(
        String file,
        String name,
        int cpus,
        long seed,
        int pidMax,
        boolean shmRmidForced,
        Map<String, Program> programs,
        List<String> boot) {

    public Scenario withCpus(int n) {
        return new Scenario(file, name, n, seed, pidMax, shmRmidForced, programs, boot);
    }

    public Scenario withSeed(long s) {
        return new Scenario(file, name, cpus, s, pidMax, shmRmidForced, programs, boot);
    }
}
