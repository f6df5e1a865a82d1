package dev.feedloop.djl.safetensors;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.feedloop.contracts.codec.JsonStrings;
import dev.feedloop.contracts.io.DurableFiles;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads and writes the <a href="https://github.com/huggingface/safetensors">safetensors</a> format.
 *
 * <p>A file is {@code N} (u64, little-endian), then an {@code N}-byte UTF-8 JSON header, then the data buffer.
 * The header maps each tensor name to {@code {"dtype":..,"shape":[..],"data_offsets":[begin,end]}}, offsets
 * relative to the data buffer with {@code end} exclusive, plus an optional {@code "__metadata__"} map of strings.
 *
 * <p><b>Writing</b> reproduces the reference writer ({@code safetensors} 0.8, {@code tensor.rs prepare}) byte for
 * byte: tensors are ordered by dtype, descending in the reference's {@code Dtype} order (which is ascending
 * element size, so wide dtypes come first), then by name (UTF-8 byte order); offsets are assigned in that order;
 * the header is compact JSON with {@code __metadata__} first (only when non-empty) and then the tensors in offset
 * order; the header is padded with spaces to a multiple of 8. Zero-element tensors take no data bytes.
 *
 * <p><b>Reading</b> is strict: anything the reference reader rejects, and a few things it lets through (duplicate
 * keys, a header that does not start with <code>'{'</code>), fail with a {@link SafetensorsFormatException} whose
 * message names the source, the problem and the tensor. Tensors come back in header order.
 *
 * <p>This class is stateless; every method is safe to call from any thread.
 */
public final class Safetensors {
    /** Largest header the reference reader accepts, in bytes. */
    public static final long MAX_HEADER_SIZE = 100_000_000L;
    /** The header key of the string-to-string metadata map. */
    public static final String METADATA_KEY = "__metadata__";
    /** A single-file checkpoint in a model directory. */
    public static final String SINGLE_FILE = "model.safetensors";
    /** The index of a sharded checkpoint in a model directory. */
    public static final String INDEX_FILE = "model.safetensors.index.json";

    /** The reference {@code Dtype} enum order (ascending); the writer sorts by it, descending. */
    private static final List<String> DTYPE_ORDER = List.of(
            "BOOL", "F4", "F6_E2M3", "F6_E3M2", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0", "F8_E4M3FNUZ",
            "F8_E5M2FNUZ", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "C64", "F64", "I64", "U64");
    private static final Set<String> SUB_BYTE_DTYPES = Set.of("F4", "F6_E2M3", "F6_E3M2");
    private static final int MAX_ARRAY = Integer.MAX_VALUE - 8;

