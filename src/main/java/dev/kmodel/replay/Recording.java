package dev.kmodel.replay;

import dev.kmodel.journal.JournalFile;
import dev.kmodel.journal.JournalFile.BadJournal;
import dev.kmodel.scenario.Scenario;
import dev.kmodel.scenario.ScenarioException;
import java.io.File;

/**
 * A journal file read back with the scenario it recorded (the header's {@code source}, line 1), as
 * {@code replay} and {@code explain} open it: any problem with either is one {@link BadJournal} line.
 */
public record Recording(JournalFile.Loaded loaded, Scenario scenario) {
    public static Recording open(File f) throws BadJournal {
        JournalFile.Loaded l = JournalFile.read(f);
        try {
            return new Recording(l, Rerun.scenario(l.header()));
        } catch (ScenarioException e) {
            throw new BadJournal(f, 1, "the recorded scenario no longer loads: " + e.getMessage());
        }
    }
}
