package org.vlunet.train;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LrScheduleTest {

    final LrSchedule s = new LrSchedule(2e-4, 15, 200, 100);

    @Test
    void endpoints() {
        assertEquals(0, s.rate(0));
        assertEquals(2e-4, s.rate(1500), 1e-18, "base rate at the end of warm-up");
        assertEquals(0, s.rate(20000), 1e-18, "zero at the last epoch");
        assertEquals(0, s.rate(25000), "zero after it");
        assertEquals(1e-4, s.rateAtEpoch(15 + 185 / 2.0), 1e-15, "half way down the cosine");
    }

    @Test
    void shape() {
        // linear warm-up: equal increments
        assertEquals(2e-4 / 1500, s.rate(1), 1e-18);
        assertEquals(2e-4 * 750 / 1500, s.rate(750), 1e-18);
        double prev = -1;
        for (long t = 0; t <= 1500; t += 10) {
            double r = s.rate(t);
            assertTrue(r > prev);
            prev = r;
        }
        for (long t = 1510; t <= 20000; t += 10) {
            double r = s.rate(t);
            assertTrue(r < prev, "decreasing after warm-up at step " + t);
            prev = r;
        }
        // continuous at the warm-up boundary
        assertEquals(s.rate(1500), s.rate(1499), 2e-4 / 1500 + 1e-12);
    }

    @Test
    void cosinePhaseCoincidesWithTheAuthorsPerEpochSchedule() {
        for (int k = 15; k <= 200; k++) {
            assertEquals(LrSchedule.authorsEpochRate(2e-4, 15, 200, k), s.rate(k * 100L), 1e-15, "epoch " + k);
        }
        // theirs reaches the base rate one epoch early (k/(W-1)) and starts at 0 too
        assertEquals(0, LrSchedule.authorsEpochRate(2e-4, 15, 200, 0));
        assertEquals(2e-4, LrSchedule.authorsEpochRate(2e-4, 15, 200, 14), 1e-18);
    }

    @Test
    void badArguments() {
        assertThrows(IllegalArgumentException.class, () -> new LrSchedule(2e-4, 15, 10, 100));
        assertThrows(IllegalArgumentException.class, () -> new LrSchedule(-1, 1, 10, 100));
        assertThrows(IllegalArgumentException.class, () -> new LrSchedule(1, 1, 10, 0));
        assertEquals(1.0, new LrSchedule(1, 0, 10, 1).rate(0), "no warm-up: full rate at once");
    }
}
