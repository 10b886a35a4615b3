package org.vlunet.weights.torch;

import org.vlunet.weights.WeightsException;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A pickle virtual machine (protocols 0 to 5) that builds plain Java values instead of Python objects:
 * None → null, bool → Boolean, int → Long (BigInteger when wider), float → Double, str → String,
 * bytes → byte[], list → ArrayList, tuple → {@link Tuple}, dict and OrderedDict → LinkedHashMap,
 * set → LinkedHashSet, a class or function → {@link Global}; calling anything else gives an {@link Opaque}.
 * Nothing is ever executed. Subclasses decide what calls and persistent ids mean (see {@link TorchArchive}).
 */
public class Unpickler {

    private static final Object MARK = new Object();

    private final byte[] code;
    private final String where;
    private int pos;
    private final ArrayList<Object> stack = new ArrayList<>();
    private final ArrayList<Integer> marks = new ArrayList<>();
    private final Map<Integer, Object> memo = new HashMap<>();

    /** @param where names the file (and entry) in error messages */
    public Unpickler(byte[] code, String where) {
        this.code = code;
        this.where = where;
    }

    /** Runs the pickle to its STOP and returns the object it built. */
    public final Object load() {
        try {
            return run();
        } catch (WeightsException e) {
            throw e;
        } catch (IndexOutOfBoundsException | ClassCastException | ArithmeticException | IllegalArgumentException e) {
            throw corrupt(e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        }
    }

    // ---- hooks ---------------------------------------------------------------------------------------------

    /** GLOBAL / STACK_GLOBAL. */
    protected Object findClass(String module, String name) {
        return new Global(module, name);
    }

    /** REDUCE: {@code callable(*args)}. */
    protected Object call(Object callable, List<Object> args) {
        if (callable instanceof Global g) {
            String n = g.toString();
            switch (n) {
                case "collections.OrderedDict", "builtins.dict", "__builtin__.dict" -> {
                    LinkedHashMap<Object, Object> m = new LinkedHashMap<>();
                    if (!args.isEmpty() && args.get(0) instanceof List<?> pairs) {
                        for (Object p : pairs) {
                            List<Object> kv = sequence(p);
                            m.put(kv.get(0), kv.get(1));
                        }
                    }
                    return m;
                }
                case "builtins.set", "builtins.frozenset", "__builtin__.set", "__builtin__.frozenset" -> {
                    Set<Object> s = new LinkedHashSet<>();
                    if (!args.isEmpty()) s.addAll(sequence(args.get(0)));
                    return s;
                }
                case "builtins.bytes", "__builtin__.bytes", "builtins.bytearray", "__builtin__.bytearray" -> {
                    if (args.isEmpty()) return new byte[0];
                    if (args.get(0) instanceof byte[] b) return b;
                }
                case "_codecs.encode" -> {
                    // protocol 2 writes Python 3 bytes as _codecs.encode(latin-1 text, 'latin1')
                    if (args.size() >= 1 && args.get(0) instanceof String s) return s.getBytes(StandardCharsets.ISO_8859_1);
                }
                default -> { }
            }
        }
        return new Opaque(callable, args);
    }

    /** NEWOBJ / NEWOBJ_EX: {@code cls.__new__(cls, *args)}. */
    protected Object newObject(Object cls, List<Object> args) {
        if (cls instanceof Global g && g.is("collections", "OrderedDict")) return new LinkedHashMap<>();
        return new Opaque(cls, args);
    }

    /** BUILD: sets {@code state} on {@code obj}; returns the object that stays on the stack. */
    @SuppressWarnings("unchecked")
    protected Object build(Object obj, Object state) {
        if (obj instanceof Map<?, ?> m && state instanceof Map<?, ?> s) {
            ((Map<Object, Object>) m).putAll(s);
        } else if (obj instanceof Opaque o) {
            o.setState(state);
        }
        return obj;
    }

    /** PERSID / BINPERSID. */
    protected Object persistentLoad(Object pid) {
        throw new WeightsException(where + ": pickle refers to external object " + pid + ", which this reader cannot resolve");
    }

    /** The name used in messages. */
    protected final String where() {
        return where;
    }

    // ---- the machine ---------------------------------------------------------------------------------------

    private Object run() {
        while (true) {
            if (pos >= code.length) throw corrupt("ends before its STOP opcode (truncated?)");
            int op = code[pos++] & 0xff;
            switch (op) {
                case 0x80 -> { // PROTO
                    int proto = u8();
                    if (proto > 5) throw corrupt("unsupported pickle protocol " + proto);
                }
                case 0x95 -> pos += 8; // FRAME: the whole pickle is in memory already
                case '.' -> { // STOP
                    return pop();
                }
                case '(' -> { // MARK
                    marks.add(stack.size());
                    stack.add(MARK);
                }
                case '0' -> pop(); // POP
                case '1' -> popMark(); // POP_MARK
                case '2' -> push(peek()); // DUP
                case 'N' -> push(null);
                case 0x88 -> push(Boolean.TRUE);
                case 0x89 -> push(Boolean.FALSE);
                case 'J' -> push((long) i32());
                case 'K' -> push((long) u8());
                case 'M' -> push((long) u16());
                case 0x8a -> push(longBytes(u8())); // LONG1
                case 0x8b -> push(longBytes(len32())); // LONG4
                case 'I' -> { // INT (protocol 0; "00"/"01" are False/True)
                    String s = line();
                    if (s.equals("00")) push(Boolean.FALSE);
                    else if (s.equals("01")) push(Boolean.TRUE);
                    else push(integer(s));
                }
                case 'L' -> { // LONG (protocol 0)
                    String s = line();
                    push(integer(s.endsWith("L") ? s.substring(0, s.length() - 1) : s));
                }
                case 'F' -> push(pyFloat(line()));
                case 'G' -> { // BINFLOAT, big-endian
                    double d = ByteBuffer.wrap(code, pos, 8).order(ByteOrder.BIG_ENDIAN).getDouble();
                    pos += 8;
                    push(d);
                }
                case 0x8c -> push(utf8(u8())); // SHORT_BINUNICODE
                case 'X' -> push(utf8(len32())); // BINUNICODE
                case 0x8d -> push(utf8(len64())); // BINUNICODE8
                case 'V' -> push(rawUnicode(line())); // UNICODE (protocol 0)
                case 'U' -> push(text8(u8())); // SHORT_BINSTRING (Python 2 str)
                case 'T' -> push(text8(len32())); // BINSTRING
                case 'S' -> push(quoted(line())); // STRING (protocol 0)
                case 'C' -> push(bytes(u8())); // SHORT_BINBYTES
                case 'B' -> push(bytes(len32())); // BINBYTES
                case 0x8e, 0x96 -> push(bytes(len64())); // BINBYTES8, BYTEARRAY8
                case ')' -> push(new Tuple(List.of()));
                case 0x85 -> push(tupleOf(1));
                case 0x86 -> push(tupleOf(2));
                case 0x87 -> push(tupleOf(3));
                case 't' -> push(new Tuple(popMark()));
                case ']' -> push(new ArrayList<>());
                case 'l' -> push(new ArrayList<>(popMark()));
                case '}' -> push(new LinkedHashMap<>());
                case 'd' -> { // DICT
                    List<Object> items = popMark();
                    LinkedHashMap<Object, Object> m = new LinkedHashMap<>();
                    for (int i = 0; i + 1 < items.size(); i += 2) m.put(items.get(i), items.get(i + 1));
                    push(m);
                }
                case 0x8f -> push(new LinkedHashSet<>()); // EMPTY_SET
                case 0x91 -> push(new LinkedHashSet<>(popMark())); // FROZENSET
                case 0x90 -> { // ADDITEMS
                    List<Object> items = popMark();
                    set(peek()).addAll(items);
                }
                case 'a' -> { // APPEND
                    Object v = pop();
                    list(peek()).add(v);
                }
                case 'e' -> { // APPENDS
                    List<Object> items = popMark();
                    list(peek()).addAll(items);
                }
                case 's' -> { // SETITEM
                    Object v = pop();
                    Object k = pop();
                    map(peek()).put(k, v);
                }
                case 'u' -> { // SETITEMS
                    List<Object> items = popMark();
                    Map<Object, Object> m = map(peek());
                    for (int i = 0; i + 1 < items.size(); i += 2) m.put(items.get(i), items.get(i + 1));
                }
                case 'c' -> { // GLOBAL
                    String module = line();
                    String name = line();
                    push(findClass(module, name));
                }
                case 0x93 -> { // STACK_GLOBAL
                    Object name = pop();
                    Object module = pop();
                    if (!(module instanceof String m) || !(name instanceof String n)) throw corrupt("STACK_GLOBAL needs two strings");
                    push(findClass(m, n));
                }
                case 'R' -> { // REDUCE
                    Object args = pop();
                    Object f = pop();
                    push(call(f, sequence(args)));
                }
                case 0x81 -> { // NEWOBJ
                    Object args = pop();
                    Object cls = pop();
                    push(newObject(cls, sequence(args)));
                }
                case 0x92 -> { // NEWOBJ_EX (keyword arguments are kept as the last argument)
                    Object kwargs = pop();
                    Object args = pop();
                    Object cls = pop();
                    List<Object> all = new ArrayList<>(sequence(args));
                    if (kwargs instanceof Map<?, ?> kw && !kw.isEmpty()) all.add(kw);
                    push(newObject(cls, all));
                }
                case 'i' -> { // INST (protocol 0)
                    String module = line();
                    String name = line();
                    push(newObject(findClass(module, name), popMark()));
                }
                case 'o' -> { // OBJ
                    List<Object> items = popMark();
                    if (items.isEmpty()) throw corrupt("OBJ without a class");
                    push(newObject(items.get(0), items.subList(1, items.size())));
                }
                case 'b' -> { // BUILD
                    Object state = pop();
                    Object obj = pop();
                    push(build(obj, state));
                }
                case 'Q' -> push(persistentLoad(pop())); // BINPERSID
                case 'P' -> push(persistentLoad(line())); // PERSID
                case 'p' -> memo.put(Integer.parseInt(line()), peek()); // PUT
                case 'q' -> memo.put(u8(), peek()); // BINPUT
                case 'r' -> memo.put(len32(), peek()); // LONG_BINPUT
                case 0x94 -> memo.put(memo.size(), peek()); // MEMOIZE
                case 'g' -> push(memoGet(Integer.parseInt(line()))); // GET
                case 'h' -> push(memoGet(u8())); // BINGET
                case 'j' -> push(memoGet(len32())); // LONG_BINGET
                case 0x82, 0x83, 0x84 -> throw corrupt("uses the copyreg extension registry (EXT opcodes), which checkpoints never do");
                case 0x97, 0x98 -> throw corrupt("uses out-of-band buffers (protocol 5), which checkpoints never do");
                default -> throw corrupt("unknown opcode 0x" + Integer.toHexString(op));
            }
        }
    }

    private Tuple tupleOf(int n) {
        Object[] items = new Object[n];
        for (int i = n - 1; i >= 0; i--) items[i] = pop();
        return new Tuple(Arrays.asList(items));
    }

    private WeightsException corrupt(String what) {
        return new WeightsException(where + ": corrupt pickle at byte " + Math.max(0, pos - 1) + " (" + what + ")");
    }

    private void push(Object o) {
        stack.add(o);
    }

    private Object pop() {
        if (stack.isEmpty()) throw corrupt("stack underflow");
        Object o = stack.remove(stack.size() - 1);
        if (o == MARK) throw corrupt("unexpected MARK on the stack");
        return o;
    }

    private Object peek() {
        if (stack.isEmpty()) throw corrupt("stack underflow");
        Object o = stack.get(stack.size() - 1);
        if (o == MARK) throw corrupt("unexpected MARK on the stack");
        return o;
    }

    private List<Object> popMark() {
        if (marks.isEmpty()) throw corrupt("no MARK to pop to");
        int at = marks.remove(marks.size() - 1);
        List<Object> items = new ArrayList<>(stack.subList(at + 1, stack.size()));
        stack.subList(at, stack.size()).clear();
        return items;
    }

    private Object memoGet(int key) {
        if (!memo.containsKey(key)) throw corrupt("memo entry " + key + " was never stored");
        return memo.get(key);
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object o) {
        if (o instanceof List<?> l) return (List<Object>) l;
        throw corrupt("APPEND to a " + typeName(o));
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> map(Object o) {
        if (o instanceof Map<?, ?> m) return (Map<Object, Object>) m;
        throw corrupt("SETITEM on a " + typeName(o));
    }

    @SuppressWarnings("unchecked")
    private Set<Object> set(Object o) {
        if (o instanceof Set<?> s) return (Set<Object>) s;
        throw corrupt("ADDITEMS on a " + typeName(o));
    }

    private List<Object> sequence(Object o) {
        if (o instanceof Tuple t) return t.items();
        if (o instanceof List<?> l) return new ArrayList<>(l);
        throw corrupt("expected a tuple of arguments, got a " + typeName(o));
    }

    static String typeName(Object o) {
        return o == null ? "None" : o.getClass().getSimpleName();
    }

    private int u8() {
        need(1);
        return code[pos++] & 0xff;
    }

    private int u16() {
        need(2);
        int v = (code[pos] & 0xff) | (code[pos + 1] & 0xff) << 8;
        pos += 2;
        return v;
    }

    private int i32() {
        need(4);
        int v = ByteBuffer.wrap(code, pos, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        pos += 4;
        return v;
    }

    private int len32() {
        int v = i32();
        if (v < 0) throw corrupt("negative length " + v);
        return v;
    }

    private int len64() {
        need(8);
        long v = ByteBuffer.wrap(code, pos, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        pos += 8;
        if (v < 0 || v > Integer.MAX_VALUE) throw corrupt("length " + v + " out of range");
        return (int) v;
    }

    private void need(int n) {
        if (pos + n > code.length) throw corrupt("ends in the middle of an opcode (truncated?)");
    }

    private byte[] bytes(int n) {
        need(n);
        byte[] b = Arrays.copyOfRange(code, pos, pos + n);
        pos += n;
        return b;
    }

    private String utf8(int n) {
        need(n);
        String s = new String(code, pos, n, StandardCharsets.UTF_8);
        pos += n;
        return s;
    }

    /** Python 2 str: torch.load decodes these as UTF-8; fall back to latin-1 for arbitrary bytes. */
    private String text8(int n) {
        byte[] b = bytes(n);
        var dec = StandardCharsets.UTF_8.newDecoder();
        try {
            return dec.decode(ByteBuffer.wrap(b)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            return new String(b, StandardCharsets.ISO_8859_1);
        }
    }

    private Object longBytes(int n) {
        byte[] le = bytes(n);
        if (n == 0) return 0L;
        byte[] be = new byte[n];
        for (int i = 0; i < n; i++) be[i] = le[n - 1 - i];
        BigInteger v = new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private static Object integer(String s) {
        BigInteger v = new BigInteger(s.trim());
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private String line() {
        int start = pos;
        while (pos < code.length && code[pos] != '\n') pos++;
        if (pos >= code.length) throw corrupt("text argument without its newline (truncated?)");
        // latin-1 keeps every byte: UNICODE's raw-unicode-escape writes characters below 256 as single bytes
        String s = new String(code, start, pos - start, StandardCharsets.ISO_8859_1);
        pos++;
        return s;
    }

    private static double pyFloat(String s) {
        return switch (s.trim()) {
            case "inf" -> Double.POSITIVE_INFINITY;
            case "-inf" -> Double.NEGATIVE_INFINITY;
            case "nan", "-nan" -> Double.NaN;
            default -> Double.parseDouble(s.trim());
        };
    }

    /** Protocol 0 STRING: a quoted Python literal with backslash escapes. */
    private String quoted(String s) {
        if (s.length() < 2 || (s.charAt(0) != '\'' && s.charAt(0) != '"') || s.charAt(s.length() - 1) != s.charAt(0)) {
            throw corrupt("STRING argument is not quoted");
        }
        return unescape(s.substring(1, s.length() - 1), false);
    }

    /** Protocol 0 UNICODE: raw-unicode-escape (only backslash-u and backslash-U escapes). */
    private static String rawUnicode(String s) {
        return unescape(s, true);
    }

    private static String unescape(String s, boolean rawUnicode) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 >= s.length()) {
                out.append(c);
                continue;
            }
            char n = s.charAt(i + 1);
            if (n == 'u' && i + 6 <= s.length()) {
                out.append((char) Integer.parseInt(s.substring(i + 2, i + 6), 16));
                i += 5;
            } else if (n == 'U' && i + 10 <= s.length()) {
                out.appendCodePoint(Integer.parseInt(s.substring(i + 2, i + 10), 16));
                i += 9;
            } else if (rawUnicode) {
                out.append(c);
            } else {
                i++;
                switch (n) {
                    case 'n' -> out.append('\n');
                    case 't' -> out.append('\t');
                    case 'r' -> out.append('\r');
                    case '\\' -> out.append('\\');
                    case '\'' -> out.append('\'');
                    case '"' -> out.append('"');
                    case 'x' -> {
                        out.append((char) Integer.parseInt(s.substring(i + 1, i + 3), 16));
                        i += 2;
                    }
                    default -> out.append('\\').append(n);
                }
            }
        }
        return out.toString();
    }
}
