package org.vlunet.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.vlunet.util.AtomicFiles;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The safetensors format: an 8-byte little-endian header length, a JSON header naming each tensor's dtype,
 * shape and byte range, then the raw data. Tensors are mapped from the file one by one, so files over 2 GiB
 * never become one array.
 */
public final class Safetensors implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_HEADER = 100L << 20;

    /** One tensor's entry in the header; offsets are absolute positions in the file. */
    public record Entry(String name, HostTensor.DType dtype, long[] shape, long begin, long end) {}

    private final Path path;
    private final FileChannel channel;
    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;

    private Safetensors(Path path, FileChannel channel, Map<String, Entry> entries, Map<String, String> metadata) {
        this.path = path;
        this.channel = channel;
        this.entries = entries;
        this.metadata = metadata;
    }

    /** Opens and validates the header; tensor data is read on demand. */
    public static Safetensors open(Path path) {
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new WeightsException(path + ": no such file");
        } catch (IOException e) {
            throw new WeightsException(path + ": cannot open (" + e.getMessage() + ")", e);
        }
        try {
            long size = ch.size();
            if (size < 8) throw new WeightsException(path + ": not a safetensors file (only " + size + " bytes)");
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, len, 0);
            long headerLen = len.getLong(0);
            if (headerLen <= 0 || headerLen > MAX_HEADER || 8 + headerLen > size) {
                throw new WeightsException(path + ": not a safetensors file or truncated (header length "
                        + headerLen + ", file size " + size + ")");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            readFully(ch, hb, 8);
            JsonNode header;
            try {
                header = JSON.readTree(new String(hb.array(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new WeightsException(path + ": corrupt safetensors header (" + e.getMessage().lines().findFirst().orElse("") + ")");
            }
            if (header == null || !header.isObject()) throw new WeightsException(path + ": corrupt safetensors header (not a JSON object)");
            long dataStart = 8 + headerLen;
            long dataSize = size - dataStart;
            Map<String, Entry> entries = new LinkedHashMap<>();
            Map<String, String> meta = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                String name = f.getKey();
                JsonNode v = f.getValue();
                if (name.equals("__metadata__")) {
                    v.fields().forEachRemaining(m -> meta.put(m.getKey(), m.getValue().asText()));
                    continue;
                }
                String where = path + ": tensor '" + name + "'";
                JsonNode dt = v.get("dtype"), sh = v.get("shape"), off = v.get("data_offsets");
                if (dt == null || sh == null || off == null || !sh.isArray() || !off.isArray() || off.size() != 2) {
                    throw new WeightsException(where + ": header entry needs dtype, shape and two data_offsets");
                }
                HostTensor.DType dtype = HostTensor.DType.of(dt.asText(), where);
                long[] shape = new long[sh.size()];
                long numel = 1;
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = sh.get(i).asLong(-1);
                    if (shape[i] < 0) throw new WeightsException(where + ": negative dimension in shape " + sh);
                    numel = Math.multiplyExact(numel, shape[i]);
                }
                long b = off.get(0).asLong(-1), e = off.get(1).asLong(-1);
                if (b < 0 || e < b || e > dataSize) {
                    throw new WeightsException(where + ": data offsets [" + b + ", " + e
                            + "] out of range (data section has " + dataSize + " bytes; file truncated?)");
                }
                if (e - b != numel * dtype.bytes) {
                    throw new WeightsException(where + ": " + (e - b) + " bytes for " + numel + " values of "
                            + dtype + " (expected " + numel * dtype.bytes + ")");
                }
                entries.put(name, new Entry(name, dtype, shape, dataStart + b, dataStart + e));
            }
            return new Safetensors(path, ch, Collections.unmodifiableMap(entries), Collections.unmodifiableMap(meta));
        } catch (IOException e) {
            closeQuietly(ch);
            throw new WeightsException(path + ": cannot read (" + e.getMessage() + ")", e);
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    /** Reads every tensor of a file, in header order. */
    public static Map<String, HostTensor> readAll(Path path) {
        try (Safetensors f = open(path)) {
            Map<String, HostTensor> out = new LinkedHashMap<>();
            for (String name : f.names()) out.put(name, f.read(name));
            return out;
        }
    }

    public Path path() {
        return path;
    }

    public java.util.Set<String> names() {
        return entries.keySet();
    }

    public Map<String, Entry> entries() {
        return entries;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    public boolean contains(String name) {
        return entries.containsKey(name);
    }

    public HostTensor read(String name) {
        Entry e = entries.get(name);
        if (e == null) throw new WeightsException(path + ": no tensor named '" + name + "'");
        try {
            long n = e.end() - e.begin();
            ByteBuffer buf;
            if (n == 0) {
                buf = ByteBuffer.allocate(0);
            } else if (n >= (1 << 20)) {
                buf = channel.map(FileChannel.MapMode.READ_ONLY, e.begin(), n);
            } else {
                buf = ByteBuffer.allocate((int) n);
                readFully(channel, buf, e.begin());
                buf.flip();
            }
            return new HostTensor(e.dtype(), e.shape(), buf.order(ByteOrder.LITTLE_ENDIAN));
        } catch (IOException ex) {
            throw new WeightsException(path + ": cannot read tensor '" + name + "' (" + ex.getMessage() + ")", ex);
        }
    }

    /** Writes tensors (in map order) and string metadata to a temporary file, then moves it into place. */
    public static void write(Path path, Map<String, HostTensor> tensors, Map<String, String> metadata) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode m = header.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        long offset = 0;
        for (Map.Entry<String, HostTensor> t : tensors.entrySet()) {
            HostTensor v = t.getValue();
            long n = v.numel() * v.dtype().bytes;
            ObjectNode e = header.putObject(t.getKey());
            e.put("dtype", v.dtype().name());
            var sh = e.putArray("shape");
            for (long s : v.shape()) sh.add(s);
            var off = e.putArray("data_offsets");
            off.add(offset);
            off.add(offset + n);
            offset += n;
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8;
        byte[] headerBytes = new byte[padded];
        System.arraycopy(json, 0, headerBytes, 0, json.length);
        for (int i = json.length; i < padded; i++) headerBytes[i] = ' ';
        AtomicFiles.write(path, out -> {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, padded);
            out.write(len.array());
            out.write(headerBytes);
            byte[] chunk = new byte[1 << 16];
            for (HostTensor v : tensors.values()) {
                ByteBuffer b = v.bytes();
                while (b.hasRemaining()) {
                    int k = Math.min(chunk.length, b.remaining());
                    b.get(chunk, 0, k);
                    out.write(chunk, 0, k);
                }
            }
        });
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos);
            if (r < 0) throw new IOException("unexpected end of file");
            pos += r;
        }
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing to save
        }
    }

    @Override
    public void close() {
        closeQuietly(channel);
    }
}
