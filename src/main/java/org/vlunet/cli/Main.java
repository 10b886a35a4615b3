package org.vlunet.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

import java.util.List;
import java.util.concurrent.Callable;

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
public final class Main implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /**
     * The command tree with the project's error handling: a failure is one line on stderr starting with
     * {@link #prefix(String)} and exit code 1; misuse is that line, the usage and exit code 2.
     */
    public static CommandLine commandLine() {
        return withOneLineErrors(new CommandLine(new Main()));
    }

    /** A command line whose failures are one line on stderr (the stack trace with -Dvlunet.debug=true) and exit 1. */
    public static CommandLine withOneLineErrors(CommandLine cl) {
        cl.setExecutionExceptionHandler((ex, line, parsed) -> {
            String msg = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
            line.getErr().println(prefix(line) + msg.lines().findFirst().orElse(msg));
            if (Boolean.getBoolean("vlunet.debug")) ex.printStackTrace(line.getErr());
            return 1;
        });
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine line = ex.getCommandLine();
            line.getErr().println(prefix(line) + misuse(ex));
            if (!UnmatchedArgumentException.printSuggestions(ex, line.getErr())) line.usage(line.getErr());
            return line.getCommandSpec().exitCodeOnInvalidInput();
        });
        return cl;
    }

    /** The start of every error line of a command: "vlunet restore: " (one place, so that all commands agree). */
    public static String prefix(String command) {
        return command == null || command.equals("vlunet") ? "vlunet: " : "vlunet " + command + ": ";
    }

    private static String prefix(CommandLine line) {
        return prefix(line.getParent() == null ? null : line.getCommandName());
    }

    /** picocli's message, except that a missing option is named as the usage line shows it (--ckpt, not its alias). */
    private static String misuse(ParameterException ex) {
        if (!(ex instanceof MissingParameterException m) || m.getMissing().stream().anyMatch(a -> !a.isOption())) return ex.getMessage();
        List<String> names = m.getMissing().stream()
                .map(a -> "'" + ((OptionSpec) a).shortestName() + "=" + a.paramLabel() + "'").toList();
        return "Missing required option" + (names.size() > 1 ? "s: " : ": ") + String.join(", ", names);
    }

    /** No command: the usage on stderr and exit code 2, as for any other misuse. */
    @Override
    public Integer call() {
        CommandLine line = spec.commandLine();
        line.getErr().println(prefix((String) null) + "a command is needed");
        line.usage(line.getErr());
        return spec.exitCodeOnInvalidInput();
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {org.vlunet.util.Versions.all()};
        }
    }
}
