package org.vlunet.util;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class AtomicFilesTest {
    @TempDir
    Path dir;

    @Test
    void outputGetsTheModeOfAnyNewFileNotAPrivateOne() throws Exception {
        assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"));
        Path plain = Files.createFile(dir.resolve("plain")); // what the umask gives a new file
        Path out = dir.resolve("sub/result.json");
        AtomicFiles.writeString(out, "{}\n");
        assertEquals("{}\n", Files.readString(out));
        Set<PosixFilePermission> expected = Files.getPosixFilePermissions(plain);
        // Files.createTempFile would give 0600; only a umask of 077 gives that too, and then there is nothing to tell apart.
        assumeTrue(!expected.equals(PosixFilePermissions.fromString("rw-------")), "umask 077");
        assertEquals(expected, Files.getPosixFilePermissions(out));
        try (var left = Files.list(out.getParent())) {
            assertEquals(1, left.count(), "no temporary file is left beside the output");
        }
    }

    @Test
    void replacesAnExistingFileWhole() throws Exception {
        Path out = dir.resolve("a.txt");
        AtomicFiles.writeString(out, "first, longer\n");
        AtomicFiles.writeString(out, "second\n");
        assertEquals("second\n", Files.readString(out));
    }
}
