package org.vlunet.eval;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;

import static org.junit.jupiter.api.Assertions.*;

class ProgressTest {
    @Test
    void barRateAndEta() throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        Progress p = new Progress(new PrintStream(b, true), 4, true);
        p.label("CBSD68 / Denoise25");
        p.step(true); // resumed: not counted in the rate
        Thread.sleep(20);
        p.step(false);
        String s = b.toString();
        assertTrue(s.startsWith("\r[") && s.contains("2/4 CBSD68 / Denoise25"), s);
        assertTrue(s.contains("ETA 0:00"), s);
        assertFalse(s.endsWith("\n"));
        p.breakLine();
        assertTrue(b.toString().endsWith("\n"));
        p.step(false);
        p.step(false);
        assertTrue(b.toString().contains("[############################] 4/4"), b.toString());
        assertTrue(b.toString().endsWith("\n"));
        assertEquals("1:01:05", Progress.clock(3665));
        assertEquals("2:05", Progress.clock(125));
    }

    @Test
    void logsAreNotFlooded() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        Progress p = new Progress(new PrintStream(b, true), 1000, false);
        for (int i = 0; i < 1000; i++) p.step(false);
        long lines = b.toString().lines().count();
        assertTrue(lines <= 3, lines + " lines");
        assertTrue(b.toString().contains("1000/1000"));
    }
}
