package org.vlunet.bench;

import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Counts the native operations a piece of code issues, with libtorch's own profiler (DJL's
 * {@code JniUtils.startProfile}/{@code stopProfile} write a Chrome trace). An operation is <em>issued</em> when its
 * event is not nested in another on the same thread: one per op Java asks for (DJL makes one JNI call per op), the
 * same measure as the top-level aten ops of {@code torch.profiler} on the authors' code. The autograd engine's
 * work during a backward pass is counted apart, as the nodes it evaluates
 * ({@code autograd::engine::evaluate_function: ...}): those cost no call from Java. Per-op host cost (on a GPU
 * ~10-20 µs per JNI call) is what these numbers stand for.
 */
public final class OpCount {

    /** Ops issued from Java (by name) and autograd nodes evaluated by the engine. */
    public record Counts(int issued, int autogradNodes, Map<String, Integer> byName) {
        public String describe() {
            return autogradNodes == 0 ? issued + " ops" : issued + " ops issued + " + autogradNodes + " autograd nodes";
        }

        /** The {@code n} most frequent issued ops, "name xN" joined by commas. */
        public String top(int n) {
            List<Map.Entry<String, Integer>> e = new ArrayList<>(byName.entrySet());
            e.sort(Map.Entry.<String, Integer>comparingByValue().reversed());
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < Math.min(n, e.size()); i++) {
                if (i > 0) sb.append(", ");
                sb.append(e.get(i).getKey()).append(" x").append(e.get(i).getValue());
            }
            return sb.toString();
        }
    }

    private static final String AUTOGRAD_NODE = "autograd::engine::evaluate_function";

    private OpCount() {}

    /** Runs {@code body} under the profiler and counts what it issued (the profiler is process-wide: run alone). */
    public static Counts during(Runnable body) {
        Path trace;
        try {
            trace = Files.createTempFile("vlunet-ops", ".json");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            JniUtils.startProfile(false, false, false);
            try {
                body.run();
            } finally {
                JniUtils.stopProfile(trace.toString());
            }
            return count(new ObjectMapper().readTree(trace.toFile()));
        } catch (IOException e) {
            throw new UncheckedIOException("reading the profiler's trace " + trace, e);
        } finally {
            try {
                Files.deleteIfExists(trace);
            } catch (IOException ignored) {
                // a temporary file
            }
        }
    }

    /** Top-level events per thread of a Chrome trace (an array of events, or an object with "traceEvents"). */
    static Counts count(JsonNode root) {
        JsonNode events = root.isArray() ? root : root.path("traceEvents");
        Map<String, List<double[]>> spans = new HashMap<>();
        Map<double[], String> names = new HashMap<>();
        for (JsonNode e : events) {
            if (!"X".equals(e.path("ph").asText())) continue;
            double[] span = {e.path("ts").asDouble(), e.path("ts").asDouble() + e.path("dur").asDouble()};
            names.put(span, e.path("name").asText());
            spans.computeIfAbsent(e.path("pid").asText() + "/" + e.path("tid").asText(), k -> new ArrayList<>()).add(span);
        }
        int issued = 0, nodes = 0;
        Map<String, Integer> byName = new HashMap<>();
        for (List<double[]> thread : spans.values()) {
            // outer events first: by start, then the longer one
            thread.sort(Comparator.<double[]>comparingDouble(s -> s[0]).thenComparing(s -> -s[1]));
            Deque<double[]> open = new ArrayDeque<>();
            for (double[] s : thread) {
                while (!open.isEmpty() && open.peek()[1] <= s[0]) open.pop();
                if (open.isEmpty()) {
                    String name = names.get(s);
                    if (name.startsWith(AUTOGRAD_NODE)) {
                        nodes++;
                    } else {
                        issued++;
                        byName.merge(name, 1, Integer::sum);
                    }
                }
                open.push(s);
            }
        }
        return new Counts(issued, nodes, byName);
    }
}
