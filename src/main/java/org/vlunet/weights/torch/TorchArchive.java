package org.vlunet.weights.torch;

import org.vlunet.weights.HostTensor;
import org.vlunet.weights.WeightsException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * A file written by {@code torch.save} (PyTorch ≥ 1.6): a zip archive holding {@code <name>/data.pkl}, the
 * pickled object, and {@code <name>/data/<key>}, one entry per storage. The pickle is run when the archive is
 * opened; tensors in it are {@link TorchTensor}s whose storages are read on demand, each once however many
 * tensors share it. Everything else in the pickle becomes plain values or {@link Opaque} ones.
 */
public final class TorchArchive implements AutoCloseable {

    /** The first bytes of the legacy (pre-1.6) format: PROTO 2, then LONG1 of the magic number 0x1950a86a20f9469cfc6c. */
    private static final byte[] LEGACY_MAGIC = {(byte) 0x80, 0x02, (byte) 0x8a, 0x0a, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46,
            (byte) 0xf9, 0x20, 0x6a, (byte) 0xa8, 0x50, 0x19};

    private static final Map<String, HostTensor.DType> STORAGE_TYPES = Map.ofEntries(
            Map.entry("FloatStorage", HostTensor.DType.F32), Map.entry("DoubleStorage", HostTensor.DType.F64),
            Map.entry("HalfStorage", HostTensor.DType.F16), Map.entry("BFloat16Storage", HostTensor.DType.BF16),
            Map.entry("LongStorage", HostTensor.DType.I64), Map.entry("IntStorage", HostTensor.DType.I32),
            Map.entry("ShortStorage", HostTensor.DType.I16), Map.entry("CharStorage", HostTensor.DType.I8),
            Map.entry("ByteStorage", HostTensor.DType.U8), Map.entry("BoolStorage", HostTensor.DType.BOOL),
            Map.entry("UntypedStorage", HostTensor.DType.U8));

    private final Path path;
    private final ZipFile zip;
    private final String prefix;
    private final boolean bigEndian;
    private final Map<String, ByteBuffer> storages = new HashMap<>();
    private Object root;
    private int storagesRead;

    private TorchArchive(Path path, ZipFile zip, String prefix, boolean bigEndian) {
        this.path = path;
        this.zip = zip;
        this.prefix = prefix;
        this.bigEndian = bigEndian;
    }

    /** Opens the archive and runs its pickle; no storage is read yet. */
    public static TorchArchive open(Path path) {
        checkHeader(path);
        ZipFile zip;
        try {
            zip = new ZipFile(path.toFile());
        } catch (ZipException e) {
            throw new WeightsException(path + ": truncated or corrupt zip archive (" + e.getMessage()
                    + "); expected a complete PyTorch checkpoint written by torch.save");
        } catch (IOException e) {
            throw new WeightsException(path + ": cannot read (" + e.getMessage() + ")", e);
        }
        try {
            String prefix = findPrefix(path, zip);
            boolean big = false;
            ZipEntry bo = zip.getEntry(prefix + "byteorder");
            if (bo != null) {
                String order = new String(readEntry(path, zip, bo, 16), StandardCharsets.US_ASCII).trim();
                if (order.equals("big")) big = true;
                else if (!order.equals("little")) {
                    throw new WeightsException(path + ": byteorder entry says '" + order + "' (expected little or big)");
                }
            }
            TorchArchive a = new TorchArchive(path, zip, prefix, big);
            ZipEntry pkl = zip.getEntry(prefix + "data.pkl");
            byte[] code = readEntry(path, zip, pkl, Integer.MAX_VALUE - 16);
            a.root = a.new TorchUnpickler(code, path + " (" + pkl.getName() + ")").load();
            return a;
        } catch (RuntimeException e) {
            closeQuietly(zip);
            throw e;
        }
    }

    /** Reads a whole file, every tensor as a {@link HostTensor}, also inside opaque values (convenient for small files). */
    public static Object load(Path path) {
        try (TorchArchive a = open(path)) {
            return a.materialize(a.root(), new java.util.IdentityHashMap<>());
        }
    }

    public Path path() {
        return path;
    }

    /** The archive's top folder ({@code model} for {@code model.ckpt}). */
    public String archiveName() {
        return prefix.substring(0, prefix.length() - 1);
    }

    /** What the pickle built: maps, lists, {@link Tuple}s, scalars, strings, {@link TorchTensor}s, {@link Opaque}s. */
    public Object root() {
        return root;
    }

