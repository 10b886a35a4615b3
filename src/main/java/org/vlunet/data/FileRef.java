package org.vlunet.data;

import java.nio.file.Path;

/** A file a dataset needs and where it was named (a list file and line, or a folder), for error reports. */
public record FileRef(Path file, Path listedIn, int line) {
    /** "LIST line N", or the folder when the file was found by scanning one. */
    public String where() {
        if (listedIn == null) return "?";
        return line > 0 ? listedIn + " line " + line : listedIn.toString();
    }
}
