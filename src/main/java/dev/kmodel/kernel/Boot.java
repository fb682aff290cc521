package dev.kmodel.kernel;

import dev.kmodel.scenario.Program;
import dev.kmodel.scenario.Scenario;
import dev.kmodel.scenario.Step;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What init (pid 1) runs: fork each boot program, then reap children forever (wait4(-1, __WALL)). */
public final class Boot {
    private Boot() {}

    public static Scenario withInit(Scenario sc) {
        List<Step> steps = new ArrayList<>();
        for (String b : sc.boot()) {
            steps.add(new Step(steps.size(), "fork", Map.of("run", b), 0, steps.size() + 1));
        }
        // The reaper loop: a wait4 that sleeps instead of failing with ECHILD, and never advances.
        steps.add(new Step(
                steps.size(),
                "wait4",
                Map.of("pid", -1L, "options", List.of("__WALL"), "reaper", true),
                0,
                steps.size() + 1));
        Map<String, Program> programs = new LinkedHashMap<>(sc.programs());
        programs.put(Kernel.INIT_PROGRAM, new Program(Kernel.INIT_PROGRAM, List.copyOf(steps)));
        return new Scenario(
                sc.file(),
                sc.name(),
                sc.cpus(),
                sc.seed(),
                sc.pidMax(),
                sc.shmRmidForced(),
                sc.faults(),
                sc.ioInterrupts(),
                Map.copyOf(programs),
                sc.boot(),
                sc.leftStopped());
    }
}
