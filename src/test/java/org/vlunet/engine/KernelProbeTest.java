package org.vlunet.engine;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KernelProbeTest {

    /** Under spark-submit the application jar is not on java.class.path; the probe's child must still find it. */
    @Test
    void theChildsClassPathHoldsTheJarThisCodeCameFrom() throws Exception {
        String saved = System.getProperty("java.class.path");
        try {
            System.setProperty("java.class.path", "/opt/spark/jars/a.jar" + File.pathSeparator + File.pathSeparator);
            List<String> parts = List.of(KernelProbe.classPath().split(File.pathSeparator));
            String own = Path.of(KernelProbe.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
            String djl = Path.of(ai.djl.engine.Engine.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
            assertEquals(own, parts.get(0), parts.toString());
            assertTrue(parts.contains(djl), parts.toString());
            assertEquals("/opt/spark/jars/a.jar", parts.get(parts.size() - 1), "the JVM's own class path follows, no empty entries");
        } finally {
            System.setProperty("java.class.path", saved);
        }
    }
}
