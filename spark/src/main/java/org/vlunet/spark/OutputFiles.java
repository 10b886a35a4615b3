package org.vlunet.spark;

import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.vlunet.util.AtomicFiles;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.UUID;

/**
 * Outputs on any Hadoop file system, written to a temporary name beside the target and renamed into place, so a
 * killed task leaves no partial output under the final name. Two attempts of one task (a retry after a lost
 * executor, or a speculative copy) write the same bytes; whichever renames first wins and the other removes its
 * temporary file.
 */
final class OutputFiles {
    /** Ends the name of every temporary output ({@code .<name>.<random>.vlunet-tmp}). */
    static final String TEMP_SUFFIX = ".vlunet-tmp";

    private OutputFiles() {}

    static void write(FileSystem fs, Path target, AtomicFiles.Writer writer, boolean overwrite) throws IOException {
        fs.setWriteChecksum(false); // no .crc files beside the outputs on the local file system
        Path tmp = new Path(target.getParent(), "." + target.getName() + "." + UUID.randomUUID() + TEMP_SUFFIX);
        try {
            try (FSDataOutputStream raw = fs.create(tmp, false); OutputStream out = new BufferedOutputStream(raw, 1 << 20)) {
                writer.write(out);
            }
            if (fs.rename(tmp, target)) return;
            // Some file systems refuse to rename onto an existing file: the target came from another attempt of
            // this task (same bytes) unless asked to replace what an earlier run left.
            if (!fs.exists(target)) throw new IOException("cannot rename " + tmp + " to " + target);
            if (!overwrite) return;
            fs.delete(target, false);
            if (!fs.rename(tmp, target) && !fs.exists(target)) throw new IOException("cannot rename " + tmp + " to " + target);
        } finally {
            if (fs.exists(tmp)) fs.delete(tmp, false);
        }
    }

    /** Removes temporary outputs older than {@code before} (left by killed tasks of earlier runs); returns how many. */
    static int removeStaleTemporaries(FileSystem fs, Path dir, long before) throws IOException {
        if (!fs.exists(dir)) return 0;
        int n = 0;
        RemoteIterator<LocatedFileStatus> it = fs.listFiles(dir, true);
        while (it.hasNext()) {
            LocatedFileStatus s = it.next();
            if (s.getPath().getName().endsWith(TEMP_SUFFIX) && s.getModificationTime() < before && fs.delete(s.getPath(), false)) n++;
        }
        return n;
    }
}
