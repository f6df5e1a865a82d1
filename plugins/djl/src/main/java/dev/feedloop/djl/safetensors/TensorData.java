package dev.feedloop.djl.safetensors;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * One named tensor as stored in a safetensors file: dtype, shape and little-endian row-major bytes.
 *
 * @param dtype safetensors dtype string ({@code F32}, {@code F16}, {@code BF16}, ...)
 * @param shape dimensions, outermost first
 * @param data exactly {@code numel * elementSize} bytes, little-endian; not copied (tensors can be large), so do
 *     not modify the array once it is in a {@code TensorData}
 */
public record TensorData(String dtype, long[] shape, byte[] data) {
    public TensorData {
        Objects.requireNonNull(dtype, "dtype");
        shape = shape.clone();
        Objects.requireNonNull(data, "data");
        long expected = numel(shape) * elementSize(dtype);
        if (data.length != expected) {
            throw new IllegalArgumentException(dtype + Arrays.toString(shape) + " needs " + expected + " bytes, got " + data.length);
        }
    }

    /**
     * The dimensions, outermost first.
     *
     * @return a copy, so that the shape cannot drift away from the data length
     */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** An F32 tensor from floats. */
    public static TensorData f32(long[] shape, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return new TensorData("F32", shape, b.array());
    }

    /** Number of elements. */
    public long numel() {
        return numel(shape);
    }

    /** The values as float32, converting from F16 and BF16. */
    public float[] toFloats() {
        int n = Math.toIntExact(numel());
        float[] out = new float[n];
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        switch (dtype) {
            case "F32" -> b.asFloatBuffer().get(out);
            case "F16" -> {
                for (int i = 0; i < n; i++) {
                    out[i] = halfToFloat(b.getShort(2 * i));
                }
            }
            case "BF16" -> {
                for (int i = 0; i < n; i++) {
                    out[i] = Float.intBitsToFloat((b.getShort(2 * i) & 0xffff) << 16);
                }
            }
            case "F64" -> {
                for (int i = 0; i < n; i++) {
                    out[i] = (float) b.getDouble(8 * i);
                }
            }
            default -> throw new IllegalArgumentException("cannot read dtype " + dtype + " as floats");
        }
        return out;
    }

    /** IEEE 754 binary16 to float32, exact for every half value (Java 17 has no Float.float16ToFloat). */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13)); // inf / NaN
        }
        if (exp == 0) {
            if (mant == 0) {
                return Float.intBitsToFloat(sign); // +-0
            }
            float v = mant / 1024f / 16384f; // subnormal: mant * 2^-24
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** Bytes per element of a safetensors dtype. */
    public static int elementSize(String dtype) {
        return switch (dtype) {
            case "BOOL", "U8", "I8", "F8_E4M3", "F8_E5M2", "F8_E8M0", "F8_E4M3FNUZ", "F8_E5M2FNUZ" -> 1;
            case "I16", "U16", "F16", "BF16" -> 2;
            case "I32", "U32", "F32" -> 4;
            case "I64", "U64", "F64", "C64" -> 8;
            default -> throw new IllegalArgumentException("unknown safetensors dtype '" + dtype + "'");
        };
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorData t && dtype.equals(t.dtype) && Arrays.equals(shape, t.shape) && Arrays.equals(data, t.data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(dtype, Arrays.hashCode(shape), Arrays.hashCode(data));
    }

    @Override
    public String toString() {
        return "TensorData[" + dtype + Arrays.toString(shape) + "]";
    }
}
