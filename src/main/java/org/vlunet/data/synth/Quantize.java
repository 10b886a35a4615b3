package org.vlunet.data.synth;

/** Synthesised images are rounded to 8 bits, so an image made on the fly equals the same image written as PNG. */
final class Quantize {
    private Quantize() {}

    static float to8(double v) {
        double c = Math.min(1.0, Math.max(0.0, v));
        return ((int) Math.rint(c * 255.0)) / 255f; // as ImageCodec decodes an 8-bit value
    }

    static float[] to8(float[] v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) out[i] = to8(v[i]);
        return out;
    }
}
