package dev.kmodel;

import dev.kmodel.report.ReportJson;
import dev.kmodel.run.Machine;
import dev.kmodel.scenario.ScenarioParser;
import java.io.File;

public class SmokeMain {
  public static void main(String[] a) throws Exception {
    var r = Machine.run(ScenarioParser.parseFile(new File(a[0])));
    if (a.length > 1) r.journal().forEach(e -> System.err.println(e.ordinal() + " " + e.persistenceId() + " " + e.event()));
    System.out.println(ReportJson.toJson(r.report()));
    System.exit(0);
  }
}
