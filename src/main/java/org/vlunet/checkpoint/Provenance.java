package org.vlunet.checkpoint;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.vlunet.weights.WeightsException;

import java.io.IOException;

/**
 * Where a checkpoint came from, kept in its metadata.
 *
 * @param command what made it: "train", "finetune-clip", "convert", ...
 * @param epochs  training epochs completed (null if unknown)
 * @param steps   optimizer steps taken (null if unknown)
 * @param date    ISO-8601 instant it was written
 * @param source  the checkpoint it was made from or started from (null if none)
 * @param note    free text, e.g. the source's own counters
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Provenance(String command, Long epochs, Long steps, String date, String source, String note) {

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** A provenance dated now. */
    public static Provenance now(String command, Long epochs, Long steps, String source, String note) {
        return new Provenance(command, epochs, steps, java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString(),
                source, note);
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Provenance fromJson(String json, String where) {
        try {
            return JSON.readValue(json, Provenance.class);
        } catch (IOException e) {
            throw new WeightsException(where + ": unreadable provenance metadata (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
    }

    /** One line for humans. */
    public String describe() {
        StringBuilder b = new StringBuilder(command == null ? "unknown command" : command);
        if (epochs != null) b.append(", ").append(epochs).append(" epochs");
        if (steps != null) b.append(", ").append(steps).append(" steps");
        if (date != null) b.append(", ").append(date);
        if (source != null) b.append(", from ").append(source);
        if (note != null) b.append(" (").append(note).append(')');
        return b.toString();
    }
}
