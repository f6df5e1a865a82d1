package dev.feedloop.sidecar.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine;

/** Versions baked into the jar at build time. */
final class VersionInfo implements CommandLine.IVersionProvider {
    private static final Properties PROPS = new Properties();

    static {
        try (InputStream in = VersionInfo.class.getResourceAsStream("/META-INF/feedloop/version.properties")) {
            if (in != null) {
                PROPS.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String version() {
        return PROPS.getProperty("version", "unknown");
    }

    static String kafka() {
        return PROPS.getProperty("kafka", "unknown");
    }

    static String vertx() {
        return PROPS.getProperty("vertx", "unknown");
    }

    @Override
    public String[] getVersion() {
        return new String[] {"feedloop " + version() + " (Kafka " + kafka() + ", Vert.x " + vertx() + ", Java "
                + System.getProperty("java.version") + ")"};
    }
}
