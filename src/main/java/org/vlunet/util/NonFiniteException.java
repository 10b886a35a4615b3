package org.vlunet.util;

/**
 * A computed result holds NaN or infinite values. Such values must never reach a file or a score: clamped and
 * quantised they would become a black image, averaged they would make a PSNR of NaN.
 */
public final class NonFiniteException extends IllegalStateException {

    public NonFiniteException(String message) {
        super(message);
    }

    /** Throws when {@code values} holds NaN or infinities; {@code what} names them ("the network's output"). */
    public static void check(float[] values, String what) {
        long nan = 0, inf = 0;
        for (float v : values) {
            if (Float.isNaN(v)) nan++;
            else if (Float.isInfinite(v)) inf++;
        }
        if (nan + inf > 0) {
            throw new NonFiniteException(what + " holds " + (nan > 0 ? nan + " NaN" : "") + (nan > 0 && inf > 0 ? " and " : "")
                    + (inf > 0 ? inf + " infinite" : "") + " value(s) of " + values.length
                    + " (broken weights or an overflow); nothing written for it");
        }
    }
}
