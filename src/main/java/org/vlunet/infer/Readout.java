package org.vlunet.infer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the degradation encoder saw in one image: the softmax over the classes of the first stage's GDM, and, when
 * the CLIP text adapter is present, the softmax of CLIP's match against the degradation prompts (null otherwise).
 * Keys are class names (e.g. "derain") in the model's order.
 */
public record Readout(Map<String, Double> gdm, Map<String, Double> clip) {
    public Readout {
        gdm = Collections.unmodifiableMap(new LinkedHashMap<>(gdm));
        clip = clip == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(clip));
    }

    /** The most probable class of the GDM (the CLIP match when there is no GDM read-out). */
    public String top() {
        return argmax(gdm.isEmpty() && clip != null ? clip : gdm);
    }

    public static String argmax(Map<String, Double> m) {
        String best = null;
        double p = Double.NEGATIVE_INFINITY;
        for (Map.Entry<String, Double> e : m.entrySet()) {
            if (e.getValue() > p) {
                p = e.getValue();
                best = e.getKey();
            }
        }
        return best;
    }

    /** "derain 91% (CLIP: derain 88%)" for the console. */
    public String summary() {
        StringBuilder s = new StringBuilder();
        if (!gdm.isEmpty()) {
            String t = argmax(gdm);
            s.append(t).append(' ').append(Math.round(100 * gdm.get(t))).append('%');
        }
        if (clip != null && !clip.isEmpty()) {
            String t = argmax(clip);
            s.append(s.length() > 0 ? " " : "").append("(CLIP: ").append(t).append(' ').append(Math.round(100 * clip.get(t))).append("%)");
        }
        return s.toString();
    }

    public ObjectNode toJson() {
        ObjectNode o = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        ObjectNode g = o.putObject("gdm");
        gdm.forEach(g::put);
        if (clip != null) {
            ObjectNode c = o.putObject("clip");
            clip.forEach(c::put);
        }
        return o;
    }

    public static Readout fromJson(JsonNode o) {
        return new Readout(map(o.get("gdm")), o.has("clip") ? map(o.get("clip")) : null);
    }

    private static Map<String, Double> map(JsonNode n) {
        Map<String, Double> m = new LinkedHashMap<>();
        if (n == null) return m;
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            m.put(e.getKey(), e.getValue().asDouble());
        }
        return m;
    }
}