    /**
     * The tensors of a dict, by key, read as HostTensors; entries that are not tensors are left out.
     * Keys are kept as their string form.
     */
    public LinkedHashMap<String, HostTensor> tensors(Map<?, ?> dict) {
        LinkedHashMap<String, HostTensor> out = new LinkedHashMap<>();
        dict.forEach((k, v) -> { if (v instanceof TorchTensor t) out.put(String.valueOf(k), read(t)); });
        return out;
    }

    /** How many storage entries have been read from the zip so far. */
    int storagesRead() {
        return storagesRead;
    }

    /** Drops the storages read so far (they are read again if needed). */
    public void releaseStorages() {
        storages.clear();
    }

    HostTensor read(TorchTensor t) {
        TorchTensor.Storage s = t.storage();
        String what = path + ": tensor " + Arrays.toString(t.shape()) + " in storage " + s.key();
        if (s.dtype() == null) {
            throw new WeightsException(what + " is of kind torch." + s.type() + ", which is not supported (expected "
                    + "float32/16, bfloat16, float64, int64/32/16/8, uint8 or bool)");
        }
        int es = s.dtype().bytes;
        long n = t.numel();
        long[] size = t.shape(), stride = t.stride();
        long last = t.storageOffset();
        for (int i = 0; i < size.length; i++) {
            if (size[i] < 0 || stride[i] < 0) throw new WeightsException(what + ": negative size or stride");
            if (size[i] > 0) last += (size[i] - 1) * stride[i];
        }
        if (n > 0 && (t.storageOffset() < 0 || last >= s.numel())) {
            throw new WeightsException(what + ": view (offset " + t.storageOffset() + ", sizes " + Arrays.toString(size)
                    + ", strides " + Arrays.toString(stride) + ") reaches past the storage's " + s.numel() + " elements");
        }
        ByteBuffer data = storage(s);
        if (n == 0) return new HostTensor(s.dtype(), size, ByteBuffer.allocate(0));
        if (t.isContiguous()) {
            ByteBuffer view = data.duplicate();
            view.position(Math.toIntExact(t.storageOffset() * es)).limit(Math.toIntExact((t.storageOffset() + n) * es));
            return new HostTensor(s.dtype(), size, view.slice());
        }
        byte[] out = new byte[Math.toIntExact(n * es)];
        gather(data, es, t.storageOffset(), size, stride, out);
        return new HostTensor(s.dtype(), size, ByteBuffer.wrap(out));
    }

    /** Copies a strided view into row-major order, element by element along the last axis. */
    private static void gather(ByteBuffer src, int es, long offset, long[] size, long[] stride, byte[] out) {
        int d = size.length;
        long[] idx = new long[d];
        int o = 0;
        long total = out.length / es;
        ByteBuffer s = src.duplicate();
        for (long k = 0; k < total; k++) {
            long at = offset;
            for (int i = 0; i < d; i++) at += idx[i] * stride[i];
            s.position(Math.toIntExact(at * es));
            s.get(out, o, es);
            o += es;
            for (int i = d - 1; i >= 0; i--) {
                if (++idx[i] < size[i]) break;
                idx[i] = 0;
            }
        }
    }

    private ByteBuffer storage(TorchTensor.Storage s) {
        ByteBuffer b = storages.get(s.key());
        if (b != null) return b;
        ZipEntry e = zip.getEntry(prefix + "data/" + s.key());
        long need = s.numel() * s.dtype().bytes;
        if (e.getSize() >= 0 && e.getSize() < need) {
            throw new WeightsException(path + ": storage " + e.getName() + " has " + e.getSize() + " bytes, but its "
                    + s.numel() + " elements of " + s.dtype() + " need " + need + " (corrupt checkpoint)");
        }
        if (need > Integer.MAX_VALUE - 16) {
            throw new WeightsException(path + ": storage " + e.getName() + " is " + need + " bytes; storages over 2 GiB are not supported");
        }
        byte[] bytes = readEntry(path, zip, e, (int) need);
        if (bytes.length < need) {
            throw new WeightsException(path + ": storage " + e.getName() + " ends after " + bytes.length + " of "
                    + need + " bytes (truncated checkpoint)");
        }
        if (bigEndian && s.dtype().bytes > 1) swap(bytes, s.dtype().bytes);
        b = ByteBuffer.wrap(bytes, 0, (int) need).slice().order(ByteOrder.LITTLE_ENDIAN);
        storages.put(s.key(), b);
        storagesRead++;
        return b;
    }

