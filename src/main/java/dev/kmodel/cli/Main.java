package dev.kmodel.cli;

import dev.kmodel.log.LogbackWithoutMdc;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code kmodel} command line (contract §1). Exit status: 0 completed, 1 the model found a
 * violation, 2 bad input, 3 internal error (docs/contract.md §1). Without a command it prints its
 * usage on stderr and exits 2, as for any other usage error.
 */
@Command(
        name = "kmodel",
        // INHERIT: every subcommand gets -h/--help and -V/--version too.
        scope = ScopeType.INHERIT,
        mixinStandardHelpOptions = true,
        version = "kmodel 0.1.0",
        description = "A concurrent, actor-based, event-sourced model of Linux process management.",
        synopsisSubcommandLabel = "COMMAND",
        subcommands = {
            RunCommand.class,
            DemoCommand.class,
            BenchCommand.class,
            ReplayCommand.class,
            StressCommand.class,
            ShrinkCommand.class,
            ExplainCommand.class,
            LocksCommand.class,
            HelpCommand.class
        },
        exitCodeListHeading = Main.EXIT_STATUS,
        exitCodeList = {Main.EXIT_0_RUN, Main.EXIT_1_RUN, Main.EXIT_2, Main.EXIT_3},
        footerHeading = Main.EXAMPLES,
        footer = {
            "  ./kmodel demo",
            "  ./kmodel run conf/scenarios/zombie-reap.conf --report r.json --journal z.kmj",
            "  ./kmodel replay z.kmj --at 120 --pid 4",
            "  ./kmodel locks conf/scenarios/zombie-reap.conf",
            "  ./kmodel stress conf/scenarios/two-waiters.conf --schedules 1000",
            "  ./kmodel help run"
        })
public final class Main implements Callable<Integer> {
    public static final int OK = 0, VIOLATION = 1, BAD_INPUT = 2, INTERNAL_ERROR = 3;

    // The usage's sections, shared by the commands (picocli: "code:description").
    static final String EXIT_STATUS = "%nExit status:%n";
    static final String EXAMPLES = "%nExamples:%n";
    static final String EXIT_0_RUN = "0:the run completed without a violation";
    static final String EXIT_1_RUN =
            "1:the model found a violation (leak, use after free, double free, double reap, ...),"
                    + " a deadlock, or a bound stopped the run (wall time, events, model ticks, memory)";
    static final String EXIT_SIGNAL =
            "130/143:stopped by SIGINT (Ctrl-C) / SIGTERM; the report and journal so far are written";
    static final String EXIT_2 =
            "2:bad input (a file, an option): one line on stderr that names it, and the line" + " where there is one";
    static final String EXIT_3 = "3:internal error: a bug in kmodel; please report it with the command";

    @Spec
    CommandSpec spec;

    /** No command: the usage, on stderr, and exit status 2 (a usage error, as picocli has it). */
    @Override
    public Integer call() {
        spec.commandLine().usage(System.err);
        return BAD_INPUT;
    }

    public static void main(String[] args) {
        LogbackWithoutMdc.install();
        System.exit(execute(args));
    }

    /** Runs the command line and returns its exit status (tests call this directly). */
    public static int execute(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setParameterExceptionHandler((ex, a) -> {
            String command = ex.getCommandLine().getCommandSpec().qualifiedName();
            System.err.println("kmodel: " + ex.getMessage().replace('\n', ' ') + " (see " + command + " --help)");
            return BAD_INPUT;
        });
        cl.setExecutionExceptionHandler((ex, c, p) -> {
            System.err.println("kmodel: internal error, a bug in kmodel; please report it with the command: " + ex);
            return INTERNAL_ERROR;
        });
        return cl.execute(args);
    }
}
