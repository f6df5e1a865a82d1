package dev.feedloop.lorax;

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
 * What LoRAX needs of a local adapter ({@code adapter_source: local}): a directory with
 * {@code adapter_config.json} and {@code adapter_model.safetensors}, and a config a LoRA server can serve.
 * Blocking file I/O: call it on the plugin's blocking executor. Stateless and thread-safe.
 */
final class AdapterChecks {
    static final String SAFETENSORS = "adapter_model.safetensors";

    private AdapterChecks() {}

    /**
     * Checks an adapter directory.
     *
     * @param dir the adapter directory
     * @param maxRank the largest rank accepted
     * @return the config
     * @throws BackendException {@code REJECTED} listing every reason
     */
    static AdapterConfig check(Path dir, int maxRank) {
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
        if (!Files.isRegularFile(dir.resolve(SAFETENSORS))) {
            reasons.add("there is no " + SAFETENSORS);
        }
        if (!reasons.isEmpty()) {
            throw new BackendException(Reason.REJECTED, "LoRAX would refuse the adapter in " + dir + ": "
                    + String.join("; ", reasons));
        }
        return config;
    }
}
