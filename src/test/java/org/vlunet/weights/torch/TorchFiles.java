package org.vlunet.weights.torch;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Writes small torch.save-style archives for tests: a protocol-2 pickle as torch emits it, and storages. */
final class TorchFiles {

    /** A pickle under construction, emitting the opcodes torch's pickler uses. */
    static final class Pickle {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Pickle() {
            op(0x80).op(2);
        }

        Pickle op(int b) {
            out.write(b);
            return this;
        }

        Pickle str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            op('X');
            le(b.length, 4);
            out.writeBytes(b);
            return this;
        }

        Pickle integer(long v) {
            if (v >= 0 && v < 256) return op('K').op((int) v);
            op('J');
            le(v, 4);
            return this;
        }

        Pickle global(String module, String name) {
            op('c');
            out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
            return this;
        }

        Pickle longs(long... v) {
            op('(');
            for (long x : v) integer(x);
            return op('t');
        }

        /** _rebuild_tensor_v2(storage(type, key, numel), offset, size, stride, False, OrderedDict()). */
        Pickle tensor(String storageType, String key, long numel, long offset, long[] size, long[] stride) {
            global("torch._utils", "_rebuild_tensor_v2");
            op('(');
            op('(').str("storage").global("torch", storageType).str(key).str("cpu").integer(numel).op('t').op('Q');
            integer(offset).longs(size).longs(stride).op(0x89);
            global("collections", "OrderedDict").op(')').op('R');
            op('t').op('R');
            return this;
        }

        /** The same wrapped in _rebuild_parameter(tensor, True, OrderedDict()). */
        Pickle parameter(String storageType, String key, long numel, long offset, long[] size, long[] stride) {
            global("torch._utils", "_rebuild_parameter");
            op('(');
            tensor(storageType, key, numel, offset, size, stride);
            op(0x88).global("collections", "OrderedDict").op(')').op('R');
            op('t').op('R');
            return this;
        }

        byte[] bytes() {
            return out.toByteArray();
        }

        private void le(long v, int n) {
            for (int i = 0; i < n; i++) out.write((int) (v >>> (8 * i)) & 0xff);
        }
    }

    /** Writes {@code name/data.pkl}, {@code name/data/<key>} for each storage, {@code name/version}, and optionally byteorder. */
    static void write(Path file, String name, byte[] pickle, Map<String, byte[]> storages, String byteorder, boolean stored) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put(name + "/data.pkl", pickle);
        if (byteorder != null) entries.put(name + "/byteorder", byteorder.getBytes(StandardCharsets.US_ASCII));
        storages.forEach((k, v) -> entries.put(name + "/data/" + k, v));
        entries.put(name + "/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        try (OutputStream os = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(os)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                ZipEntry z = new ZipEntry(e.getKey());
                if (stored) {
                    z.setMethod(ZipEntry.STORED);
                    z.setSize(e.getValue().length);
                    CRC32 crc = new CRC32();
                    crc.update(e.getValue());
                    z.setCrc(crc.getValue());
                }
                zip.putNextEntry(z);
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }
    }

    /** Copies a zip, leaving out the entries for which {@code drop} is true. */
    static void copyWithout(Path from, Path to, java.util.function.Predicate<String> drop) throws IOException {
        try (java.util.zip.ZipFile in = new java.util.zip.ZipFile(from.toFile());
             ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(to))) {
            for (var en = in.entries(); en.hasMoreElements(); ) {
                ZipEntry e = en.nextElement();
                if (drop.test(e.getName())) continue;
                zip.putNextEntry(new ZipEntry(e.getName()));
                try (var s = in.getInputStream(e)) {
                    s.transferTo(zip);
                }
                zip.closeEntry();
            }
        }
    }

    private TorchFiles() {}
}
