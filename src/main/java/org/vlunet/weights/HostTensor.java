package org.vlunet.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A tensor held on the Java heap in its stored dtype (little-endian, contiguous): what weight files
 * contain before it becomes an NDArray. Half-precision kinds widen to float32 on the way to DJL, so no
 * bfloat16 NDArray is ever made (that aborts the JVM).
 */
public final class HostTensor {

    /** Stored element types, named as safetensors names them. */
    public enum DType {
        F64(8), F32(4), F16(2), BF16(2), I64(8), I32(4), I16(2), I8(1), U8(1), BOOL(1);

        public final int bytes;

        DType(int bytes) {
            this.bytes = bytes;
        }

        public boolean isFloating() {
            return this == F64 || this == F32 || this == F16 || this == BF16;
        }

        public static DType of(String name, String where) {
            try {
                return valueOf(name);
            } catch (IllegalArgumentException e) {
                throw new WeightsException(where + ": unknown dtype '" + name + "' (expected one of "
                        + Arrays.toString(values()) + ")");
            }
        }
    }

    private final DType dtype;
    private final long[] shape;
    private final ByteBuffer data;

    public HostTensor(DType dtype, long[] shape, ByteBuffer data) {
        this.dtype = dtype;
        this.shape = shape.clone();
        this.data = data.slice().order(ByteOrder.LITTLE_ENDIAN);
        long expected = numel() * dtype.bytes;
        if (this.data.remaining() != expected) {
            throw new WeightsException("tensor of shape " + Arrays.toString(shape) + " and dtype " + dtype
                    + " needs " + expected + " bytes, got " + this.data.remaining());
        }
    }

    public static HostTensor ofFloats(long[] shape, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return new HostTensor(DType.F32, shape, b);
    }

    public static HostTensor ofLongs(long[] shape, long[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(values);
        return new HostTensor(DType.I64, shape, b);
    }

    /** Copies an NDArray to the heap (float16 stays float16; other kinds as DJL stores them). */
    public static HostTensor of(NDArray a) {
        DType t = switch (a.getDataType()) {
            case FLOAT32 -> DType.F32;
            case FLOAT64 -> DType.F64;
            case FLOAT16 -> DType.F16;
            case INT64 -> DType.I64;
            case INT32 -> DType.I32;
            case INT8 -> DType.I8;
            case UINT8 -> DType.U8;
            case BOOLEAN -> DType.BOOL;
            default -> throw new WeightsException("cannot store NDArray of type " + a.getDataType());
        };
        ByteBuffer b = a.toByteBuffer();
        ByteBuffer copy = ByteBuffer.allocate(b.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        copy.put(b.order(ByteOrder.LITTLE_ENDIAN)).flip();
        return new HostTensor(t, a.getShape().getShape(), copy);
    }

    public DType dtype() {
        return dtype;
    }

    public long[] shape() {
        return shape.clone();
    }

    public Shape djlShape() {
        return new Shape(shape);
    }

    public long numel() {
        long n = 1;
        for (long s : shape) n *= s;
        return n;
    }

    /** The raw little-endian bytes (a read-only view). */
    public ByteBuffer bytes() {
        return data.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** All values as float32, widening or narrowing as needed. */
    public float[] toFloats() {
        int n = Math.toIntExact(numel());
        float[] out = new float[n];
        ByteBuffer b = bytes();
        switch (dtype) {
            case F32 -> b.asFloatBuffer().get(out);
            case F64 -> { for (int i = 0; i < n; i++) out[i] = (float) b.getDouble(i * 8); }
            case F16 -> { for (int i = 0; i < n; i++) out[i] = halfToFloat(b.getShort(i * 2)); }
            case BF16 -> { for (int i = 0; i < n; i++) out[i] = Float.intBitsToFloat((b.getShort(i * 2) & 0xffff) << 16); }
            case I64 -> { for (int i = 0; i < n; i++) out[i] = b.getLong(i * 8); }
            case I32 -> { for (int i = 0; i < n; i++) out[i] = b.getInt(i * 4); }
            case I16 -> { for (int i = 0; i < n; i++) out[i] = b.getShort(i * 2); }
            case I8 -> { for (int i = 0; i < n; i++) out[i] = b.get(i); }
            case U8, BOOL -> { for (int i = 0; i < n; i++) out[i] = b.get(i) & 0xff; }
        }
        return out;
    }

    /** All values as float64 (exact for every stored kind but I64 beyond 2^53). */
    public double[] toDoubles() {
        int n = Math.toIntExact(numel());
        if (dtype == DType.F64) {
            double[] out = new double[n];
            bytes().asDoubleBuffer().get(out);
            return out;
        }
        float[] f = toFloats();
        double[] out = new double[n];
        for (int i = 0; i < n; i++) out[i] = f[i];
        return out;
    }

    public long[] toLongs() {
        int n = Math.toIntExact(numel());
        long[] out = new long[n];
        ByteBuffer b = bytes();
        switch (dtype) {
            case I64 -> b.asLongBuffer().get(out);
            case I32 -> { for (int i = 0; i < n; i++) out[i] = b.getInt(i * 4); }
            case I16 -> { for (int i = 0; i < n; i++) out[i] = b.getShort(i * 2); }
            case I8 -> { for (int i = 0; i < n; i++) out[i] = b.get(i); }
            case U8, BOOL -> { for (int i = 0; i < n; i++) out[i] = b.get(i) & 0xff; }
            default -> { float[] f = toFloats(); for (int i = 0; i < n; i++) out[i] = (long) f[i]; }
        }
        return out;
    }

    /** An NDArray on {@code manager}: floating kinds become float32, integer kinds keep their type. */
    public NDArray toNDArray(NDManager manager) {
        Shape s = djlShape();
        return switch (dtype) {
            case F32 -> manager.create(bytes().asFloatBuffer(), s);
            case F16, BF16, F64 -> manager.create(toFloats(), s);
            case I64 -> manager.create(bytes().asLongBuffer(), s);
            case I32 -> manager.create(bytes().asIntBuffer(), s);
            case I16 -> manager.create(java.nio.IntBuffer.wrap(Arrays.stream(toLongs()).mapToInt(v -> (int) v).toArray()), s);
            case I8 -> manager.create(bytes(), s, DataType.INT8);
            case U8 -> manager.create(bytes(), s, DataType.UINT8);
            case BOOL -> manager.create(bytes(), s, DataType.BOOLEAN);
        };
    }

    /** IEEE 754 binary16 to float32 (Java 17 has no Float.float16ToFloat). */
    public static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        if (exp == 0) {
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /** float32 to binary16, rounding to nearest even. */
    public static short floatToHalf(float f) {
        int x = Float.floatToRawIntBits(f);
        int sign = (x >>> 16) & 0x8000;
        float a = Math.abs(f);
        if (Float.isNaN(f)) return (short) (sign | 0x7e00);
        if (a >= 65520f) return (short) (sign | 0x7c00);
        if (a < 0x1p-14f) return (short) (sign | Math.round(a * 0x1p24f));
        int bits = Float.floatToRawIntBits(a);
        int exp = (bits >>> 23) - 112;
        int mant = bits & 0x7fffff;
        int h = (exp << 10) | (mant >>> 13);
        int rest = mant & 0x1fff;
        if (rest > 0x1000 || (rest == 0x1000 && (h & 1) == 1)) h++;
        return (short) (sign | h);
    }

    @Override
    public String toString() {
        return dtype + Arrays.toString(shape);
    }
}
