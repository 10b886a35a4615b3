package org.vlunet.util;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;
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


    @Test
    void writesLeaveOnlyTheTargetAndItsTemporaryNameIsRecognised(@TempDir Path dir) throws Exception {
        Path target = dir.resolve("sub/last.state.safetensors");
        AtomicFiles.write(target, out -> {
            try (var s = Files.list(target.getParent())) {
                List<Path> temps = s.toList();
                assertEquals(1, temps.size(), "the content goes to a temporary file first");
                assertTrue(AtomicFiles.isTemp(temps.get(0)), temps.get(0).toString());
            }
            out.write(1);
        });
        try (var s = Files.list(target.getParent())) {
            assertEquals(List.of(target), s.toList());
        }
    }

    /** What a kill during a checkpoint write leaves is removed at the next start; nobody else's files are. */
    @Test
    void removeStaleTakesOnlyThisToolsTemporaryFiles(@TempDir Path dir) throws Exception {
        Path ours = Files.writeString(dir.resolve(".last.state.safetensors.8412093321.vlunet.tmp"), "half a checkpoint");
        Path probe = Files.writeString(dir.resolve(".vlunet-probe.77.vlunet.tmp"), "");
        List<Path> others = List.of(
                Files.writeString(dir.resolve(".last.state.safetensors.123.tmp"), "another tool's naming"),
                Files.writeString(dir.resolve("notes.vlunet.tmp"), "not hidden"),
                Files.writeString(dir.resolve(".x.abc.vlunet.tmp"), "no digits"),
                Files.writeString(dir.resolve("last.state.safetensors"), "the checkpoint"),
                Files.createDirectories(dir.resolve(".folder.12.vlunet.tmp")));
        Path deeper = Files.writeString(Files.createDirectories(dir.resolve("sub")).resolve(".a.png.5.vlunet.tmp"), "");
        List<Path> removed = AtomicFiles.removeStale(dir);
        assertEquals(List.of(ours, probe), removed);
        assertFalse(Files.exists(ours) || Files.exists(probe));
        for (Path p : others) assertTrue(Files.exists(p), p.toString());
        assertTrue(Files.exists(deeper), "only the folder itself is cleaned");
        String line = AtomicFiles.removedLine(dir, removed);
        assertTrue(line.startsWith("removed 2 temporary file(s) left by an interrupted write in " + dir), line);
        assertNull(AtomicFiles.removedLine(dir, AtomicFiles.removeStale(dir)));
        assertTrue(AtomicFiles.removeStale(dir.resolve("absent")).isEmpty());
    }
}