    private static void swap(byte[] b, int es) {
        for (int i = 0; i + es <= b.length; i += es) {
            for (int j = 0; j < es / 2; j++) {
                byte t = b[i + j];
                b[i + j] = b[i + es - 1 - j];
                b[i + es - 1 - j] = t;
            }
        }
    }

    /** A copy of a pickled tree with every TorchTensor replaced by its HostTensor. */
    private Object materialize(Object o, java.util.IdentityHashMap<Object, Object> done) {
        if (o instanceof TorchTensor t) return read(t);
        if (o == null || o instanceof String || o instanceof Number || o instanceof Boolean) return o;
        Object seen = done.get(o);
        if (seen != null) return seen;
        if (o instanceof Map<?, ?> m) {
            LinkedHashMap<Object, Object> c = new LinkedHashMap<>();
            done.put(o, c);
            m.forEach((k, v) -> c.put(k, materialize(v, done)));
            return c;
        }
        if (o instanceof List<?> l) {
            ArrayList<Object> c = new ArrayList<>();
            done.put(o, c);
            for (Object v : l) c.add(materialize(v, done));
            return c;
        }
        if (o instanceof Tuple t) {
            ArrayList<Object> c = new ArrayList<>();
            for (Object v : t.items()) c.add(materialize(v, done));
            Tuple r = new Tuple(c);
            done.put(o, r);
            return r;
        }
        if (o instanceof Set<?> s) {
            LinkedHashSet<Object> c = new LinkedHashSet<>();
            done.put(o, c);
            for (Object v : s) c.add(materialize(v, done));
            return c;
        }
        if (o instanceof Opaque op) {
            List<Object> args = new ArrayList<>();
            for (Object v : op.args()) args.add(v == Opaque.NONE ? null : materialize(v, done));
            Opaque c = new Opaque(op.type(), args);
            done.put(o, c);
            c.setState(materialize(op.state(), done));
            return c;
        }
        return o;
    }

    // ---- format checks -------------------------------------------------------------------------------------

    private static void checkHeader(Path path) {
        byte[] head = new byte[LEGACY_MAGIC.length];
        int n;
        try (InputStream in = Files.newInputStream(path)) {
            n = in.readNBytes(head, 0, head.length);
        } catch (NoSuchFileException e) {
            throw new WeightsException(path + ": no such file");
        } catch (IOException e) {
            throw new WeightsException(path + ": cannot read (" + e.getMessage() + ")", e);
        }
        if (n >= 4 && head[0] == 'P' && head[1] == 'K' && (head[2] == 3 || head[2] == 5) && (head[3] == 4 || head[3] == 6)) return;
        if (n == LEGACY_MAGIC.length && Arrays.equals(head, LEGACY_MAGIC)) {
            throw new WeightsException(path + ": legacy PyTorch format (torch.save before 1.6 or with "
                    + "_use_new_zipfile_serialization=False); expected the zip format: re-save it with torch.save in PyTorch ≥ 1.6");
        }
        if (n >= 2 && (head[0] & 0xff) == 0x80 && head[1] >= 2 && head[1] <= 5) {
            throw new WeightsException(path + ": a plain Python pickle, not a PyTorch checkpoint (expected the zip archive torch.save writes)");
        }
        throw new WeightsException(path + ": not a PyTorch checkpoint (expected a zip archive with <name>/data.pkl, as torch.save writes"
                + (n == 0 ? "; the file is empty)" : ")"));
    }

