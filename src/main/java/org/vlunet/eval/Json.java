package org.vlunet.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** JSON helpers shared by the result files. */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Json() {}

    /**
     * A metric as a JSON number. JSON has no number for an infinite PSNR (identical images): it is the string
     * "Infinity" (as JavaScript's Number() reads it); null means not computed, never a value.
     */
    static void put(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) o.put(key, v);
        else if (v == Double.POSITIVE_INFINITY) o.put(key, "Infinity");
        else if (v == Double.NEGATIVE_INFINITY) o.put(key, "-Infinity");
        else o.putNull(key);
    }

    /** Jackson closes the stream it writes to; AtomicFiles closes it itself. */
    static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(java.io.OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws java.io.IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws java.io.IOException {
            out.flush();
        }
    }

    static double get(com.fasterxml.jackson.databind.JsonNode o, String key) {
        com.fasterxml.jackson.databind.JsonNode v = o.get(key);
        if (v == null || v.isNull()) return Double.NaN;
        return v.isTextual() ? Double.parseDouble(v.asText()) : v.asDouble();
    }
}
