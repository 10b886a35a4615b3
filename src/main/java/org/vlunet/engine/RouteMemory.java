package org.vlunet.engine;

import org.vlunet.util.AtomicFiles;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * The route found right for a machine (processor, its flags, libtorch), kept in the user's cache folder so that
 * later starts choose it before oneDNN's first use without probing again. Only ever a speed-up: every start still
 * checks the kernels it runs. Unreadable or unwritable files are ignored.
 */
final class RouteMemory {
    private final Path file;

    RouteMemory(Path file) {
        this.file = file;
    }

    /** {@code $XDG_CACHE_HOME/vlunet} or {@code ~/.cache/vlunet}; {@code -Dvlunet.cache_dir} overrides. */
    static RouteMemory user() {
        String dir = System.getProperty("vlunet.cache_dir");
        if (dir == null) {
            String xdg = System.getenv("XDG_CACHE_HOME");
            dir = xdg != null && !xdg.isBlank() ? xdg + "/vlunet" : System.getProperty("user.home") + "/.cache/vlunet";
        }
        return new RouteMemory(Path.of(dir, "cpu-kernels.properties"));
    }

    Path file() {
        return file;
    }

    Route recall(String machine) {
        String v = load().getProperty(machine);
        try {
            return v == null ? null : Route.valueOf(v);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Stores the route; false when the file cannot be written. */
    boolean remember(String machine, Route route) {
        Properties p = load();
        p.setProperty(machine, route.name());
        try {
            Files.createDirectories(file.getParent());
            StringWriter text = new StringWriter();
            p.store(text, "vlunet: CPU convolution route per machine (processor, flags, libtorch); delete to probe again");
            AtomicFiles.writeString(file, text.toString());
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private Properties load() {
        Properties p = new Properties();
        if (Files.isRegularFile(file)) {
            try (Reader r = Files.newBufferedReader(file)) {
                p.load(r);
            } catch (IOException | RuntimeException e) {
                return new Properties();
            }
        }
        return p;
    }
}
