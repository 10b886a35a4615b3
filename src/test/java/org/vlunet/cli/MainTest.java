package org.vlunet.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line as a whole: misuse, error lines, the list of commands. */
class MainTest {
    @TempDir
    Path dir;

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void noArgumentsIsMisuse() {
        CliRun r = run();
        assertEquals(2, r.rc());
        assertEquals("", r.out());
        assertEquals("vlunet: a command is needed", r.firstErrLine());
        assertTrue(r.err().contains("Usage: vlunet") && r.err().contains("restore"), r.err());
    }

    @Test
    void missingOptionIsNamedAsTheUsageShowsIt() {
        CliRun r = run("restore", dir.resolve("a.png").toString());
        assertEquals(2, r.rc());
        assertEquals("vlunet restore: Missing required option: '--ckpt=FILE'", r.firstErrLine());
        assertTrue(r.err().contains("Usage: vlunet restore"), r.err());
    }

    @Test
    void unknownOptionKeepsPicocliMessageWithThePrefix() {
        CliRun r = run("score", "--restored", dir.toString(), "--clean", dir.toString(), "--no_such_option");
        assertEquals(2, r.rc());
        assertTrue(r.firstErrLine().startsWith("vlunet score: Unknown option: '--no_such_option'"), r.err());
    }

    @Test
    void failuresOfEveryCommandStartTheSameWay() {
        Path missing = dir.resolve("missing.safetensors");
        CliRun restore = run("restore", "--ckpt", missing.toString(), dir.resolve("a.png").toString(), "-o", dir.resolve("out").toString());
        assertEquals(1, restore.rc());
        assertTrue(restore.firstErrLine().startsWith("vlunet restore: "), restore.err());
        CliRun train = run("train", "--de_type", "desnow", "--ckpt_path", dir.toString(), "--output_path", dir.toString());
        assertEquals(1, train.rc());
        assertTrue(train.firstErrLine().startsWith("vlunet train: "), train.err());
        CliRun inspect = run("inspect", missing.toString());
        assertEquals(1, inspect.rc());
        assertTrue(inspect.firstErrLine().startsWith("vlunet inspect: "), inspect.err());
    }

    @Test
    void everyCommandSummaryIsAWholeSentence() {
        // The top-level list shows the first line of each description: it must not stop mid-sentence.
        CommandLine cl = Main.commandLine();
        for (var e : cl.getSubcommands().entrySet()) {
            String[] d = e.getValue().getCommandSpec().usageMessage().description();
            assertTrue(d.length > 0 && d[0].strip().endsWith("."), e.getKey() + ": " + String.join(" / ", d));
        }
    }
}
