package org.vlunet.data;

/**
 * One training sample: aligned degraded and clean patches (same crop, same flip/rotation), the class, and the
 * CLIP input computed from the degraded patch (null when no CLIP function was given).
 */
public record Sample(int index, Degradation degradation, RgbImage degraded, RgbImage clean, float[] clipInput,
                     int x0, int y0, int mode) {}
