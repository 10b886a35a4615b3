package org.vlunet.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Top-level command: subcommands are added as they are implemented. */
@Command(name = "vlunet", mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        subcommands = {
            CommandLine.HelpCommand.class,
            DatasetsCommand.class,
        },
        description = "VLU-Net all-in-one image restoration (CVPR 2025) on Deep Java Library.")
public final class Main implements Runnable {

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws Exception {
            var p = new java.util.Properties();
            try (var in = Main.class.getResourceAsStream("/vlunet-version.properties")) {
                if (in != null) p.load(in);
            }
            return new String[] {"vlunet " + p.getProperty("version", "unknown")};
        }
    }
}
