package dev.kmodel.cli;

import dev.kmodel.log.LogbackWithoutMdc;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code kmodel} command line (contract §1). Exit status: 0 ok, 1 violation, 2 bad input. */
@Command(
        name = "kmodel",
        mixinStandardHelpOptions = true,
        version = "kmodel 0.1.0",
        description = "A concurrent, actor-based, event-sourced model of Linux process management.",
        subcommands = {
            RunCommand.class,
            DemoCommand.class,
            BenchCommand.class,
            ReplayCommand.class,
            ExplainCommand.class
        })
public final class Main implements Runnable {
    public static final int OK = 0, VIOLATION = 1, BAD_INPUT = 2;

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        LogbackWithoutMdc.install();
        System.exit(execute(args));
    }

    /** Runs the command line and returns its exit status (tests call this directly). */
    public static int execute(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setParameterExceptionHandler((ex, a) -> {
            System.err.println("kmodel: " + ex.getMessage().replace('\n', ' '));
            return BAD_INPUT;
        });
        cl.setExecutionExceptionHandler((ex, c, p) -> {
            System.err.println("kmodel: internal error: " + ex);
            return 3;
        });
        return cl.execute(args);
    }
}
