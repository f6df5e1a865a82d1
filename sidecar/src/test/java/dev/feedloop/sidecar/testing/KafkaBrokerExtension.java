package dev.feedloop.sidecar.testing;

import dev.feedloop.sidecar.embedded.EmbeddedKafka;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/** Starts one embedded broker per test JVM, on free ports in a temporary directory, and stops it at the end. */
public final class KafkaBrokerExtension implements ParameterResolver {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(KafkaBrokerExtension.class);

    private record Holder(EmbeddedKafka kafka) implements AutoCloseable {
        @Override
        public void close() {
            kafka.close();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext c) {
        return p.getParameter().getType() == EmbeddedKafka.class;
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext c) {
        return c.getRoot().getStore(NS).getOrComputeIfAbsent("broker", k -> {
            try {
                return new Holder(EmbeddedKafka.start(EmbeddedKafka.Settings.ephemeral(Files.createTempDirectory("feedloop-it-kafka"))));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, Holder.class).kafka();
    }
}
