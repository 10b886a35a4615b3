package org.vlunet.weights.torch;

import org.junit.jupiter.api.Test;
import org.vlunet.weights.WeightsException;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** The same structure pickled by CPython in protocols 0 to 5 (src/test/resources/torch/make_pickles.py). */
class UnpicklerTest {

    private static Object read(String name) throws IOException {
        try (InputStream in = UnpicklerTest.class.getResourceAsStream("/torch/" + name)) {
            assertNotNull(in, name);
            return new Unpickler(in.readAllBytes(), name).load();
        }
    }

    @Test
    void everyProtocolGivesTheSameValues() throws IOException {
        for (int p = 0; p <= 5; p++) {
            String what = "protocol " + p;
            Map<?, ?> m = (Map<?, ?>) read("values.p" + p + ".pkl");
            assertEquals(List.of(0L, 1L, -1L, 255L, 256L, 65535L, 65536L, -(1L << 31), (1L << 31) - 1, 1L << 31,
                    Long.MAX_VALUE, Long.MIN_VALUE, BigInteger.ONE.shiftLeft(64), BigInteger.ONE.shiftLeft(100).negate()),
                    m.get("i"), what);
            assertEquals(List.of(0.5, -1e300, Double.POSITIVE_INFINITY), m.get("f"), what);
            assertEquals(List.of("", "ascii", "ünïcödé ✓", "x".repeat(300)), m.get("s"), what);
            List<?> b = (List<?>) m.get("b");
            assertArrayEquals(new byte[0], (byte[]) b.get(0), what);
            assertArrayEquals(new byte[] {0, (byte) 0xff}, (byte[]) b.get(1), what);
            byte[] ys = new byte[300];
            Arrays.fill(ys, (byte) 'y');
            assertArrayEquals(ys, (byte[]) b.get(2), what);
            assertEquals(List.of(Tuple.of(), Tuple.of(1L), Tuple.of(1L, 2L), Tuple.of(1L, 2L, 3L), Tuple.of(1L, 2L, 3L, 4L)),
                    m.get("t"), what);
            assertTrue(m.containsKey("n") && m.get("n") == null, what);
            assertEquals(List.of(true, false), m.get("tf"), what);
            Map<?, ?> od = (Map<?, ?>) m.get("od");
            assertEquals(List.of("a", "b"), List.copyOf(od.keySet()), what);
            assertEquals(List.of(2L), od.get("b"), what);
            assertEquals(Set.of(3L), m.get("set"), what);
            assertEquals(Set.of(4L), m.get("fs"), what);
            assertEquals(Map.of("x", Map.of("y", List.of())), m.get("nested"), what);
            assertEquals("tuple key", m.get(Tuple.of(1L, "k")), what);
            assertEquals("int key", m.get(7L), what);
            List<?> shared = (List<?>) m.get("shared");
            assertSame(shared.get(0), shared.get(1), what + ": memo keeps shared objects shared");
        }
    }

    @Test
    void unknownCallablesBecomeOpaqueValues() {
        // protocol 2: GLOBAL foo.Bar, EMPTY_TUPLE, REDUCE, EMPTY_DICT, SETITEM x=1 via MARK/SETITEMS, BUILD, STOP
        byte[] code = bytes(0x80, 2, 'c', "foo\nBar\n", ')', 'R', '}', '(', 0x8c, 1, "x", 'K', 1, 'u', 'b', '.');
        Object o = new Unpickler(code, "test").load();
        Opaque op = assertInstanceOf(Opaque.class, o);
        assertEquals(new Global("foo", "Bar"), op.type());
        assertEquals(Map.of("x", 1L), op.state());
    }

    @Test
    void truncatedAndCorruptPicklesFailWithTheirName() {
        WeightsException e = assertThrows(WeightsException.class,
                () -> new Unpickler(bytes(0x80, 2, '}', 'X', 5, 0, 0, 0, "ab"), "some.pkl").load());
        assertTrue(e.getMessage().startsWith("some.pkl: corrupt pickle at byte"), e.getMessage());
        e = assertThrows(WeightsException.class, () -> new Unpickler(bytes(0x80, 2, 0xff), "x.pkl").load());
        assertTrue(e.getMessage().contains("unknown opcode 0xff"), e.getMessage());
        e = assertThrows(WeightsException.class, () -> new Unpickler(bytes(0x80, 2, 'h', 3, '.'), "x.pkl").load());
        assertTrue(e.getMessage().contains("memo entry 3"), e.getMessage());
        e = assertThrows(WeightsException.class, () -> new Unpickler(bytes(0x80, 2, 'N'), "x.pkl").load());
        assertTrue(e.getMessage().contains("STOP"), e.getMessage());
    }

    /** Bytes from ints and ASCII strings. */
    static byte[] bytes(Object... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (Object p : parts) {
            if (p instanceof Integer i) out.write(i);
            else if (p instanceof Character c) out.write(c);
            else out.writeBytes(((String) p).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        }
        return out.toByteArray();
    }
}