    private static final JsonFactory HEADER_JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNameLength((int) MAX_HEADER_SIZE)
                    .maxStringLength((int) MAX_HEADER_SIZE)
                    .build())
            .build();
    private static final ObjectMapper INDEX_JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private Safetensors() {
    }

    // ---------------------------------------------------------------------------------------------- writing

    /**
     * Serializes tensors to the bytes of a safetensors file, laid out exactly as the reference writer does.
     *
     * @param tensors tensors by name; names must be non-empty, distinct and not {@code __metadata__}
     * @param metadata string-to-string metadata, or {@code null}/empty for none; written sorted by key (the
     *     reference writes a hash map, so only files with at most one metadata entry are comparable byte for byte)
     * @return the complete file
     * @throws IllegalArgumentException if a name or a metadata entry is invalid, the header would exceed
     *     {@link #MAX_HEADER_SIZE}, or the file would not fit in a byte array
     */
    public static byte[] write(Map<String, TensorData> tensors, Map<String, String> metadata) {
        Layout layout = layout(tensors, metadata);
        long total = 8L + layout.header().length + layout.dataLength();
        if (total > MAX_ARRAY) {
            throw new IllegalArgumentException("the file would be " + total
                    + " bytes, more than a byte array holds; write it to a file instead");
        }
        ByteBuffer out = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(layout.header().length);
        out.put(layout.header());
        for (Named t : layout.ordered()) {
            out.put(t.tensor().data());
        }
        return out.array();
    }

    /**
     * Writes a safetensors file atomically: the bytes go to a temporary file in the same directory, which is
     * fsynced and then renamed over {@code file}. Readers see the old file or the new one, never a partial one.
     * The layout is the one {@link #write(Map, Map)} produces, streamed, so the file may exceed 2 GiB.
     *
     * @param file the target; its directory must exist; an existing file is replaced
     * @param tensors tensors by name, as for {@link #write(Map, Map)}
     * @param metadata string-to-string metadata, or {@code null}/empty for none
     * @throws IllegalArgumentException as for {@link #write(Map, Map)}, before anything touches the disk
     * @throws IOException if writing fails; {@code file} then keeps its previous content
     */
    public static void write(Path file, Map<String, TensorData> tensors, Map<String, String> metadata)
            throws IOException {
        Layout layout = layout(tensors, metadata);
        DurableFiles.writeAtomically(file, out -> {
            byte[] prefix = new byte[8];
            ByteBuffer.wrap(prefix).order(ByteOrder.LITTLE_ENDIAN).putLong(layout.header().length);
            out.write(prefix);
            out.write(layout.header());
            for (Named t : layout.ordered()) {
                out.write(t.tensor().data());
            }
        });
    }

    private record Named(String name, byte[] utf8, TensorData tensor) {
    }

    private record Layout(byte[] header, List<Named> ordered, long dataLength) {
    }

    private static Layout layout(Map<String, TensorData> tensors, Map<String, String> metadata) {
        Objects.requireNonNull(tensors, "tensors");
        List<Named> ordered = new ArrayList<>(tensors.size());
        Set<String> names = new HashSet<>();
        for (Map.Entry<String, TensorData> e : tensors.entrySet()) {
            String name = e.getKey();
            if (name == null || name.isEmpty()) {
                throw new IllegalArgumentException(
                        "tensor names must be non-empty, got " + (name == null ? "null" : "\"\""));
            }
            if (name.equals(METADATA_KEY)) {
                throw new IllegalArgumentException(
                        "tensor name '" + METADATA_KEY + "' is reserved for the metadata map");
            }
            if (!names.add(name)) {
                throw new IllegalArgumentException("duplicate tensor name '" + name + "'");
            }
            if (e.getValue() == null) {
                throw new IllegalArgumentException("tensor '" + name + "' is null");
            }
            ordered.add(new Named(name, utf8(name, "tensor name"), e.getValue()));
        }
        Comparator<Named> byDtypeDescending =
                Comparator.comparingInt((Named t) -> dtypeRank(t.tensor().dtype())).reversed();
        ordered.sort(byDtypeDescending.thenComparing(Named::utf8, Arrays::compareUnsigned));

        StringBuilder json = new StringBuilder(64 + 96 * ordered.size()).append('{');
        Map<String, String> meta = checkMetadata(metadata);
        if (!meta.isEmpty()) {
            appendJsonString(json, METADATA_KEY).append(":{");
            boolean first = true;
            for (Map.Entry<String, String> e : meta.entrySet()) {
                if (!first) {
                    json.append(',');
                }
                first = false;
                appendJsonString(json, e.getKey()).append(':');
                appendJsonString(json, e.getValue());
            }
            json.append('}');
        }
        long offset = 0;
        for (Named t : ordered) {
            if (json.length() > 1) {
                json.append(',');
            }
            appendJsonString(json, t.name()).append(":{\"dtype\":");
            appendJsonString(json, t.tensor().dtype()).append(",\"shape\":[");
            long[] shape = t.tensor().shape();
            for (int i = 0; i < shape.length; i++) {
                json.append(i == 0 ? "" : ",").append(shape[i]);
            }
            long end = offset + t.tensor().data().length;
            json.append("],\"data_offsets\":[").append(offset).append(',').append(end).append("]}");
            offset = end;
        }
        json.append('}');
        byte[] raw = utf8(json.toString(), "header");
        int padded = (raw.length + 7) / 8 * 8;
        if (padded > MAX_HEADER_SIZE) {
            throw new IllegalArgumentException("the header would be " + padded + " bytes, more than the "
                    + MAX_HEADER_SIZE + " a reader accepts");
        }
        byte[] header = Arrays.copyOf(raw, padded);
        Arrays.fill(header, raw.length, padded, (byte) ' ');
        return new Layout(header, ordered, offset);
    }

    private static Map<String, String> checkMetadata(Map<String, String> metadata) {
        Map<String, String> sorted = new TreeMap<>(Comparator.comparing((String k) -> utf8(k, "metadata key"),
                Arrays::compareUnsigned));
        if (metadata == null) {
            return sorted;
        }
        // Entries are read as Object: a raw or unchecked map may smuggle in non-strings, which must not reach the file.
        for (Map.Entry<?, ?> e : metadata.entrySet()) {
            if (!(e.getKey() instanceof String key)) {
                throw new IllegalArgumentException("metadata keys must be strings, got " + describe(e.getKey()));
            }
            if (!(e.getValue() instanceof String value)) {
                throw new IllegalArgumentException("metadata value for '" + key + "' must be a string, got "
                        + describe(e.getValue()));
            }
            utf8(value, "metadata value for '" + key + "'");
            sorted.put(key, value);
        }
        return sorted;
    }

    private static String describe(Object o) {
        return o == null ? "null" : o.getClass().getSimpleName() + " " + o;
    }

    private static int dtypeRank(String dtype) {
        int rank = DTYPE_ORDER.indexOf(dtype);
        if (rank < 0) {
            throw new IllegalArgumentException("unknown safetensors dtype '" + dtype + "'");
        }
        return rank;
    }

    private static byte[] utf8(String s, String what) {
        try {
            ByteBuffer b = StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(s));
            return Arrays.copyOf(b.array(), b.limit());
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(what + " '" + s + "' is not valid Unicode (unpaired surrogate)", e);
        }
    }

    /** Appends a JSON string escaped exactly as serde_json does: short escapes, else lower-case unicode escapes. */
    private static StringBuilder appendJsonString(StringBuilder sb, String s) {
        return JsonStrings.appendQuoted(sb, s, false);
    }

    // ---------------------------------------------------------------------------------------------- reading

    /**
     * Reads every tensor of a safetensors file. The file is read with positional reads, so it may exceed 2 GiB;
     * each tensor must fit in a byte array.
     *
     * @return tensors in header order (a {@link LinkedHashMap}; for files written by the reference writer or by
     *     this class that is also data order)
     * @throws SafetensorsFormatException if the file is malformed; the message names the problem and the tensor
     * @throws IOException if the file cannot be read
     */
    public static Map<String, TensorData> read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            String source = file.toString();
            Parsed parsed = parse(ch, source);
            Map<String, TensorData> out = new LinkedHashMap<>();
            for (Entry e : parsed.header().entries()) {
                long length = e.end() - e.begin();
                if (length > MAX_ARRAY) {
                    throw new SafetensorsFormatException(source + ": tensor '" + e.name() + "' is " + length
                            + " bytes, more than a Java byte array holds");
                }
                ByteBuffer data = ByteBuffer.allocate((int) length);
                readFully(ch, data, parsed.dataStart() + e.begin(), source);
                out.put(e.name(), new TensorData(e.dtype(), e.shape(), data.array()));
            }
            return out;
        }
    }

    /**
     * Reads every tensor of an in-memory safetensors file.
     *
     * @return tensors in header order (a {@link LinkedHashMap})
     * @throws SafetensorsFormatException if the bytes are malformed; the message names the problem and the tensor
     */
    public static Map<String, TensorData> read(byte[] file) throws SafetensorsFormatException {
        String source = "safetensors bytes";
        Parsed parsed = parse(file, source);
        Map<String, TensorData> out = new LinkedHashMap<>();
        for (Entry e : parsed.header().entries()) {
            int from = Math.toIntExact(parsed.dataStart() + e.begin());
            int to = Math.toIntExact(parsed.dataStart() + e.end());
            out.put(e.name(), new TensorData(e.dtype(), e.shape(), Arrays.copyOfRange(file, from, to)));
        }
        return out;
    }

    /**
     * Reads the {@code __metadata__} map of a safetensors file. Only the header is read, but it is validated in
     * full against the file size, exactly as {@link #read(Path)} does.
     *
     * @return the metadata in header order, empty if the file has none (unmodifiable)
     * @throws SafetensorsFormatException if the file is malformed
     * @throws IOException if the file cannot be read
     */
    public static Map<String, String> readMetadata(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return Collections.unmodifiableMap(parse(ch, file.toString()).header().metadata());
        }
    }

    /**
     * Reads the {@code __metadata__} map of an in-memory safetensors file, validating the whole header.
     *
     * @return the metadata in header order, empty if there is none (unmodifiable)
     * @throws SafetensorsFormatException if the bytes are malformed
     */
    public static Map<String, String> readMetadata(byte[] file) throws SafetensorsFormatException {
        return Collections.unmodifiableMap(parse(file, "safetensors bytes").header().metadata());
    }

    /**
     * Reads a Hugging Face checkpoint directory: {@code model.safetensors} if present, otherwise
     * {@code model.safetensors.index.json} ({@code {"metadata":{...},"weight_map":{name: shard}}}) and every
     * shard it names. Every tensor the index lists must be in its shard, and every tensor of a shard must be
     * listed for that shard. {@code metadata.total_size} is not checked (writers compute it inconsistently).
     *
     * <p>Everything is loaded onto the heap; this is meant for small models and tests.
     *
     * @param modelDir the model directory
     * @return all tensors: shards in file-name order, each in header order
     * @throws NoSuchFileException if neither file exists, or a shard the index names is missing
     * @throws SafetensorsFormatException if the index or a shard is malformed or they disagree
     * @throws IOException if a file cannot be read
     */
    public static Map<String, TensorData> readCheckpoint(Path modelDir) throws IOException {
        Path single = modelDir.resolve(SINGLE_FILE);
        if (Files.isRegularFile(single)) {
            return read(single);
        }
        Path index = modelDir.resolve(INDEX_FILE);
        if (!Files.isRegularFile(index)) {
            throw new NoSuchFileException(modelDir.toString(), null,
                    "neither " + SINGLE_FILE + " nor " + INDEX_FILE + " is in this directory");
        }
        Map<String, String> weightMap = readIndex(index);
        Map<String, List<String>> byShard = new TreeMap<>();
        weightMap.forEach((name, shard) -> byShard.computeIfAbsent(shard, k -> new ArrayList<>()).add(name));
        Map<String, TensorData> out = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> shard : byShard.entrySet()) {
            Path shardFile = modelDir.resolve(shard.getKey());
            List<String> listed = shard.getValue();
            if (!Files.isRegularFile(shardFile)) {
                throw new NoSuchFileException(shardFile.toString(), null, "shard listed in " + INDEX_FILE + " for "
                        + listed.size() + " tensor(s), first '" + listed.get(0) + "', does not exist");
            }
            Map<String, TensorData> tensors = read(shardFile);
            for (String name : listed) {
                if (!tensors.containsKey(name)) {
                    throw new SafetensorsFormatException(index + ": tensor '" + name + "' is mapped to shard '"
                            + shard.getKey() + "', but that shard does not contain it");
                }
            }
            for (Map.Entry<String, TensorData> t : tensors.entrySet()) {
                String mapped = weightMap.get(t.getKey());
                if (!shard.getKey().equals(mapped)) {
                    String why = mapped == null ? "the index does not list it" : "the index maps it to '" + mapped + "'";
                    throw new SafetensorsFormatException(shardFile + ": tensor '" + t.getKey()
                            + "' is not mapped to this shard by " + INDEX_FILE + " (" + why + ")");
                }
                out.put(t.getKey(), t.getValue());
            }
        }
        return out;
    }

    /** Parses the index's weight_map: tensor name to shard file name, in index order. */
    private static Map<String, String> readIndex(Path index) throws IOException {
        JsonNode root;
        try {
            root = INDEX_JSON.readTree(Files.readAllBytes(index));
        } catch (JsonProcessingException e) {
            throw new SafetensorsFormatException(index + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
        JsonNode weightMap = root == null ? null : root.get("weight_map");
        if (weightMap == null || !weightMap.isObject()) {
            throw new SafetensorsFormatException(index
                    + ": \"weight_map\" must be an object of tensor name to shard file, got " + weightMap);
        }
        if (weightMap.isEmpty()) {
            throw new SafetensorsFormatException(index + ": \"weight_map\" is empty");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : weightMap.properties()) {
            JsonNode shard = e.getValue();
            if (!shard.isTextual() || !isPlainFileName(shard.asText())) {
                throw new SafetensorsFormatException(index + ": tensor '" + e.getKey()
                        + "' must map to a shard file name in the same directory, got " + shard);
            }
            out.put(e.getKey(), shard.asText());
        }
        return out;
    }

    private static boolean isPlainFileName(String s) {
        return !s.isEmpty() && !s.equals(".") && !s.equals("..") && s.indexOf('/') < 0 && s.indexOf('\\') < 0
                && s.indexOf('\0') < 0;
    }

    // ---------------------------------------------------------------------------------------------- parsing

    private record Entry(String name, String dtype, long[] shape, long begin, long end) {
    }

    private record Header(Map<String, String> metadata, List<Entry> entries) {
    }

    private record Parsed(Header header, long dataStart) {
    }

    private static Parsed parse(byte[] file, String source) throws SafetensorsFormatException {
        long n = headerLength(file, file.length, source);
        byte[] header = Arrays.copyOfRange(file, 8, 8 + (int) n);
        return new Parsed(parseHeader(header, file.length - 8 - n, source), 8 + n);
    }

    private static Parsed parse(FileChannel ch, String source) throws IOException {
        long size = ch.size();
        ByteBuffer prefix = ByteBuffer.allocate((int) Math.min(8, size));
        readFully(ch, prefix, 0, source);
        long n = headerLength(prefix.array(), size, source);
        ByteBuffer header = ByteBuffer.allocate((int) n);
        readFully(ch, header, 8, source);
        return new Parsed(parseHeader(header.array(), size - 8 - n, source), 8 + n);
    }

    private static void readFully(FileChannel ch, ByteBuffer dst, long position, String source) throws IOException {
        long pos = position;
        while (dst.hasRemaining()) {
            int r = ch.read(dst, pos);
            if (r < 0) {
                throw new EOFException(source + ": file ended at byte " + pos + " while reading (was it truncated?)");
            }
            pos += r;
        }
    }

    private static long headerLength(byte[] prefix, long fileSize, String source) throws SafetensorsFormatException {
        if (fileSize < 8) {
            throw new SafetensorsFormatException(source + ": file is " + fileSize
                    + " bytes, shorter than the 8-byte header length prefix");
        }
        long n = ByteBuffer.wrap(prefix, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (n < 0 || n > MAX_HEADER_SIZE) {
            throw new SafetensorsFormatException(source + ": header length " + Long.toUnsignedString(n)
                    + " exceeds the maximum of " + MAX_HEADER_SIZE + " bytes");
        }
        if (n > fileSize - 8) {
            throw new SafetensorsFormatException(source + ": header length " + n + " runs past the end of the file ("
                    + fileSize + " bytes, so at most " + (fileSize - 8) + " bytes of header)");
        }
        return n;
    }

    private static Header parseHeader(byte[] header, long dataLength, String source) throws SafetensorsFormatException {
        if (header.length == 0 || header[0] != '{') {
            throw new SafetensorsFormatException(source + ": header does not start with '{'"
                    + (header.length == 0 ? " (it is empty)"
                            : String.format(" (first byte 0x%02x)", header[0] & 0xff)));
        }
        String text = decodeUtf8(header, source);
        Header parsed;
        try (JsonParser p = HEADER_JSON.createParser(text)) {
            parsed = walkHeader(p, source);
        } catch (JsonProcessingException e) {
            throw new SafetensorsFormatException(source + ": header is not valid JSON at character "
                    + e.getLocation().getCharOffset() + ": " + e.getOriginalMessage(), e);
        } catch (SafetensorsFormatException e) {
            throw e;
        } catch (IOException e) {
            throw new SafetensorsFormatException(source + ": header cannot be parsed: " + e.getMessage(), e);
        }
        validateLayout(parsed.entries(), dataLength, source);
        return parsed;
    }

    private static String decodeUtf8(byte[] bytes, String source) throws SafetensorsFormatException {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult result = decoder.decode(in, out, true);
        if (!result.isError()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            throw new SafetensorsFormatException(source
                    + ": header is not valid UTF-8 (malformed byte sequence at header byte " + in.position() + ")");
        }
        return out.flip().toString();
    }

    private static Header walkHeader(JsonParser p, String source) throws IOException {
        if (p.nextToken() != JsonToken.START_OBJECT) {
            throw new SafetensorsFormatException(source + ": header is not a JSON object");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        Set<String> keys = new HashSet<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            if (!keys.add(key)) {
                throw new SafetensorsFormatException(source + ": duplicate key '" + key + "' in the header");
            }
            JsonToken value = p.nextToken();
            if (key.equals(METADATA_KEY)) {
                walkMetadata(p, value, metadata, source);
            } else {
                entries.add(walkTensor(p, value, key, source));
            }
        }
        if (p.nextToken() != null) {
            throw new SafetensorsFormatException(source + ": unexpected content after the header's JSON object"
                    + " at character " + p.currentTokenLocation().getCharOffset());
        }
        return new Header(metadata, entries);
    }

    private static void walkMetadata(JsonParser p, JsonToken value, Map<String, String> out, String source)
            throws IOException {
        if (value == JsonToken.VALUE_NULL) {
            return;
        }
        if (value != JsonToken.START_OBJECT) {
            throw new SafetensorsFormatException(source + ": " + METADATA_KEY + " must be an object of strings, got "
                    + describe(p, value));
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            if (out.containsKey(key)) {
                throw new SafetensorsFormatException(source + ": duplicate key '" + key + "' in " + METADATA_KEY);
            }
            JsonToken v = p.nextToken();
            if (v != JsonToken.VALUE_STRING) {
                throw new SafetensorsFormatException(source + ": " + METADATA_KEY + " value for '" + key
                        + "' must be a string, got " + describe(p, v));
            }
            out.put(key, p.getText());
        }
    }

    private static Entry walkTensor(JsonParser p, JsonToken value, String name, String source) throws IOException {
        String where = source + ": tensor '" + name + "'";
        if (value != JsonToken.START_OBJECT) {
            throw new SafetensorsFormatException(where + " must be an object {dtype, shape, data_offsets}, got "
                    + describe(p, value));
        }
        String dtype = null;
        long[] shape = null;
        long[] offsets = null;
        Set<String> fields = new HashSet<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            if (!fields.add(field)) {
                throw new SafetensorsFormatException(where + ": duplicate key '" + field + "'");
            }
            JsonToken v = p.nextToken();
            switch (field) {
                case "dtype" -> {
                    if (v != JsonToken.VALUE_STRING) {
                        throw new SafetensorsFormatException(where + ": dtype must be a string, got " + describe(p, v));
                    }
                    dtype = p.getText();
                }
                case "shape" -> shape = walkNaturals(p, v, where, "shape");
                case "data_offsets" -> {
                    offsets = walkNaturals(p, v, where, "data_offsets");
                    if (offsets.length != 2) {
                        throw new SafetensorsFormatException(where + ": data_offsets must be [begin, end], got "
                                + Arrays.toString(offsets));
                    }
                }
                default -> p.skipChildren(); // unknown fields are ignored, as the reference reader does
            }
        }
        require(dtype, "dtype", where);
        require(shape, "shape", where);
        require(offsets, "data_offsets", where);
        return new Entry(name, dtype, shape, offsets[0], offsets[1]);
    }

    private static void require(Object value, String field, String where) throws SafetensorsFormatException {
        if (value == null) {
            throw new SafetensorsFormatException(where + ": missing \"" + field + "\"");
        }
    }

    private static long[] walkNaturals(JsonParser p, JsonToken value, String where, String field) throws IOException {
        if (value != JsonToken.START_ARRAY) {
            throw new SafetensorsFormatException(where + ": " + field
                    + " must be an array of non-negative integers, got " + describe(p, value));
        }
        List<Long> values = new ArrayList<>();
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
            if (t != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                    || p.getLongValue() < 0) {
                throw new SafetensorsFormatException(where + ": " + field
                        + " must hold non-negative integers (at most 2^63-1), got " + describe(p, t));
            }
            values.add(p.getLongValue());
        }
        return values.stream().mapToLong(Long::longValue).toArray();
    }

    private static String describe(JsonParser p, JsonToken t) throws IOException {
        return switch (t) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "the string \"" + p.getText() + "\"";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "the number " + p.getText();
            case VALUE_TRUE, VALUE_FALSE -> "the boolean " + p.getText();
            case VALUE_NULL -> "null";
            default -> String.valueOf(t);
        };
    }

    private static void validateLayout(List<Entry> entries, long dataLength, String source)
            throws SafetensorsFormatException {
        for (Entry e : entries) {
            String where = source + ": tensor '" + e.name() + "'";
            if (SUB_BYTE_DTYPES.contains(e.dtype())) {
                throw new SafetensorsFormatException(where + ": dtype " + e.dtype() + " (sub-byte) is not supported");
            }
            if (!DTYPE_ORDER.contains(e.dtype())) {
                throw new SafetensorsFormatException(where + ": unknown dtype '" + e.dtype() + "'");
            }
            long bytes;
            try {
                bytes = Math.multiplyExact(TensorData.numel(e.shape()), TensorData.elementSize(e.dtype()));
            } catch (ArithmeticException overflow) {
                throw new SafetensorsFormatException(where + ": shape " + Arrays.toString(e.shape()) + " is too large");
            }
            if (e.end() < e.begin()) {
                throw new SafetensorsFormatException(where + ": data_offsets " + offsets(e) + " end before they begin");
            }
            if (e.end() - e.begin() != bytes) {
                throw new SafetensorsFormatException(where + ": data_offsets " + offsets(e) + " span "
                        + (e.end() - e.begin()) + " bytes, but " + e.dtype() + Arrays.toString(e.shape()) + " needs "
                        + bytes);
            }
        }
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long covered = 0;
        Entry previous = null;
        for (Entry e : sorted) {
            if (e.begin() > covered) {
                throw new SafetensorsFormatException(source + ": hole in the data buffer: tensor '" + e.name()
                        + "' begins at byte " + e.begin() + ", but "
                        + (previous == null ? "no tensor covers the bytes before it"
                                : "the previous tensor '" + previous.name() + "' ends at byte " + covered)
                        + " (" + (e.begin() - covered) + " bytes not covered)");
            }
            if (e.begin() < covered) {
                throw new SafetensorsFormatException(source + ": tensor '" + e.name() + "' (data_offsets " + offsets(e)
                        + ") overlaps tensor '" + previous.name() + "' (data_offsets " + offsets(previous) + ")");
            }
            if (e.end() > dataLength) {
                throw new SafetensorsFormatException(source + ": tensor '" + e.name() + "' (data_offsets " + offsets(e)
                        + ") runs past the end of the file: the data buffer has only " + dataLength + " bytes");
            }
            covered = e.end();
            previous = e;
        }
        if (covered != dataLength) {
            throw new SafetensorsFormatException(source + ": file not fully covered: the tensors end at byte " + covered
                    + " of the data buffer, which has " + dataLength + " bytes (" + (dataLength - covered)
                    + " trailing bytes)");
        }
    }

    private static String offsets(Entry e) {
        return "[" + e.begin() + ", " + e.end() + "]";
    }
}
