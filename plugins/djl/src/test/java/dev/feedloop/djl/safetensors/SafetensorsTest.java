package dev.feedloop.djl.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
    private static final String LORA_B = "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight";
    private static final String LORA_A = "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight";

    /** The reference {@code Dtype} order, ascending, restated here so that the test does not trust the code. */
    private static final List<String> REFERENCE_ORDER = List.of("BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0",
            "F8_E4M3FNUZ", "F8_E5M2FNUZ", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "C64", "F64", "I64", "U64");

    @Nested
    class GoldenVectors {
        @Test
        void singleF32TensorIsTheReference72Bytes() {
            byte[] bytes = Safetensors.write(Map.of("x", TensorData.f32(new long[] {2}, new float[] {1f, 2f})), null);

            String json = "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
            byte[] expected = concat(HexFormat.of().parseHex("3800000000000000"), ascii(json),
                    HexFormat.of().parseHex("2020"), HexFormat.of().parseHex("0000803f00000040"));
            assertThat(json).hasSize(54);
            assertThat(bytes).hasSize(72).isEqualTo(expected);
        }

        @Test
        void peftStyleFileHasTheReferenceHeaderWithF32BeforeF16() throws IOException {
            Map<String, TensorData> tensors = new LinkedHashMap<>();
            tensors.put(LORA_A, new TensorData("F16", new long[] {2, 3}, filled(12, 7)));
            tensors.put(LORA_B, TensorData.f32(new long[] {4, 2}, new float[] {1, 2, 3, 4, 5, 6, 7, 8}));

            byte[] bytes = Safetensors.write(tensors, Map.of("format", "pt"));

            long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
            String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
            assertThat(n).isEqualTo(272);
            assertThat(header).isEqualTo("{\"__metadata__\":{\"format\":\"pt\"},"
                    + "\"" + LORA_B + "\":{\"dtype\":\"F32\",\"shape\":[4,2],\"data_offsets\":[0,32]},"
                    + "\"" + LORA_A + "\":{\"dtype\":\"F16\",\"shape\":[2,3],\"data_offsets\":[32,44]}}" + "     ");
            assertThat(bytes).hasSize(8 + 272 + 44);
            assertThat(Arrays.copyOfRange(bytes, 8 + 272, 8 + 272 + 32)).isEqualTo(tensors.get(LORA_B).data());
            assertThat(Arrays.copyOfRange(bytes, 8 + 272 + 32, bytes.length)).isEqualTo(tensors.get(LORA_A).data());
            Map<String, TensorData> back = Safetensors.read(bytes);
            assertThat(back.keySet()).containsExactly(LORA_B, LORA_A);
            assertThat(back).isEqualTo(tensors);
        }

        @Test
        void emptyFileMatchesTheReference() {
            assertThat(Safetensors.write(Map.of(), Map.of()))
                    .isEqualTo(concat(HexFormat.of().parseHex("0800000000000000"), ascii("{}      ")));
        }
    }

    @Nested
    class Layout {
        @Test
        void tensorsAreOrderedByReferenceDtypeDescendingThenName() throws IOException {
            Map<String, TensorData> tensors = new LinkedHashMap<>();
            String[][] spec = {{"a", "F16"}, {"b", "BF16"}, {"c", "I64"}, {"d", "F64"}, {"e", "U64"}, {"f", "F32"},
                {"g", "I32"}, {"h", "U8"}, {"i", "BOOL"}, {"j", "C64"}, {"B", "F16"}, {"k", "I16"}};
            for (String[] s : spec) {
                tensors.put(s[0], tensor(s[1], new long[] {1}, new Random(1)));
            }

            Map<String, TensorData> back = Safetensors.read(Safetensors.write(tensors, null));

            // same element size does not tie: the reference compares its Dtype enum, e.g. BF16 > F16 > I16
            assertThat(back.keySet()).containsExactly("e", "c", "d", "j", "f", "g", "b", "B", "a", "k", "h", "i");
        }

        @Test
        void namesCompareByUtf8BytesNotUtf16Units() throws IOException {
            String fullwidth = "\uFF01";
            String emoji = "\uD83D\uDE00"; // U+1F600: sorts after U+FF01 in UTF-8, before it in UTF-16
            Map<String, TensorData> tensors = Map.of(emoji, f32(1), fullwidth, f32(2));

            assertThat(Safetensors.read(Safetensors.write(tensors, null)).keySet()).containsExactly(fullwidth, emoji);
        }

        @Test
        void namesAndMetadataAreEscapedAsSerdeJsonDoes() {
            String name = "q\"uote\\back\nnl\ttab\u0001ctl\u007fdel/é";
            byte[] bytes = Safetensors.write(Map.of(name, new TensorData("U8", new long[] {0}, new byte[0])),
                    Map.of("k\u001f", "v\b\f\r"));

            String header = header(bytes);
            assertThat(header).startsWith("{\"__metadata__\":{\"k\\u001f\":\"v\\b\\f\\r\"},"
                    + "\"q\\\"uote\\\\back\\nnl\\ttab\\u0001ctl\u007fdel/é\":{\"dtype\":\"U8\",\"shape\":[0],"
                    + "\"data_offsets\":[0,0]}}");
        }

        @Test
        void metadataIsWrittenFirstSortedAndOnlyWhenNonEmpty() {
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("z", "1");
            meta.put("a", "2");
            assertThat(header(Safetensors.write(Map.of("t", f32(1)), meta))).startsWith("{\"__metadata__\":{\"a\":\"2\",\"z\":\"1\"},\"t\":");
            assertThat(header(Safetensors.write(Map.of("t", f32(1)), Map.of()))).startsWith("{\"t\":");
        }

        @Test
        void aTensorsShapeCannotBeChangedFromOutside() {
            long[] shape = {2};
            TensorData t = TensorData.f32(shape, new float[] {1f, 2f});
            shape[0] = 3;
            t.shape()[0] = 5;

            assertThat(t.shape()).containsExactly(2);
            assertThat(header(Safetensors.write(Map.of("t", t), null))).contains("\"shape\":[2]");
        }

        @Test
        void headerIsPaddedWithSpacesToAMultipleOfEight() {
            for (int len = 1; len <= 16; len++) {
                byte[] bytes = Safetensors.write(Map.of("n".repeat(len), f32(1)), null);
                long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
                assertThat(n % 8).isZero();
                assertThat(header(bytes)).endsWith("}" + " ".repeat((int) (n - header(bytes).strip().length())));
            }
        }
    }

    @Nested
    class RoundTrip {
        @Test
        void everyCommonDtypeAndZeroElementAndScalarTensorsSurvive() throws IOException {
            Random rnd = new Random(7);
            Map<String, TensorData> tensors = new LinkedHashMap<>();
            tensors.put("f32", tensor("F32", new long[] {3, 2}, rnd));
            tensors.put("f16", tensor("F16", new long[] {5}, rnd));
            tensors.put("bf16", tensor("BF16", new long[] {2, 2, 2}, rnd));
            tensors.put("i64", tensor("I64", new long[] {4}, rnd));
            tensors.put("empty", tensor("F32", new long[] {0, 3}, rnd));
            tensors.put("empty16", tensor("BF16", new long[] {3, 0}, rnd));
            tensors.put("scalar", tensor("F64", new long[] {}, rnd));
            Map<String, String> meta = Map.of("format", "pt", "note", "ünïcode ✓");

            byte[] bytes = Safetensors.write(tensors, meta);

            assertThat(Safetensors.read(bytes)).isEqualTo(tensors);
            assertThat(Safetensors.readMetadata(bytes)).isEqualTo(meta);
            assertThat(header(bytes)).contains("\"empty\":{\"dtype\":\"F32\",\"shape\":[0,3],\"data_offsets\":[");
            long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
            assertThat(bytes.length - 8 - n).as("data bytes").isEqualTo(24 + 10 + 16 + 32 + 8);
        }

        @Test
        void randomTensorSetsRoundTripAndKeepTheReferenceLayout() throws IOException {
            Random rnd = new Random(20240607L);
            String alphabet = "ab.Z_9é中";
            for (int iteration = 0; iteration < 300; iteration++) {
                Map<String, TensorData> tensors = new LinkedHashMap<>();
                int count = rnd.nextInt(9);
                while (tensors.size() < count) {
                    StringBuilder name = new StringBuilder();
                    for (int i = 1 + rnd.nextInt(6); i > 0; i--) {
                        name.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
                    }
                    long[] shape = new long[rnd.nextInt(4)];
                    for (int d = 0; d < shape.length; d++) {
                        shape[d] = rnd.nextInt(10) == 0 ? 0 : 1 + rnd.nextInt(4);
                    }
                    String dtype = REFERENCE_ORDER.get(rnd.nextInt(REFERENCE_ORDER.size()));
                    tensors.put(name.toString(), tensor(dtype, shape, rnd));
                }
                Map<String, String> meta = rnd.nextBoolean() ? Map.of() : Map.of("format", "pt", "i", "" + iteration);

                byte[] bytes = Safetensors.write(tensors, meta);
                Map<String, TensorData> back = Safetensors.read(bytes);

                assertThat(back).as("iteration %d", iteration).isEqualTo(tensors);
                assertThat(Safetensors.readMetadata(bytes)).isEqualTo(meta);
                assertThat(Safetensors.write(back, meta)).as("rewriting is byte-identical").isEqualTo(bytes);
                List<String> order = new ArrayList<>(back.keySet());
                List<String> expected = new ArrayList<>(tensors.keySet());
                expected.sort((x, y) -> {
                    int byDtype = Integer.compare(REFERENCE_ORDER.indexOf(tensors.get(y).dtype()),
                            REFERENCE_ORDER.indexOf(tensors.get(x).dtype()));
                    return byDtype != 0 ? byDtype : Arrays.compareUnsigned(
                            x.getBytes(StandardCharsets.UTF_8), y.getBytes(StandardCharsets.UTF_8));
                });
                assertThat(order).as("iteration %d", iteration).isEqualTo(expected);
            }
        }

        @Test
        void fileWriteMatchesTheByteArrayAndLeavesNoTemporaryFiles(@TempDir Path dir) throws IOException {
            Map<String, TensorData> tensors = Map.of("a", tensor("BF16", new long[] {3, 5}, new Random(3)), "b", f32(4));
            Path file = dir.resolve("adapter_model.safetensors");

            Safetensors.write(file, tensors, Map.of("format", "pt"));

            assertThat(Files.readAllBytes(file)).isEqualTo(Safetensors.write(tensors, Map.of("format", "pt")));
            assertThat(Safetensors.read(file)).isEqualTo(tensors);
            assertThat(Safetensors.readMetadata(file)).containsExactly(Map.entry("format", "pt"));
            try (Stream<Path> files = Files.list(dir)) {
                assertThat(files).containsExactly(file);
            }
        }

        @Test
        void fileWriteReplacesAnExistingFileAndLeavesItAloneOnInvalidInput(@TempDir Path dir) throws IOException {
            Path file = dir.resolve("m.safetensors");
            Files.writeString(file, "old");

            Safetensors.write(file, Map.of("a", f32(1)), null);
            byte[] written = Files.readAllBytes(file);
            assertThatThrownBy(() -> Safetensors.write(file, Map.of("", f32(1)), null))
                    .isInstanceOf(IllegalArgumentException.class);

            assertThat(Safetensors.read(file)).containsOnlyKeys("a");
            assertThat(Files.readAllBytes(file)).isEqualTo(written);
            try (Stream<Path> files = Files.list(dir)) {
                assertThat(files).containsExactly(file);
            }
        }
    }

    @Nested
    class WriterRejects {
        @Test
        void emptyAndReservedNames() {
            assertThatThrownBy(() -> Safetensors.write(Map.of("", f32(1)), null))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("tensor names must be non-empty, got \"\"");
            assertThatThrownBy(() -> Safetensors.write(Map.of("__metadata__", f32(1)), null))
                    .hasMessage("tensor name '__metadata__' is reserved for the metadata map");
        }

        @Test
        void duplicateNames() {
            Map<String, TensorData> twice = new IdentityHashMap<>();
            twice.put(new String("w"), f32(1));
            twice.put(new String("w"), f32(2));

            assertThatThrownBy(() -> Safetensors.write(twice, null)).hasMessage("duplicate tensor name 'w'");
        }

        @Test
        void nullTensorsAndUnpairedSurrogates() {
            Map<String, TensorData> withNull = new LinkedHashMap<>();
            withNull.put("w", null);
            assertThatThrownBy(() -> Safetensors.write(withNull, null)).hasMessage("tensor 'w' is null");
            assertThatThrownBy(() -> Safetensors.write(Map.of("bad\uD800", f32(1)), null))
                    .hasMessageContaining("is not valid Unicode (unpaired surrogate)");
        }

        @Test
        @SuppressWarnings({"unchecked", "rawtypes"})
        void metadataThatIsNotStringToString() {
            Map<String, String> number = (Map) Map.of("epoch", 3);
            Map<String, String> nullValue = new LinkedHashMap<>();
            nullValue.put("format", null);

            assertThatThrownBy(() -> Safetensors.write(Map.of(), number))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("metadata value for 'epoch' must be a string, got Integer 3");
            assertThatThrownBy(() -> Safetensors.write(Map.of(), nullValue))
                    .hasMessage("metadata value for 'format' must be a string, got null");
        }
    }

    @Nested
    class ReaderRejects {
        @Test
        void fileShorterThanEightBytes() {
            assertRejected(new byte[7], "safetensors bytes: file is 7 bytes, shorter than the 8-byte header length prefix");
        }

        @Test
        void headerLengthAboveTheMaximum() {
            assertRejected(concat(u64(100_000_001L), ascii("{}")),
                    "safetensors bytes: header length 100000001 exceeds the maximum of 100000000 bytes");
            assertRejected(concat(u64(-1L), ascii("{}")),
                    "safetensors bytes: header length 18446744073709551615 exceeds the maximum of 100000000 bytes");
        }

        @Test
        void headerLengthBeyondEndOfFile() {
            assertRejected(concat(u64(64), ascii("{}      ")), "safetensors bytes: header length 64 runs past the end of "
                    + "the file (16 bytes, so at most 8 bytes of header)");
        }

        @Test
        void headerNotStartingWithBrace() {
            assertRejected(file("[]", 0), "safetensors bytes: header does not start with '{' (first byte 0x5b)");
            assertRejected(file(" {}", 0), "safetensors bytes: header does not start with '{' (first byte 0x20)");
            assertRejected(u64(0), "safetensors bytes: header does not start with '{' (it is empty)");
        }

        @Test
        void invalidUtf8() {
            byte[] header = concat(ascii("{\"a"), new byte[] {(byte) 0xc3, (byte) 0x28}, ascii("\":{}}"));
            assertRejected(concat(u64(header.length), header),
                    "safetensors bytes: header is not valid UTF-8 (malformed byte sequence at header byte 3)");
        }

        @Test
        void invalidJson() {
            assertThatThrownBy(() -> Safetensors.read(file("{\"x\":{\"dtype\":\"F32\",", 0)))
                    .isInstanceOf(SafetensorsFormatException.class)
                    .hasMessageStartingWith("safetensors bytes: header is not valid JSON at character");
            assertThatThrownBy(() -> Safetensors.read(file("{} garbage", 0)))
                    .hasMessageStartingWith("safetensors bytes: header is not valid JSON at character 3");
            assertRejected(file("{}{}", 0),
                    "safetensors bytes: unexpected content after the header's JSON object at character 2");
        }

        @Test
        void malformedTensorEntries() {
            assertRejected(file("{\"x\":[1]}", 0), "safetensors bytes: tensor 'x' must be an object "
                    + "{dtype, shape, data_offsets}, got an array");
            assertRejected(file("{\"x\":{\"dtype\":\"F32\",\"shape\":[0]}}", 0),
                    "safetensors bytes: tensor 'x': missing \"data_offsets\"");
            assertRejected(file("{\"x\":{\"dtype\":32,\"shape\":[0],\"data_offsets\":[0,0]}}", 0),
                    "safetensors bytes: tensor 'x': dtype must be a string, got the number 32");
            assertRejected(file("{\"x\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,0]}}", 0),
                    "safetensors bytes: tensor 'x': shape must hold non-negative integers (at most 2^63-1), got the number -1");
            assertRejected(file("{\"x\":{\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}}", 8),
                    "safetensors bytes: tensor 'x': shape must hold non-negative integers (at most 2^63-1), got the number 2.0");
            assertRejected(file("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", 8),
                    "safetensors bytes: tensor 'x': data_offsets must be [begin, end], got [0, 4, 8]");
            assertRejected(file("{\"x\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}}", 8),
                    "safetensors bytes: tensor 'x': data_offsets [8, 0] end before they begin");
            assertRejected(file("{\"x\":{\"dtype\":\"U8\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,0]}}", 0),
                    "safetensors bytes: tensor 'x': shape [4294967296, 4294967296] is too large");
        }

        @Test
        void unknownFieldsInATensorEntryAreIgnoredAsTheReferenceDoes() throws IOException {
            byte[] bytes = file("{\"x\":{\"dtype\":\"U8\",\"extra\":{\"a\":[1]},\"shape\":[1],\"data_offsets\":[0,1]}}", 1);
            assertThat(Safetensors.read(bytes)).containsOnlyKeys("x");
        }

        @Test
        void unknownDtype() {
            assertRejected(file("{\"x\":{\"dtype\":\"F33\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4),
                    "safetensors bytes: tensor 'x': unknown dtype 'F33'");
            assertRejected(file("{\"x\":{\"dtype\":\"F4\",\"shape\":[2],\"data_offsets\":[0,1]}}", 1),
                    "safetensors bytes: tensor 'x': dtype F4 (sub-byte) is not supported");
        }

        @Test
        void shapeAndOffsetsDisagree() {
            assertRejected(file("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4),
                    "safetensors bytes: tensor 'x': data_offsets [0, 4] span 4 bytes, but F32[2] needs 8");
        }

        @Test
        void holes() {
            assertRejected(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                    + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", 12),
                    "safetensors bytes: hole in the data buffer: tensor 'b' begins at byte 8, but the previous tensor "
                            + "'a' ends at byte 4 (4 bytes not covered)");
            assertRejected(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8),
                    "safetensors bytes: hole in the data buffer: tensor 'a' begins at byte 4, but no tensor covers the "
                            + "bytes before it (4 bytes not covered)");
        }

        @Test
        void overlaps() {
            assertRejected(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                    + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8),
                    "safetensors bytes: tensor 'b' (data_offsets [4, 8]) overlaps tensor 'a' (data_offsets [0, 8])");
            assertRejected(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                    + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8),
                    "safetensors bytes: tensor 'b' (data_offsets [0, 8]) overlaps tensor 'a' (data_offsets [0, 8])");
        }

        @Test
        void trailingBytesAfterTheLastTensor() {
            assertRejected(file("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 10),
                    "safetensors bytes: file not fully covered: the tensors end at byte 8 of the data buffer, "
                            + "which has 10 bytes (2 trailing bytes)");
            assertRejected(file("{}", 1), "safetensors bytes: file not fully covered: the tensors end at byte 0 of "
                    + "the data buffer, which has 1 bytes (1 trailing bytes)");
        }

        @Test
        void offsetsBeyondTheEndOfTheFile() {
            assertRejected(file("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 4),
                    "safetensors bytes: tensor 'x' (data_offsets [0, 8]) runs past the end of the file: the data "
                            + "buffer has only 4 bytes");
        }

        @Test
        void duplicateKeys() {
            String x = "{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}";
            assertRejected(file("{\"x\":" + x + ",\"y\":" + x + ",\"x\":" + x + "}", 0),
                    "safetensors bytes: duplicate key 'x' in the header");
            assertRejected(file("{\"__metadata__\":{},\"__metadata__\":{}}", 0),
                    "safetensors bytes: duplicate key '__metadata__' in the header");
            assertRejected(file("{\"__metadata__\":{\"f\":\"pt\",\"f\":\"tf\"}}", 0),
                    "safetensors bytes: duplicate key 'f' in __metadata__");
            assertRejected(file("{\"x\":{\"dtype\":\"F32\",\"dtype\":\"F16\",\"shape\":[0],\"data_offsets\":[0,0]}}", 0),
                    "safetensors bytes: tensor 'x': duplicate key 'dtype'");
        }

        @Test
        void metadataThatIsNotStringToString() {
            assertRejected(file("{\"__metadata__\":{\"format\":1}}", 0),
                    "safetensors bytes: __metadata__ value for 'format' must be a string, got the number 1");
            assertRejected(file("{\"__metadata__\":{\"format\":[\"pt\"]}}", 0),
                    "safetensors bytes: __metadata__ value for 'format' must be a string, got an array");
            assertRejected(file("{\"__metadata__\":\"pt\"}", 0),
                    "safetensors bytes: __metadata__ must be an object of strings, got the string \"pt\"");
        }

        @Test
        void nullMetadataAndUnpaddedHeadersAreAccepted() throws IOException {
            byte[] bytes = file("{\"__metadata__\":null,\"x\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[0,3]}}", 3);
            assertThat(Safetensors.readMetadata(bytes)).isEmpty();
            assertThat(Safetensors.read(bytes).get("x").data()).containsExactly(0, 0, 0);
        }

        @Test
        void filesAreCheckedLikeBytesAndNamedInTheMessage(@TempDir Path dir) throws IOException {
            Path file = dir.resolve("bad.safetensors");
            Files.write(file, file("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 9));
            Path tiny = dir.resolve("tiny.safetensors");
            Files.write(tiny, new byte[3]);

            assertThatThrownBy(() -> Safetensors.read(file)).isInstanceOf(SafetensorsFormatException.class)
                    .hasMessage(file + ": file not fully covered: the tensors end at byte 8 of the data buffer, "
                            + "which has 9 bytes (1 trailing bytes)");
            assertThatThrownBy(() -> Safetensors.readMetadata(file)).hasMessageContaining("file not fully covered");
            assertThatThrownBy(() -> Safetensors.read(tiny))
                    .hasMessage(tiny + ": file is 3 bytes, shorter than the 8-byte header length prefix");
        }

        private void assertRejected(byte[] bytes, String message) {
            assertThatThrownBy(() -> Safetensors.read(bytes))
                    .isInstanceOf(SafetensorsFormatException.class)
                    .hasMessage(message);
            assertThatThrownBy(() -> Safetensors.readMetadata(bytes)).hasMessage(message);
        }
    }

    @Nested
    class Checkpoints {
        @Test
        void singleFile(@TempDir Path dir) throws IOException {
            Safetensors.write(dir.resolve("model.safetensors"), Map.of("a", f32(1)), Map.of("format", "pt"));
            assertThat(Safetensors.readCheckpoint(dir)).containsOnlyKeys("a");
        }

        @Test
        void shardedWithAnIndex(@TempDir Path dir) throws IOException {
            Safetensors.write(dir.resolve("model-00002-of-00002.safetensors"), Map.of("lm_head.weight", f32(3)), null);
            Safetensors.write(dir.resolve("model-00001-of-00002.safetensors"),
                    Map.of("model.embed_tokens.weight", f32(2), "model.norm.weight", f32(1)), null);
            Files.writeString(dir.resolve("model.safetensors.index.json"), """
                    {"metadata": {"total_size": 24},
                     "weight_map": {"lm_head.weight": "model-00002-of-00002.safetensors",
                                    "model.norm.weight": "model-00001-of-00002.safetensors",
                                    "model.embed_tokens.weight": "model-00001-of-00002.safetensors"}}""");

            Map<String, TensorData> all = Safetensors.readCheckpoint(dir);

            assertThat(all.keySet()).containsExactly("model.embed_tokens.weight", "model.norm.weight", "lm_head.weight");
            assertThat(all.get("lm_head.weight")).isEqualTo(f32(3));
        }

        @Test
        void missingShard(@TempDir Path dir) throws IOException {
            Safetensors.write(dir.resolve("s1.safetensors"), Map.of("a", f32(1)), null);
            index(dir, "{\"a\":\"s1.safetensors\",\"b\":\"s2.safetensors\"}");

            assertThatThrownBy(() -> Safetensors.readCheckpoint(dir))
                    .isInstanceOf(NoSuchFileException.class)
                    .hasMessage(dir.resolve("s2.safetensors") + ": shard listed in model.safetensors.index.json for "
                            + "1 tensor(s), first 'b', does not exist");
        }

        @Test
        void tensorListedButAbsentFromItsShard(@TempDir Path dir) throws IOException {
            Safetensors.write(dir.resolve("s1.safetensors"), Map.of("a", f32(1)), null);
            index(dir, "{\"a\":\"s1.safetensors\",\"b\":\"s1.safetensors\"}");

            assertThatThrownBy(() -> Safetensors.readCheckpoint(dir))
                    .isInstanceOf(SafetensorsFormatException.class)
                    .hasMessage(dir.resolve("model.safetensors.index.json") + ": tensor 'b' is mapped to shard "
                            + "'s1.safetensors', but that shard does not contain it");
        }

        @Test
        void tensorInAShardButNotMappedToIt(@TempDir Path dir) throws IOException {
            Safetensors.write(dir.resolve("s1.safetensors"), Map.of("a", f32(1), "extra", f32(1)), null);
            Safetensors.write(dir.resolve("s2.safetensors"), Map.of("b", f32(1), "a", f32(1)), null);
            index(dir, "{\"a\":\"s1.safetensors\",\"b\":\"s2.safetensors\"}");

            assertThatThrownBy(() -> Safetensors.readCheckpoint(dir))
                    .hasMessage(dir.resolve("s1.safetensors") + ": tensor 'extra' is not mapped to this shard by "
                            + "model.safetensors.index.json (the index does not list it)");
            index(dir, "{\"a\":\"s1.safetensors\",\"b\":\"s2.safetensors\",\"extra\":\"s1.safetensors\"}");
            assertThatThrownBy(() -> Safetensors.readCheckpoint(dir))
                    .hasMessage(dir.resolve("s2.safetensors") + ": tensor 'a' is not mapped to this shard by "
                            + "model.safetensors.index.json (the index maps it to 's1.safetensors')");
        }

        @Test
        void malformedIndexes(@TempDir Path dir) throws IOException {
            index(dir, "{\"a\":\"../s1.safetensors\"}");
            assertThatThrownBy(() -> Safetensors.readCheckpoint(dir)).isInstanceOf(SafetensorsFormatException.class)
                    .hasMessageEndingWith("tensor 'a' must map to a shard file name in the same directory, got \"../s1.safetensors\"");
            index(dir, "{\"a\":\"s1.safetensors\",\"a\":\"s2.safetensors\"}");
            assertThatThrownBy(() -> Safetensors.readCheckpoint(dir)).isInstanceOf(SafetensorsFormatException.class)
                    .hasMessageContaining("not valid JSON").hasMessageContaining("'a'");
            Files.writeString(dir.resolve("model.safetensors.index.json"), "{\"metadata\":{}}");
            assertThatThrownBy(() -> Safetensors.readCheckpoint(dir))
                    .hasMessageEndingWith("\"weight_map\" must be an object of tensor name to shard file, got null");
        }

        @Test
        void emptyDirectory(@TempDir Path dir) {
            assertThatThrownBy(() -> Safetensors.readCheckpoint(dir))
                    .isInstanceOf(NoSuchFileException.class)
                    .hasMessage(dir + ": neither model.safetensors nor model.safetensors.index.json is in this directory");
        }

        private void index(Path dir, String weightMap) throws IOException {
            Files.writeString(dir.resolve("model.safetensors.index.json"),
                    "{\"metadata\":{\"total_size\":8},\"weight_map\":" + weightMap + "}");
        }
    }

    // ---------------------------------------------------------------------------------------------- helpers

    static TensorData f32(float value) {
        return TensorData.f32(new long[] {1}, new float[] {value});
    }

    static TensorData tensor(String dtype, long[] shape, Random rnd) {
        byte[] data = new byte[Math.toIntExact(TensorData.numel(shape) * TensorData.elementSize(dtype))];
        rnd.nextBytes(data);
        return new TensorData(dtype, shape, data);
    }

    private static byte[] filled(int length, int seed) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** A file with an unpadded header and {@code dataBytes} zero bytes of data. */
    private static byte[] file(String header, int dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return concat(u64(h.length), h, new byte[dataBytes]);
    }

    private static String header(byte[] file) {
        long n = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return new String(file, 8, (int) n, StandardCharsets.UTF_8);
    }

    private static byte[] u64(long n) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(n).array();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] concat(byte[]... parts) {
        ByteBuffer b = ByteBuffer.allocate(Arrays.stream(parts).mapToInt(p -> p.length).sum());
        for (byte[] p : parts) {
            b.put(p);
        }
        return b.array();
    }
}
