package org.vlunet.data;

/**
 * A small seeded generator (SplitMix64) whose every output is specified here, so that crops, flips, epoch orders
 * and synthesised degradations are the same on every JVM and platform (java.util.Random's Gaussian and
 * java.lang.Math are not bit-for-bit portable). Not thread-safe: derive one per task with {@link #of}.
 */
public final class Rng {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private long state;
    private double spare;
    private boolean hasSpare;

    public Rng(long seed) {
        this.state = seed;
    }

    /** A generator keyed by several values (e.g. seed, epoch, sample index); different keys give unrelated streams. */
    public static Rng of(long... keys) {
        long h = 0x6A09E667F3BCC909L;
        for (long k : keys) h = mix(h + GOLDEN + mix(k ^ 0xBB67AE8584CAA73BL));
        return new Rng(h);
    }

    /** A stable 64-bit key for a string (for seeding by name). */
    public static long key(String s) {
        long h = 0xCBF29CE484222325L;
        for (int i = 0; i < s.length(); i++) {
            h ^= s.charAt(i);
            h *= 0x100000001B3L;
        }
        return mix(h);
    }

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    public long nextLong() {
        state += GOLDEN;
        return mix(state);
    }

    /** Uniform in [0, 1) with 53 random bits. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    public double uniform(double lo, double hi) {
        return lo + (hi - lo) * nextDouble();
    }

    /** Uniform integer in [0, bound), unbiased. */
    public int nextInt(int bound) {
        if (bound <= 0) throw new IllegalArgumentException("bound must be positive, got " + bound);
        long r, v;
        do { // Java's rejection rule on 63 bits: drop the last partial block
            r = nextLong() >>> 1;
            v = r % bound;
        } while (r - v + (bound - 1) < 0);
        return (int) v;
    }

    /** Uniform integer in [lo, hi], both inclusive (Python's random.randint). */
    public int nextInt(int lo, int hi) {
        return lo + nextInt(hi - lo + 1);
    }

    public boolean nextBoolean() {
        return nextLong() < 0;
    }

    /** Standard normal by Marsaglia's polar method (needs only StrictMath.log and sqrt, both exact-by-spec). */
    public double nextGaussian() {
        if (hasSpare) {
            hasSpare = false;
            return spare;
        }
        double u, v, s;
        do {
            u = 2 * nextDouble() - 1;
            v = 2 * nextDouble() - 1;
            s = u * u + v * v;
        } while (s >= 1 || s == 0);
        double f = Math.sqrt(-2 * StrictMath.log(s) / s);
        spare = v * f;
        hasSpare = true;
        return u * f;
    }

    /** A random permutation of 0..n-1 (Fisher–Yates). */
    public int[] permutation(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