    private static String findPrefix(Path path, ZipFile zip) {
        boolean script = false;
        for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements(); ) {
            String name = en.nextElement().getName();
            int slash = name.indexOf('/');
            if (slash > 0 && name.substring(slash + 1).equals("data.pkl")) return name.substring(0, slash + 1);
            if (slash > 0 && (name.substring(slash + 1).equals("constants.pkl") || name.substring(slash + 1).startsWith("code/"))) script = true;
        }
        if (script) {
            throw new WeightsException(path + ": a TorchScript archive (torch.jit.save), not a checkpoint; expected a file written by torch.save");
        }
        throw new WeightsException(path + ": a zip archive without <name>/data.pkl; expected a PyTorch checkpoint written by torch.save");
    }

    /**
     * Up to {@code max} bytes of an entry. The whole entry is checked against the CRC32 the zip stores for it:
     * ZipFile checks it for no entry torch writes (stored, not deflated), so flipped bytes would pass unseen.
     */
    private static byte[] readEntry(Path path, ZipFile zip, ZipEntry e, int max) {
        try (InputStream in = zip.getInputStream(e)) {
            long size = e.getSize();
            if (size > max) size = max;
            byte[] bytes = size >= 0 ? in.readNBytes((int) size) : in.readNBytes(max);
            CRC32 crc = new CRC32();
            crc.update(bytes);
            byte[] rest = new byte[1 << 16];
            for (int n; (n = in.read(rest)) > 0; ) crc.update(rest, 0, n);
            if (e.getCrc() != -1 && crc.getValue() != e.getCrc()) {
                throw new WeightsException(path + ": entry " + e.getName() + " fails its CRC32 check (stored "
                        + Long.toHexString(e.getCrc()) + ", computed " + Long.toHexString(crc.getValue()) + "; corrupt checkpoint)");
            }
            return bytes;
        } catch (IOException ex) {
            throw new WeightsException(path + ": cannot read entry " + e.getName() + " (" + ex.getMessage() + "; truncated or corrupt?)", ex);
        }
    }

    private static void closeQuietly(ZipFile z) {
        try {
            z.close();
        } catch (IOException ignored) {
            // nothing to save
        }
    }

    @Override
    public void close() {
        storages.clear();
        closeQuietly(zip);
    }

    // ---- what torch pickles mean ---------------------------------------------------------------------------

    private final class TorchUnpickler extends Unpickler {

        TorchUnpickler(byte[] code, String where) {
            super(code, where);
        }

        @Override
        protected Object persistentLoad(Object pid) {
            if (!(pid instanceof Tuple t) || t.size() < 5 || !"storage".equals(t.get(0))) {
                throw new WeightsException(where() + ": unknown persistent id " + pid + " (expected ('storage', type, key, location, numel))");
            }
            String type = t.get(1) instanceof Global g ? g.name() : String.valueOf(t.get(1));
            String key = String.valueOf(t.get(2));
            if (!(t.get(4) instanceof Long numel) || numel < 0) throw new WeightsException(where() + ": storage " + key + " has no valid element count");
            if (zip.getEntry(prefix + "data/" + key) == null) {
                throw new WeightsException(path + ": the pickle refers to storage " + prefix + "data/" + key
                        + ", which the archive lacks (incomplete or corrupt checkpoint)");
            }
            HostTensor.DType dtype = STORAGE_TYPES.get(type);
            long n = numel;
            // an untyped storage counts bytes; a typed one counts elements
            return new TorchTensor.Storage(key, type, dtype, n, String.valueOf(t.get(3)));
        }

        @Override
        protected Object call(Object callable, List<Object> args) {
            if (callable instanceof Global g) {
                switch (g.toString()) {
                    case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor" -> {
                        Object t = rebuildTensor(args);
                        if (t != null) return t;
                    }
                    case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state" -> {
                        if (!args.isEmpty() && args.get(0) instanceof TorchTensor t) return t;
                    }
                    case "torch._tensor._rebuild_from_type_v2" -> {
                        // (func, subclass, args, state): rebuild with func, ignore the subclass
                        if (args.size() >= 3 && args.get(2) instanceof Tuple inner) return call(args.get(0), inner.items());
                    }
                    default -> { }
                }
            }
            return super.call(callable, args);
        }

        @Override
        protected Object build(Object obj, Object state) {
            if (obj instanceof TorchTensor) return obj; // requires_grad / hooks / python attributes
            return super.build(obj, state);
        }

        /** (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata]); null if not that. */
        private TorchTensor rebuildTensor(List<Object> args) {
            if (args.size() < 4 || !(args.get(0) instanceof TorchTensor.Storage s) || !(args.get(1) instanceof Long off)) return null;
            long[] size = longs(args.get(2)), stride = longs(args.get(3));
            if (size == null || stride == null || size.length != stride.length) {
                throw new WeightsException(where() + ": tensor in storage " + s.key() + " has malformed sizes " + args.get(2)
                        + " or strides " + args.get(3));
            }
            return new TorchTensor(TorchArchive.this, s, off, size, stride);
        }

        private long[] longs(Object o) {
            if (!(o instanceof Tuple t)) return null;
            long[] v = new long[t.size()];
            for (int i = 0; i < v.length; i++) {
                if (!(t.get(i) instanceof Long l)) return null;
                v[i] = l;
            }
            return v;
        }
    }
}
