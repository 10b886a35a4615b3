package org.vlunet.weights.torch;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlunet.Fixtures;
import org.vlunet.weights.HostTensor;
import org.vlunet.weights.WeightsException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class TorchArchiveTest {

    @TempDir
    Path dir;

    private static final String IMAGE_CLIP = "model_degradation.ad_imageEncoder.clip_model.";
    private static final String TEXT_CLIP = "model_degradation.ad_textEncoder.clip_model.";

    /** Same shape and the same values (after widening to float32), exactly. */
    private static void assertSameTensor(HostTensor expected, HostTensor actual, String key) {
        assertNotNull(actual, key + " missing");
        assertArrayEquals(expected.shape(), actual.shape(), key);
        assertArrayEquals(expected.toFloats(), actual.toFloats(), 0f, key);
    }

    @Test
    void lightningCheckpointHoldsTheSafetensorsWeights() {
        Map<String, HostTensor> net = Fixtures.readAll("vlunet_tiny_weights.safetensors");
        Map<String, HostTensor> clip = Fixtures.readAll("clip_tiny_clip.safetensors");
        Map<String, HostTensor> adapter = Fixtures.readAll("clip_tiny_adapter.safetensors");
        try (TorchArchive a = TorchArchive.open(Fixtures.path("e2e_tiny/model.ckpt"))) {
            assertEquals("model", a.archiveName());
            Map<?, ?> root = assertInstanceOf(Map.class, a.root());
            assertEquals(149L, root.get("epoch"));
            assertEquals(2980L, root.get("global_step"));
            assertEquals("2.4.0", root.get("pytorch-lightning_version"));
            Map<?, ?> sd = assertInstanceOf(Map.class, root.get("state_dict"));
            assertEquals(net.size() + 2 * clip.size() + adapter.size(), sd.size());
            Map<String, HostTensor> t = a.tensors(sd);
            assertEquals(sd.size(), t.size(), "every state_dict entry is a tensor");
            for (var e : net.entrySet()) {
                assertEquals(HostTensor.DType.F32, t.get("net." + e.getKey()).dtype());
                assertEquals(e.getValue().bytes(), t.get("net." + e.getKey()).bytes(), e.getKey());
            }
            for (var e : clip.entrySet()) {
                assertSameTensor(e.getValue(), t.get(IMAGE_CLIP + e.getKey()), e.getKey());
                assertSameTensor(e.getValue(), t.get(TEXT_CLIP + e.getKey()), e.getKey());
                TorchTensor img = (TorchTensor) sd.get(IMAGE_CLIP + e.getKey()), txt = (TorchTensor) sd.get(TEXT_CLIP + e.getKey());
                assertEquals(img.storage().key(), txt.storage().key(), "the two CLIP copies share storages");
            }
            for (var e : adapter.entrySet()) {
                assertSameTensor(e.getValue(), t.get("model_degradation." + e.getKey()), e.getKey());
            }
            assertEquals(net.size() + clip.size() + adapter.size(), a.storagesRead(), "a shared storage is read once");

            // the rest loads as plain or opaque values
            List<?> opt = assertInstanceOf(List.class, root.get("optimizer_states"));
            Map<?, ?> groups = (Map<?, ?>) opt.get(0);
            Map<?, ?> state = (Map<?, ?>) groups.get("state");
            Map<?, ?> first = (Map<?, ?>) state.values().iterator().next();
            assertInstanceOf(TorchTensor.class, first.get("exp_avg"));
            Map<?, ?> group = (Map<?, ?>) ((List<?>) groups.get("param_groups")).get(0);
            assertInstanceOf(Double.class, group.get("lr"));
            assertInstanceOf(Tuple.class, group.get("betas"));
            assertInstanceOf(Map.class, root.get("callbacks"));
            assertEquals(Map.of(), root.get("hyper_parameters"));
        }
        // and everything materialises
        Map<?, ?> all = (Map<?, ?>) TorchArchive.load(Fixtures.path("e2e_tiny/model.ckpt"));
        Map<?, ?> sd = (Map<?, ?>) all.get("state_dict");
        assertInstanceOf(HostTensor.class, sd.get("net.output.weight"));
    }

    @Test
    void clipTunedHoldsTheAdapter() {
        Map<String, HostTensor> adapter = Fixtures.readAll("clip_tiny_adapter.safetensors");
        try (TorchArchive a = TorchArchive.open(Fixtures.path("e2e_tiny/clip_tuned.pth"))) {
            Map<?, ?> root = (Map<?, ?>) a.root();
            assertEquals(90L, root.get("epoch"));
            Map<String, HostTensor> p = a.tensors((Map<?, ?>) root.get("learnable_params"));
            assertEquals(adapter.keySet(), p.keySet());
            for (var e : adapter.entrySet()) assertEquals(e.getValue().bytes(), p.get(e.getKey()).bytes(), e.getKey());
            assertInstanceOf(Map.class, root.get("optimizer"));
        }
    }

    private static byte[] floats(ByteOrder order, float... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(order);
        for (float x : v) b.putFloat(x);
        return b.array();
    }

    @Test
    void viewsDtypesAndSharedStoragesOfASyntheticArchive() throws IOException {
        float[] s0 = new float[12];
        for (int i = 0; i < 12; i++) s0[i] = i;
        TorchFiles.Pickle p = new TorchFiles.Pickle();
        p.global("collections", "OrderedDict").op(')').op('R').op('(');
        p.str("full").tensor("FloatStorage", "0", 12, 0, new long[] {3, 4}, new long[] {4, 1});
        p.str("transposed").tensor("FloatStorage", "0", 12, 0, new long[] {4, 3}, new long[] {1, 4});
        p.str("row").parameter("FloatStorage", "0", 12, 4, new long[] {4}, new long[] {1});
        p.str("column").tensor("FloatStorage", "0", 12, 1, new long[] {3}, new long[] {4});
        p.str("broadcast").tensor("FloatStorage", "0", 12, 2, new long[] {2, 3}, new long[] {0, 1});
        p.str("scalar").tensor("FloatStorage", "0", 12, 5, new long[] {}, new long[] {});
        p.str("half").tensor("HalfStorage", "1", 2, 0, new long[] {2}, new long[] {1});
        p.str("long").tensor("LongStorage", "2", 2, 0, new long[] {2}, new long[] {1});
        p.str("bool").tensor("BoolStorage", "3", 3, 0, new long[] {3}, new long[] {1});
        p.str("bf16").tensor("BFloat16Storage", "4", 1, 0, new long[] {1}, new long[] {1});
        p.str("double").tensor("DoubleStorage", "5", 1, 0, new long[] {1}, new long[] {1});
        p.str("complex").tensor("ComplexFloatStorage", "6", 1, 0, new long[] {1}, new long[] {1});
        p.op('u').op('.');
        Map<String, byte[]> st = new LinkedHashMap<>();
        st.put("0", floats(ByteOrder.LITTLE_ENDIAN, s0));
        ByteBuffer h = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        h.putShort(HostTensor.floatToHalf(1.5f)).putShort(HostTensor.floatToHalf(-0.25f));
        st.put("1", h.array());
        st.put("2", ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-7).putLong(1L << 40).array());
        st.put("3", new byte[] {1, 0, 1});
        st.put("4", ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort((short) (Float.floatToIntBits(2.5f) >>> 16)).array());
        st.put("5", ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putDouble(Math.PI).array());
        st.put("6", new byte[8]);
        for (boolean stored : new boolean[] {true, false}) {
            Path f = dir.resolve("synthetic" + stored + ".pt");
            TorchFiles.write(f, "archive", p.bytes(), st, "little", stored);
            try (TorchArchive a = TorchArchive.open(f)) {
                Map<?, ?> root = (Map<?, ?>) a.root();
                assertArrayEquals(s0, read(root, "full").toFloats());
                assertArrayEquals(new float[] {0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}, read(root, "transposed").toFloats());
                assertArrayEquals(new long[] {4, 3}, read(root, "transposed").shape());
                assertArrayEquals(new float[] {4, 5, 6, 7}, read(root, "row").toFloats());
                assertArrayEquals(new float[] {1, 5, 9}, read(root, "column").toFloats());
                assertArrayEquals(new float[] {2, 3, 4, 2, 3, 4}, read(root, "broadcast").toFloats());
                assertArrayEquals(new long[0], read(root, "scalar").shape());
                assertArrayEquals(new float[] {5}, read(root, "scalar").toFloats());
                assertEquals(HostTensor.DType.F16, read(root, "half").dtype());
                assertArrayEquals(new float[] {1.5f, -0.25f}, read(root, "half").toFloats());
                assertArrayEquals(new long[] {-7, 1L << 40}, read(root, "long").toLongs());
                assertEquals(HostTensor.DType.BOOL, read(root, "bool").dtype());
                assertArrayEquals(new long[] {1, 0, 1}, read(root, "bool").toLongs());
                assertArrayEquals(new float[] {2.5f}, read(root, "bf16").toFloats());
                assertArrayEquals(new double[] {Math.PI}, read(root, "double").toDoubles());
                assertEquals(1, a.storagesRead() - 5, "storage 0 was read once for six views");
                WeightsException e = assertThrows(WeightsException.class, () -> read(root, "complex"));
                assertTrue(e.getMessage().contains("ComplexFloatStorage"), e.getMessage());
            }
        }
    }

    private static HostTensor read(Map<?, ?> root, String key) {
        return ((TorchTensor) root.get(key)).read();
    }

    @Test
    void bigEndianArchivesAreSwapped() throws IOException {
        TorchFiles.Pickle p = new TorchFiles.Pickle();
        p.op('}').str("w").tensor("FloatStorage", "0", 3, 0, new long[] {3}, new long[] {1}).op('s').op('.');
        Path f = dir.resolve("big.pt");
        TorchFiles.write(f, "big", p.bytes(), Map.of("0", floats(ByteOrder.BIG_ENDIAN, 1f, -2f, 3.5f)), "big", false);
        Map<?, ?> root = (Map<?, ?>) TorchArchive.load(f);
        assertArrayEquals(new float[] {1f, -2f, 3.5f}, ((HostTensor) root.get("w")).toFloats());
    }

    @Test
    void tensorsInsideOpaqueValuesMaterialiseToo() throws IOException {
        TorchFiles.Pickle p = new TorchFiles.Pickle();
        p.op('}').str("opt").global("some.module", "Thing").op('(');
        p.tensor("FloatStorage", "0", 2, 0, new long[] {2}, new long[] {1}).op('N');
        p.op('t').op('R').op('s').op('.');
        Path f = dir.resolve("opaque.pt");
        TorchFiles.write(f, "opaque", p.bytes(), Map.of("0", floats(ByteOrder.LITTLE_ENDIAN, 7f, 8f)), null, true);
        Opaque o = (Opaque) ((Map<?, ?>) TorchArchive.load(f)).get("opt");
        assertEquals(new Global("some.module", "Thing"), o.type());
        assertArrayEquals(new float[] {7f, 8f}, ((HostTensor) o.args().get(0)).toFloats());
        assertSame(Opaque.NONE, o.args().get(1));
    }

    @Test
    void aWholePickledModuleIsNamedNotReadAsACheckpoint() throws IOException {
        TorchFiles.Pickle p = new TorchFiles.Pickle();
        p.global("mymodels", "Net").op(')').op('R').op('.'); // torch.save(model): the module object itself
        Path f = dir.resolve("model.pt");
        TorchFiles.write(f, "model", p.bytes(), Map.of(), null, true);
        WeightsException e = assertThrows(WeightsException.class, () -> org.vlunet.checkpoint.CheckpointReader.read(f));
        assertTrue(e.getMessage().contains("holds a Python object of class mymodels.Net, not a checkpoint dict")
                && e.getMessage().contains("save model.state_dict() instead"), e.getMessage());
    }

    private static String failure(Path f) {
        WeightsException e = assertThrows(WeightsException.class, () -> TorchArchive.open(f).close());
        String m = e.getMessage();
        assertTrue(m.startsWith(f.toString() + ": "), m);
        assertFalse(m.contains("\n"), "one line: " + m);
        return m;
    }

    @Test
    void truncatedArchive() throws IOException {
        byte[] all = Files.readAllBytes(Fixtures.path("e2e_tiny/clip_tuned.pth"));
        Path f = dir.resolve("truncated.pth");
        Files.write(f, Arrays.copyOf(all, all.length / 2));
        assertTrue(failure(f).contains("truncated or corrupt zip archive"));
    }

    @Test
    void flippedDataBytesFailTheCrcCheck() throws IOException {
        Path src = Fixtures.path("e2e_tiny/clip_tuned.pth");
        byte[] all = Files.readAllBytes(src), data;
        try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(src.toFile())) {
            data = z.getInputStream(z.getEntry("clip_tuned/data/7")).readAllBytes();
        }
        // torch stores entries uncompressed: the storage's bytes are in the file as they are
        int at = indexOf(all, Arrays.copyOf(data, 32));
        assertTrue(at > 0 && data.length > 40, "storage found in the file");
        all[at + 37] ^= 0x10;
        Path f = dir.resolve("flipped.pth");
        Files.write(f, all);
        String m = assertThrows(WeightsException.class, () -> org.vlunet.checkpoint.CheckpointReader.read(f)).getMessage();
        assertTrue(m.contains("clip_tuned/data/7 fails its CRC32 check"), m);
        assertFalse(m.contains("\n"), m);
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return i;
        }
        return -1;
    }

    @Test
    void missingStorage() throws IOException {
        Path f = dir.resolve("missing.pth");
        TorchFiles.copyWithout(Fixtures.path("e2e_tiny/clip_tuned.pth"), f, n -> n.equals("clip_tuned/data/7"));
        String m = failure(f);
        assertTrue(m.contains("clip_tuned/data/7") && m.contains("lacks"), m);
    }

    @Test
    void randomBytesEmptyFilesAndOtherZips() throws IOException {
        Path f = dir.resolve("random.bin");
        byte[] r = new byte[4096];
        new Random(1).nextBytes(r);
        r[0] = 0x13;
        Files.write(f, r);
        assertTrue(failure(f).contains("not a PyTorch checkpoint"));
        Path empty = dir.resolve("empty.ckpt");
        Files.write(empty, new byte[0]);
        assertTrue(failure(empty).contains("empty"));
        Path zip = dir.resolve("other.zip");
        TorchFiles.copyWithout(Fixtures.path("e2e_tiny/clip_tuned.pth"), zip, n -> n.endsWith("data.pkl"));
        assertTrue(failure(zip).contains("without <name>/data.pkl"));
        assertTrue(failure(dir.resolve("absent.ckpt")).contains("no such file"));
    }

    @Test
    void storagesTooSmallForTheirTensors() throws IOException {
        TorchFiles.Pickle p = new TorchFiles.Pickle();
        p.op('}').op('(');
        p.str("short").tensor("FloatStorage", "0", 12, 0, new long[] {12}, new long[] {1});
        p.str("past").tensor("FloatStorage", "1", 4, 2, new long[] {2, 2}, new long[] {2, 1});
        p.op('u').op('.');
        Path f = dir.resolve("small.pt");
        TorchFiles.write(f, "small", p.bytes(), Map.of("0", new byte[8], "1", new byte[16]), null, false);
        try (TorchArchive a = TorchArchive.open(f)) {
            Map<?, ?> root = (Map<?, ?>) a.root();
            String m = assertThrows(WeightsException.class, () -> read(root, "short")).getMessage();
            assertTrue(m.contains("small/data/0 has 8 bytes") && m.contains("need 48"), m);
            m = assertThrows(WeightsException.class, () -> read(root, "past")).getMessage();
            assertTrue(m.contains("reaches past the storage's 4 elements"), m);
        }
    }

    @Test
    void legacyFormatIsNamed() throws IOException {
        Path f = dir.resolve("legacy.pth");
        byte[] legacy = UnpicklerTest.bytes(0x80, 2, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, '.');
        Files.write(f, legacy);
        assertTrue(failure(f).contains("legacy PyTorch format"));
        Path pickle = dir.resolve("plain.pkl");
        Files.write(pickle, UnpicklerTest.bytes(0x80, 4, '}', '.'));
        assertTrue(failure(pickle).contains("plain Python pickle"));
    }
}
