package org.vlunet.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Top-level command: subcommands are added as they are implemented. */
@Command(name = "vlunet", mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        subcommands = {
            CommandLine.HelpCommand.class,
            ConvertCommand.class,
            InspectCommand.class,
            ScoreCommand.class,
            FinetuneClipCommand.class,
            DatasetsCommand.class,
            TestCommand.class,
            RestoreCommand.class,
            TrainCommand.class,
            DoctorCommand.class,
        },
        description = "VLU-Net all-in-one image restoration (CVPR 2025) on Deep Java Library.")
public final class Main implements Runnable {

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command tree with the project's error handling: a failure is one line on stderr and exit code 1. */
    public static CommandLine commandLine() {
        return withOneLineErrors(new CommandLine(new Main()));
    }

    /** A command line whose failures are one line on stderr (the stack trace with -Dvlunet.debug=true) and exit 1. */
    public static CommandLine withOneLineErrors(CommandLine cl) {
        cl.setExecutionExceptionHandler((ex, line, parsed) -> {
            String msg = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
            line.getErr().println(line.getCommandName() + ": " + msg.lines().findFirst().orElse(msg));
            if (Boolean.getBoolean("vlunet.debug")) ex.printStackTrace(line.getErr());
            return 1;
        });
        return cl;
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {org.vlunet.util.Versions.all()};
        }
    }
}
