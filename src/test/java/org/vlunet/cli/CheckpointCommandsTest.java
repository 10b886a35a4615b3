package org.vlunet.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlunet.Fixtures;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class CheckpointCommandsTest {

    @TempDir
    Path dir;

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void convertThenInspect() {
        String ckpt = Fixtures.path("e2e_tiny/model.ckpt").toString();
        String config = Fixtures.path("e2e_tiny/config.json").toString();
        Path out = dir.resolve("tiny.safetensors");
        CliRun r = run("convert", ckpt, "--config", config, "--output", out.toString());
        assertEquals(0, r.rc(), r.err());
        assertTrue(Files.isRegularFile(out));
        assertTrue(r.out().contains("parts:       backbone, clip, image adapter, text adapter"), r.out());

        r = run("convert", ckpt, "--config", config, "-o", out.toString());
        assertEquals(1, r.rc());
        assertEquals("vlunet convert: " + out + ": exists (use --overwrite to replace it)", r.err().strip());
        assertEquals(0, run("convert", ckpt, "-c", config, "-o", out.toString(), "--overwrite").rc());

        r = run("inspect", out.toString());
        assertEquals(0, r.rc(), r.err());
        assertTrue(r.out().contains("kind:        VLU-Net checkpoint"), r.out());
        assertTrue(r.out().contains("vision 2 layers x 64 wide, heads 2"), "the stored config keeps the heads: " + r.out());
        assertTrue(r.out().contains("provenance:  convert, 150 epochs, 2980 steps"), r.out());
        assertTrue(r.out().contains("(stored in the file)"), r.out());
    }

    @Test
    void inspectRefusesAMisfitAndUnreadableFiles() throws Exception {
        CliRun r = run("inspect", "-c", "vlunet-nhrbl", Fixtures.path("e2e_tiny/model.ckpt").toString());
        assertEquals(1, r.rc());
        assertTrue(r.err().startsWith("vlunet inspect: ") && r.err().contains("does not fit the configuration"), r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line");
        Path junk = dir.resolve("junk.ckpt");
        Files.write(junk, new byte[] {1, 2, 3});
        r = run("inspect", junk.toString());
        assertEquals(1, r.rc());
        assertTrue(r.err().contains("not a checkpoint"), r.err());
    }
}
