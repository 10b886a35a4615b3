package org.vlunet.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;

/** The CLI run in-process, as a user's shell would: exit code, stdout and stderr. */
record CliRun(int rc, String out, String err) {

    static CliRun of(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true));
            System.setErr(new PrintStream(err, true));
            int rc = Main.commandLine().execute(args);
            return new CliRun(rc, out.toString(), err.toString());
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    String firstErrLine() {
        return err.lines().findFirst().orElse("");
    }
}
