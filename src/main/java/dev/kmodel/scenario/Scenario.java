package dev.kmodel.scenario;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A parsed, validated scenario (contract §2).
 *
 * @param file     where it was read from (for messages), or "built-in"
 * @param pidMax   kernel.pid-max (Linux default 32768; minimum 301)
 * @param shmRmidForced kernel.shm-rmid-forced (Linux default 0: exit_shm orphans segments)
 * @param faults   kernel.faults: the wrong lockings put back for this run (none: Linux's)
 * @param ioInterrupts kernel.io-interrupts: the chance that a CPU takes a device interrupt between two
 *     steps of the kernel path it runs (0: never)
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
        Set<Fault> faults,
        double ioInterrupts,
        Map<String, Program> programs,
        List<String> boot,
        Set<String> leftStopped) {

    /** The programs whose stopped tasks are expected at the end of the run (not deadlocks). */
    public Set<String> mayStayStopped() {
        return leftStopped;
    }

    public Scenario withCpus(int n) {
        return new Scenario(
                file, name, n, seed, pidMax, shmRmidForced, faults, ioInterrupts, programs, boot, leftStopped);
    }

    /** The same scenario with more faults (the command line's {@code --faults}). */
    public Scenario withFaults(Set<Fault> more) {
        EnumSet<Fault> all = EnumSet.noneOf(Fault.class);
        all.addAll(faults);
        all.addAll(more);
        return new Scenario(
                file,
                name,
                cpus,
                seed,
                pidMax,
                shmRmidForced,
                Set.copyOf(all),
                ioInterrupts,
                programs,
                boot,
                leftStopped);
    }

    /** The same scenario with another chance of a device interrupt between two steps of a path. */
    public Scenario withIoInterrupts(double p) {
        return new Scenario(file, name, cpus, seed, pidMax, shmRmidForced, faults, p, programs, boot, leftStopped);
    }

    /** Is this fault switched on? */
    public boolean has(Fault f) {
        return faults.contains(f);
    }

    public Scenario withSeed(long s) {
        return new Scenario(
                file, name, cpus, s, pidMax, shmRmidForced, faults, ioInterrupts, programs, boot, leftStopped);
    }
}
