package org.vlunet.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlunet.Fixtures;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class SafetensorsTest {

    @TempDir
    Path dir;

    @Test
    void roundTripKeepsEveryByteAndTheMetadata() throws IOException {
        Map<String, HostTensor> in = Fixtures.readAll("clip_tiny_clip.safetensors");
        Map<String, String> meta = Fixtures.open("clip_tiny_clip.safetensors").metadata();
        Path out = dir.resolve("copy.safetensors");
        Safetensors.write(out, in, meta);
        try (Safetensors back = Safetensors.open(out)) {
            assertEquals(meta, back.metadata());
            assertEquals(in.keySet(), back.names());
            for (var e : in.entrySet()) {
                HostTensor b = back.read(e.getKey());
                assertEquals(e.getValue().dtype(), b.dtype(), e.getKey());
                assertArrayEquals(e.getValue().shape(), b.shape(), e.getKey());
                assertEquals(e.getValue().bytes(), b.bytes(), e.getKey());
            }
        }
    }

    @Test
    void allDtypesAndWideningToFloat32() throws IOException {
        Map<String, HostTensor> t = new LinkedHashMap<>();
        t.put("f16", new HostTensor(HostTensor.DType.F16, new long[] {2}, le(2, b -> { b.putShort(HostTensor.floatToHalf(1.5f)); b.putShort(HostTensor.floatToHalf(-2f)); })));
        t.put("bf16", new HostTensor(HostTensor.DType.BF16, new long[] {2}, le(2, b -> { b.putShort((short) (Float.floatToIntBits(3f) >>> 16)); b.putShort((short) (Float.floatToIntBits(-0.5f) >>> 16)); })));
        t.put("i64", HostTensor.ofLongs(new long[] {2}, new long[] {7, -9}));
        t.put("i32", new HostTensor(HostTensor.DType.I32, new long[] {1}, le(1, b -> b.putInt(42))));
        t.put("u8", new HostTensor(HostTensor.DType.U8, new long[] {2}, ByteBuffer.wrap(new byte[] {(byte) 200, 3})));
        t.put("scalar", HostTensor.ofFloats(new long[] {}, new float[] {0.25f}));
        Path f = dir.resolve("kinds.safetensors");
        Safetensors.write(f, t, Map.of());
        Map<String, HostTensor> back = Safetensors.readAll(f);
        assertArrayEquals(new float[] {1.5f, -2f}, back.get("f16").toFloats());
        assertArrayEquals(new float[] {3f, -0.5f}, back.get("bf16").toFloats());
        assertArrayEquals(new long[] {7, -9}, back.get("i64").toLongs());
        assertArrayEquals(new long[] {42}, back.get("i32").toLongs());
        assertArrayEquals(new float[] {200, 3}, back.get("u8").toFloats());
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = back.get("bf16").toNDArray(m);
            assertEquals(ai.djl.ndarray.types.DataType.FLOAT32, a.getDataType());
            assertArrayEquals(new float[] {3f, -0.5f}, a.toFloatArray());
            assertEquals(0, back.get("scalar").toNDArray(m).getShape().dimension());
        }
    }

    @Test
    void corruptTruncatedAndUnknownFilesGiveOneLineErrorsNamingTheFile() throws IOException {
        Path good = dir.resolve("good.safetensors");
        Safetensors.write(good, Map.of("w", HostTensor.ofFloats(new long[] {4}, new float[] {1, 2, 3, 4})), Map.of());
        byte[] bytes = Files.readAllBytes(good);

        Path truncated = dir.resolve("truncated.safetensors");
        Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length - 3));
        assertOneLine(truncated, "out of range");

        Path garbage = dir.resolve("garbage.safetensors");
        Files.write(garbage, "this is not a tensor file at all".getBytes(StandardCharsets.UTF_8));
        assertOneLine(garbage, "not a safetensors file");

        Path tiny = dir.resolve("tiny.safetensors");
        Files.write(tiny, new byte[] {1, 2});
        assertOneLine(tiny, "not a safetensors file");

        Path badJson = dir.resolve("badjson.safetensors");
        Files.write(badJson, withHeader("{\"w\": {\"dtype\": "));
        assertOneLine(badJson, "corrupt safetensors header");

        Path unknown = dir.resolve("unknown.safetensors");
        Files.write(unknown, withHeader("{\"w\":{\"dtype\":\"F8_E4M3\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1));
        assertOneLine(unknown, "unknown dtype 'F8_E4M3'");

        Path wrongSize = dir.resolve("wrongsize.safetensors");
        Files.write(wrongSize, withHeader("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4));
        assertOneLine(wrongSize, "expected 8");

        assertOneLine(dir.resolve("absent.safetensors"), "no such file");
    }

    private static void assertOneLine(Path p, String fragment) {
        WeightsException e = assertThrows(WeightsException.class, () -> Safetensors.readAll(p));
        assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    private static byte[] withHeader(String json, int dataBytes) {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        return b.array();
    }

    private static byte[] withHeader(String json) {
        return withHeader(json, 0);
    }

    private static ByteBuffer le(int n, java.util.function.Consumer<ByteBuffer> fill) {
        ByteBuffer b = ByteBuffer.allocate(n * 8).order(ByteOrder.LITTLE_ENDIAN);
        fill.accept(b);
        b.flip();
        return b;
    }
}
