package org.vlunet.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlunet.data.AuthorsLayout;
import org.vlunet.data.TestImages;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class DatasetsCommandTest {
    @TempDir
    Path tmp;

    private int run(ByteArrayOutputStream out, ByteArrayOutputStream err, String... args) {
        PrintStream o = System.out, e = System.err;
        try {
            System.setOut(new PrintStream(out, true));
            System.setErr(new PrintStream(err, true));
            return Main.commandLine().execute(args);
        } finally {
            System.setOut(o);
            System.setErr(e);
        }
    }

    @Test
    void writesADatasetAndReportsErrorsOnOneLine() throws Exception {
        Path in = tmp.resolve("photos");
        for (int i = 0; i < 3; i++) TestImages.write(TestImages.pattern(40, 40, i), in.resolve("p" + i + ".png"));
        Path out = tmp.resolve("ds");
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        int code = run(o, e, "datasets", "--input", in.toString(), "--output", out.toString(), "--de_type", "NHR",
                "dehaze:beta=0.05", "--test_fraction", "0.34", "--seed", "7", "--quiet");
        assertEquals(1, code, "dehaze twice (NHR holds it) is refused: " + e);
        assertTrue(e.toString().startsWith("vlunet datasets: degradation dehaze is given twice"), e.toString());

        o.reset();
        e.reset();
        code = run(o, e, "datasets", "--input", in.toString(), "--output", out.toString(), "--de_type", "N", "derain:angle=10",
                "--test_fraction", "0.34", "--seed", "7", "--quiet");
        assertEquals(0, code, e.toString());
        assertTrue(o.toString().startsWith("wrote 2 training and 1 test photos x 4 degradations under " + out), o.toString());
        assertEquals(3, AuthorsLayout.test(out, "N").size());
        assertTrue(Files.readString(out.resolve("manifest.json")).contains("\"spec\" : \"derain:angle=10\""));

        e.reset();
        code = run(o, e, "datasets", "--input", in.toString(), "--output", tmp.resolve("x").toString(), "--de_type", "desnow");
        assertEquals(1, code);
        assertEquals("vlunet datasets: unknown degradation 'desnow' (expected one of denoise_15, denoise_25, denoise_50, derain, dehaze, deblur, "
                + "delowlight)", e.toString().strip());
    }
}
