package org.vlunet.util;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The versions this build was made with (project, DJL, libtorch), from the filtered build resource. */
public final class Versions {
    private static final Properties P = new Properties();

    static {
        try (InputStream in = Versions.class.getResourceAsStream("/vlunet-version.properties")) {
            if (in != null) P.load(in);
        } catch (IOException e) {
            // an unknown version is reported as such
        }
    }

    private Versions() {}

    public static String project() {
        return P.getProperty("version", "unknown");
    }

    public static String pytorch() {
        return P.getProperty("pytorch", "unknown");
    }

    public static String djl() {
        return P.getProperty("djl", "unknown");
    }

    /** "vlunet 0.1.0, DJL 0.36.0, PyTorch 2.7.1". */
    public static String all() {
        return "vlunet " + project() + ", DJL " + djl() + ", PyTorch " + pytorch();
    }
}
