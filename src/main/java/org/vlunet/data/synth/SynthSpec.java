package org.vlunet.data.synth;

import org.vlunet.data.Degradation;
import org.vlunet.data.RgbImage;
import org.vlunet.data.Rng;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How to synthesise one degradation class from clean images: {@code KEY[:name=value,...]}, e.g. {@code derain},
 * {@code denoise_25}, {@code dehaze:beta=0.1,A=0.9}, {@code deblur:kind=defocus}. Parameters not fixed here are
 * drawn per image from ranges like those of the public sets (RESIDE, Rain100L, GoPro, LOL), from the image's seed.
 */
public final class SynthSpec {
    private static final Map<Degradation, List<String>> KNOWN = Map.of(
            Degradation.DENOISE_15, List.of("sigma"),
            Degradation.DENOISE_25, List.of("sigma"),
            Degradation.DENOISE_50, List.of("sigma"),
            Degradation.DERAIN, List.of("density", "length_min", "length_max", "angle", "angle_spread", "width",
                    "intensity_min", "intensity_max"),
            Degradation.DEHAZE, List.of("beta", "A", "depth_max"),
            Degradation.DEBLUR, List.of("kind", "size", "angle"),
            Degradation.DELOWLIGHT, List.of("exposure", "gamma", "shot", "read"));

    public final Degradation degradation;
    private final Map<String, String> fixed;

    /** A synthesised image and the parameters actually used (for manifests). */
    public record Result(RgbImage image, Map<String, Object> params) {}

    public SynthSpec(Degradation degradation, Map<String, String> fixed) {
        this.degradation = degradation;
        this.fixed = new TreeMap<>(fixed);
        List<String> known = KNOWN.get(degradation);
        for (Map.Entry<String, String> e : this.fixed.entrySet()) {
            if (!known.contains(e.getKey())) {
                throw new IllegalArgumentException("unknown parameter '" + e.getKey() + "' for " + degradation.key
                        + " (known: " + String.join(", ", known) + ")");
            }
            if (!e.getKey().equals("kind")) number(e.getKey(), e.getValue());
        }
        // Fail now on values out of range rather than at the first image.
        synthesize(RgbImage.blank(16, 16), 0);
    }

    public static SynthSpec of(Degradation d) {
        return new SynthSpec(d, Map.of());
    }

    public static SynthSpec parse(String spec) {
        String s = spec.trim();
        int colon = s.indexOf(':');
        Degradation d = Degradation.of(colon < 0 ? s : s.substring(0, colon).trim());
        Map<String, String> fixed = new LinkedHashMap<>();
        if (colon >= 0) {
            for (String kv : s.substring(colon + 1).split(",")) {
                if (kv.isBlank()) continue;
                int eq = kv.indexOf('=');
                if (eq <= 0) throw new IllegalArgumentException("degradation spec '" + spec + "': expected name=value, got '" + kv.trim() + "'");
                fixed.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
            }
        }
        return new SynthSpec(d, fixed);
    }

    /** The degraded image for {@code clean}: parameters and randomness both from {@code seed}. */
    public Result synthesize(RgbImage clean, long seed) {
        Rng draw = Rng.of(seed, 0x5041524DL);
        Map<String, Object> used = new LinkedHashMap<>();
        RgbImage out;
        switch (degradation) {
            case DENOISE_15, DENOISE_25, DENOISE_50 -> {
                double level = switch (degradation) {
                    case DENOISE_15 -> 15;
                    case DENOISE_25 -> 25;
                    default -> 50;
                };
                double sigma = get(used, "sigma", draw, level, level);
                out = GaussianNoise.apply(clean, sigma, seed);
            }
            case DERAIN -> {
                double density = get(used, "density", draw, 1.0, 3.0);
                double lmin = get(used, "length_min", draw, 8, 8);
                double lmax = get(used, "length_max", draw, Math.max(lmin, 20), Math.max(lmin, 40));
                double angle = get(used, "angle", draw, -30, 30);
                double spread = get(used, "angle_spread", draw, 2, 2);
                double width = get(used, "width", draw, 1.0, 1.6);
                double imin = get(used, "intensity_min", draw, 0.35, 0.35);
                double imax = get(used, "intensity_max", draw, Math.max(imin, 0.6), Math.max(imin, 0.9));
                out = RainStreaks.apply(clean, new RainStreaks.Params(density, lmin, lmax, angle, spread, width, imin, imax), seed);
            }
            case DEHAZE -> {
                double beta = get(used, "beta", draw, 0.04, 0.2);
                double a = get(used, "A", draw, 0.7, 1.0);
                double dmax = get(used, "depth_max", draw, 10, 10);
                out = Haze.apply(clean, new Haze.Params(beta, new double[] {a, a, a}, dmax), null, seed);
            }
            case DEBLUR -> {
                String kind = fixed.get("kind");
                if (kind == null) {
                    double u = draw.nextDouble();
                    kind = u < 0.35 ? "linear" : u < 0.8 ? "curved" : "defocus";
                } else {
                    draw.nextDouble(); // keep the other draws where they would be
                }
                used.put("kind", kind);
                double size = kind.equals("defocus") ? get(used, "size", draw, 2, 6) : get(used, "size", draw, 9, 31);
                double angle = get(used, "angle", draw, 0, 180);
                out = Blur.apply(clean, new Blur.Params(kind, size, angle), seed);
            }
            case DELOWLIGHT -> {
                double exposure = get(used, "exposure", draw, 0.15, 0.4);
                double gamma = get(used, "gamma", draw, 1.6, 2.6);
                double shot = get(used, "shot", draw, 0.0005, 0.004);
                double read = get(used, "read", draw, 0.002, 0.008);
                out = LowLight.apply(clean, new LowLight.Params(exposure, gamma, shot, read), seed);
            }
            default -> throw new IllegalStateException(degradation.key);
        }
        return new Result(out, used);
    }

    /** The fixed value, or a uniform draw in [lo, hi]; the draw is made either way so later draws don't shift. */
    private double get(Map<String, Object> used, String name, Rng draw, double lo, double hi) {
        double drawn = draw.uniform(lo, hi);
        String f = fixed.get(name);
        double v = f != null ? number(name, f) : drawn;
        used.put(name, v);
        return v;
    }

    private double number(String name, String value) {
        try {
            return Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("parameter " + name + " of " + degradation.key + " must be a number, got '" + value + "'");
        }
    }

    /** The canonical spec string: KEY or KEY:name=value,... with names sorted. */
    @Override
    public String toString() {
        if (fixed.isEmpty()) return degradation.key;
        StringBuilder b = new StringBuilder(degradation.key).append(':');
        fixed.forEach((k, v) -> b.append(k).append('=').append(v).append(','));
        b.setLength(b.length() - 1);
        return b.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SynthSpec s && s.toString().equals(toString());
    }

    @Override
    public int hashCode() {
        return toString().hashCode();
    }
}
