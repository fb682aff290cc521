package dev.kmodel.cli;

import dev.kmodel.journal.JournalFile;
import dev.kmodel.replay.Inspect;
import dev.kmodel.replay.Rerun;
import dev.kmodel.scenario.Scenario;
import dev.kmodel.scenario.ScenarioException;
import java.io.File;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kmodel explain J --pid P}: one task's life from a recorded journal, and what was freed when. */
@Command(name = "explain", description = "Show one task's life from a recorded journal: calls, objects, frees.")
public final class ExplainCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "JOURNAL", description = "a journal written by run --journal")
  File journal;

  @Option(names = "--pid", paramLabel = "P", required = true, description = "the task (its pid in the run)")
  int pid;

  @Override
  public Integer call() {
    try {
      JournalFile.Loaded l = JournalFile.read(journal);
      Scenario sc = Rerun.scenario(l.header());
      for (String line : Inspect.explain(l, sc, pid)) System.out.println(line);
      return Main.OK;
    } catch (JournalFile.BadJournal e) {
      System.err.println("kmodel: " + e.getMessage());
      return Main.BAD_INPUT;
    } catch (ScenarioException e) {
      System.err.println("kmodel: " + journal + ": the recorded scenario no longer loads: " + e.getMessage());
      return Main.BAD_INPUT;
    }
  }
}
