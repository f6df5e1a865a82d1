package dev.feedloop.sglang;

import dev.feedloop.contracts.peft.AdapterConfig;
import dev.feedloop.contracts.spi.ServingBackend.BackendException;
import dev.feedloop.contracts.spi.ServingBackend.BackendException.Reason;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The servability check run before an adapter is sent to the server. Blocking file I/O: call it on the plugin's
 * blocking executor. Stateless and thread-safe.
 */
final class AdapterChecks {
    private AdapterChecks() {}

    /**
     * Checks that a directory is an adapter the server would accept: an {@code adapter_config.json} that
     * parses and passes {@link AdapterConfig#validateForServing}, and a weights file.
     *
     * @param stack the server's name, for messages
     * @param dir the adapter directory
     * @param maxRank the server's {@code --max-lora-rank}
     * @return the config
     * @throws BackendException {@code REJECTED} listing every reason
     */
    static AdapterConfig checkServable(String stack, Path dir, int maxRank) {
        AdapterConfig config;
        try {
            config = AdapterConfig.read(dir);
        } catch (NoSuchFileException e) {
            throw new BackendException(Reason.REJECTED, dir + " is not a PEFT adapter directory: no "
                    + AdapterConfig.FILE_NAME, e);
        } catch (IOException e) {
            throw new BackendException(Reason.REJECTED, "cannot read the adapter config in " + dir + ": "
                    + e.getMessage(), e);
        }
        List<String> reasons = new ArrayList<>(config.validateForServing(maxRank));
        if (!Files.isRegularFile(dir.resolve("adapter_model.safetensors"))
                && !Files.isRegularFile(dir.resolve("adapter_model.bin"))) {
            reasons.add("there is no adapter_model.safetensors (or adapter_model.bin)");
        }
        if (!reasons.isEmpty()) {
            throw new BackendException(Reason.REJECTED, stack + " would refuse the adapter in " + dir + ": "
                    + String.join("; ", reasons));
        }
        return config;
    }
}
