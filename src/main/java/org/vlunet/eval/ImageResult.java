package org.vlunet.eval;

import org.vlunet.infer.Readout;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.file.Path;

/**
 * One evaluated image: its score, the degraded input's score against the same clean image (for reference), the
 * degradation read-out, and where the input, restoration and clean image are (null when not kept).
 */
public record ImageResult(String file, int width, int height, Score score, Score input, Readout readout,
                          Path inputPath, Path restoredPath, Path cleanPath) {

    public ObjectNode toJson() {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("file", file);
        o.put("width", width);
        o.put("height", height);
        Json.put(o, "psnr", score.psnr());
        Json.put(o, "ssim", score.ssim());
        if (input != null) {
            Json.put(o, "input_psnr", input.psnr());
            Json.put(o, "input_ssim", input.ssim());
        }
        if (readout != null) o.set("readout", readout.toJson());
        if (inputPath != null) o.put("input", inputPath.toString());
        if (restoredPath != null) o.put("restored", restoredPath.toString());
        if (cleanPath != null) o.put("clean", cleanPath.toString());
        return o;
    }

    public static ImageResult fromJson(JsonNode o) {
        Score in = o.has("input_psnr") ? new Score(Json.get(o, "input_psnr"), Json.get(o, "input_ssim")) : null;
        return new ImageResult(o.get("file").asText(), o.get("width").asInt(), o.get("height").asInt(),
                new Score(Json.get(o, "psnr"), Json.get(o, "ssim")), in,
                o.has("readout") ? Readout.fromJson(o.get("readout")) : null,
                path(o, "input"), path(o, "restored"), path(o, "clean"));
    }

    private static Path path(JsonNode o, String k) {
        return o.hasNonNull(k) ? Path.of(o.get(k).asText()) : null;
    }
}
