package org.vlunet;

import org.vlunet.weights.HostTensor;
import org.vlunet.weights.Safetensors;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.util.Map;

/** The authors' fixtures, copied into src/test/resources/fixtures. */
public final class Fixtures {
    private Fixtures() {}

    public static Path path(String name) {
        URL u = Fixtures.class.getResource("/fixtures/" + name);
        if (u == null) throw new IllegalStateException("test resource fixtures/" + name + " is missing");
        try {
            return Path.of(u.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Safetensors open(String name) {
        return Safetensors.open(path(name));
    }

    public static Map<String, HostTensor> readAll(String name) {
        return Safetensors.readAll(path(name));
    }
}
