package dev.feedloop.adapterstore;

import dev.feedloop.contracts.codec.JsonStrings;
import dev.feedloop.contracts.event.AdapterRelease.AdapterFile;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The {@code feedloop-manifest.json} written into every published version, for people and tools that look at
 * the root. Fetch never reads it: the release is the authority on what a version holds.
 *
 * <pre>{@code
 * {
 *   "name": "assistant",
 *   "version": 3,
 *   "files": [
 *     {"path": "adapter_config.json", "size": 412, "sha256": "9f86d0…"},
 *     {"path": "adapter_model.safetensors", "size": 6832152, "sha256": "2c26b4…"}
 *   ]
 * }
 * }</pre>
 *
 * <p>UTF-8, two-space indentation, one file per line, files sorted by path, a final newline. The manifest does
 * not list itself.
 */
final class Manifest {
    private Manifest() {}

    /**
     * The manifest's bytes.
     *
     * @param files sorted by path
     */
    static byte[] toJson(String name, int version, List<AdapterFile> files) {
        StringBuilder sb = new StringBuilder(128 + 128 * files.size());
        sb.append("{\n  \"name\": ");
        JsonStrings.appendQuoted(sb, name, true);
        sb.append(",\n  \"version\": ").append(version).append(",\n  \"files\": [");
        for (int i = 0; i < files.size(); i++) {
            AdapterFile f = files.get(i);
            sb.append(i == 0 ? "\n    {\"path\": " : ",\n    {\"path\": ");
            JsonStrings.appendQuoted(sb, f.path(), true);
            sb.append(", \"size\": ").append(f.size()).append(", \"sha256\": ");
            JsonStrings.appendQuoted(sb, f.sha256(), true);
            sb.append('}');
        }
        sb.append(files.isEmpty() ? "]\n}\n" : "\n  ]\n}\n");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }
}
