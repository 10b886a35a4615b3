package org.vlunet.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A whole model's configuration: the restoration network and its CLIP encoder. Read from JSON
 * ({@code {"model": {...}, "clip": {...}}}); presets live in configs/ and inside the jar.
 */
@com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
public record VluNetConfig(ModelConfig model, ClipConfig clip, java.util.List<String> degradations) {

    public VluNetConfig(ModelConfig model, ClipConfig clip) {
        this(model, clip, null);
    }


    public static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
            // "dim": 12.5 would otherwise be read as 12 without a word
            .configure(DeserializationFeature.ACCEPT_FLOAT_AS_INT, false)
            .enable(SerializationFeature.INDENT_OUTPUT);

    public VluNetConfig validate() {
        if (model == null) throw new ConfigException("configuration needs a \"model\" section");
        model.validate();
        if (clip != null) {
            clip.validate();
            ModelConfig.need(clip.embedDim() == model.degradationDim(), "clip.embedDim " + clip.embedDim()
                    + " must equal model.degradationDim " + model.degradationDim());
        }
        if (degradations != null) {
            for (String d : degradations) {
                try {
                    org.vlunet.data.Degradation.of(d);
                } catch (IllegalArgumentException e) {
                    throw new ConfigException("degradations: " + e.getMessage());
                }
            }
            ModelConfig.need(degradations.size() == model.deDim(), "degradations lists " + degradations.size()
                    + " classes but model.deDim is " + model.deDim());
        }
        return this;
    }

    /** Reads a JSON file, or a preset by name ("vlunet-tiny", "vlunet-nhr", "vlunet-nhrbl"). */
    public static VluNetConfig load(String fileOrPreset) {
        Path p = Path.of(fileOrPreset);
        if (Files.isRegularFile(p)) {
            try (InputStream in = Files.newInputStream(p)) {
                return parse(in, p.toString());
            } catch (IOException e) {
                throw new ConfigException(p + ": cannot read (" + e.getMessage() + ")");
            }
        }
        String name = fileOrPreset.endsWith(".json") ? Path.of(fileOrPreset).getFileName().toString() : fileOrPreset + ".json";
        try (InputStream in = VluNetConfig.class.getResourceAsStream("/configs/" + name)) {
            if (in == null) {
                throw new ConfigException(fileOrPreset + ": no such configuration file or preset (presets: vlunet-tiny, vlunet-nhr, vlunet-nhrbl)");
            }
            return parse(in, "preset " + name);
        } catch (IOException e) {
            throw new ConfigException(fileOrPreset + ": cannot read (" + e.getMessage() + ")");
        }
    }

    public static VluNetConfig parse(InputStream in, String what) {
        try {
            return JSON.readValue(in, VluNetConfig.class).validate();
        } catch (ConfigException e) {
            throw new ConfigException(what + ": " + e.getMessage());
        } catch (com.fasterxml.jackson.databind.exc.MismatchedInputException e) {
            String key = key(e.getPath());
            throw new ConfigException(what + ": " + (key.isEmpty() ? "" : key + ": ") + "expected "
                    + (e.getTargetType() == int.class || e.getTargetType() == Integer.class ? "a whole number" : e.getTargetType() == null ? "another value"
                    : "a value of type " + e.getTargetType().getSimpleName()) + " (" + e.getOriginalMessage().lines().findFirst().orElse("") + ")");
        } catch (IOException e) {
            throw new ConfigException(what + ": invalid configuration (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
    }

    /** The JSON key a mapping error is at, e.g. {@code model.heads[2]}. */
    private static String key(java.util.List<com.fasterxml.jackson.databind.JsonMappingException.Reference> path) {
        StringBuilder b = new StringBuilder();
        for (var r : path) {
            if (r.getFieldName() != null) b.append(b.length() == 0 ? "" : ".").append(r.getFieldName());
            else if (r.getIndex() >= 0) b.append('[').append(r.getIndex()).append(']');
        }
        return b.toString();
    }

    public static VluNetConfig fromJson(String json) {
        return parse(new java.io.ByteArrayInputStream(json.getBytes(java.nio.charset.StandardCharsets.UTF_8)), "configuration");
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
