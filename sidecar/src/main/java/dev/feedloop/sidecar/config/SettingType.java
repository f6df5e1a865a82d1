package dev.feedloop.sidecar.config;

import dev.feedloop.contracts.spi.PluginContext;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * How a setting's raw value (a string from YAML, the environment or the command line; a list from a
 * YAML sequence) is parsed, and what is allowed, in words, for error messages and the docs.
 *
 * @param <T> the parsed type
 */
abstract class SettingType<T> {
    private final String allowed;

    SettingType(String allowed) {
        this.allowed = allowed;
    }

    /** What is allowed, e.g. {@code an integer from 1 to 65535}. */
    final String allowed() {
        return allowed;
    }

    /** Parses a raw value; throws {@link IllegalArgumentException} (any message) when not allowed. */
    abstract T parse(Object raw);

    /** Renders a parsed value back to its config form. */
    String render(T value) {
        return String.valueOf(value);
    }

    static String scalar(Object raw) {
        if (raw instanceof List<?>) {
            throw new IllegalArgumentException("a list is not allowed here");
        }
        return String.valueOf(raw).trim();
    }

    static SettingType<Integer> integer(int min, int max) {
        return new SettingType<>("an integer from " + min + " to " + max) {
            @Override
            Integer parse(Object raw) {
                int v = Integer.parseInt(scalar(raw));
                if (v < min || v > max) {
                    throw new IllegalArgumentException("out of range");
                }
                return v;
            }
        };
    }

    static SettingType<Integer> port(boolean zeroMeansAny) {
        return zeroMeansAny ? integer(0, 65535) : integer(1, 65535);
    }

    static SettingType<Boolean> bool() {
        return new SettingType<>("true or false") {
            @Override
            Boolean parse(Object raw) {
                String s = scalar(raw).toLowerCase(Locale.ROOT);
                return switch (s) {
                    case "true" -> true;
                    case "false" -> false;
                    default -> throw new IllegalArgumentException("not a boolean");
                };
            }
        };
    }

    static SettingType<String> string(String allowed, Pattern pattern) {
        return new SettingType<>(allowed) {
            @Override
            String parse(Object raw) {
                String s = scalar(raw);
                if (!pattern.matcher(s).matches()) {
                    throw new IllegalArgumentException("does not match");
                }
                return s;
            }
        };
    }

    /** Any string, including empty. */
    static SettingType<String> anyString() {
        return string("any text", Pattern.compile("(?s).*"));
    }

    static SettingType<URI> httpUrl() {
        return new SettingType<>("an http:// or https:// URL with a host, e.g. http://127.0.0.1:8001") {
            @Override
            URI parse(Object raw) {
                try {
                    URI u = new URI(scalar(raw));
                    String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
                    if (!(scheme.equals("http") || scheme.equals("https")) || u.getHost() == null) {
                        throw new IllegalArgumentException("not an http URL");
                    }
                    return u;
                } catch (URISyntaxException e) {
                    throw new IllegalArgumentException(e.getMessage(), e);
                }
            }
        };
    }

    static SettingType<Duration> duration() {
        return new SettingType<>("a duration such as 250ms, 30s, 10m, 1h or PT30S") {
            @Override
            Duration parse(Object raw) {
                Duration d = PluginContext.parseDuration(scalar(raw));
                if (d == null || d.isNegative()) {
                    throw new IllegalArgumentException("not a duration");
                }
                return d;
            }

            @Override
            String render(Duration value) {
                long ms = value.toMillis();
                return ms % 1000 != 0 ? ms + "ms" : ms % 60_000 != 0 ? ms / 1000 + "s" : ms / 60_000 + "m";
            }
        };
    }

    static SettingType<Long> bytes(long min, long max) {
        return new SettingType<>("a size from " + min + " bytes to " + max + " bytes, e.g. 1048576, 512KiB, 64MiB or 1GiB") {
            @Override
            Long parse(Object raw) {
                String s = scalar(raw);
                long factor = 1;
                for (String[] unit : new String[][] {{"KiB", "1024"}, {"MiB", "1048576"}, {"GiB", "1073741824"}, {"B", "1"}}) {
                    if (s.endsWith(unit[0])) {
                        factor = Long.parseLong(unit[1]);
                        s = s.substring(0, s.length() - unit[0].length()).trim();
                        break;
                    }
                }
                long v = Math.multiplyExact(Long.parseLong(s), factor);
                if (v < min || v > max) {
                    throw new IllegalArgumentException("out of range");
                }
                return v;
            }
        };
    }

    static SettingType<Double> fraction() {
        return new SettingType<>("a number from 0 to 1") {
            @Override
            Double parse(Object raw) {
                double v = Double.parseDouble(scalar(raw));
                if (!(v >= 0 && v <= 1)) {
                    throw new IllegalArgumentException("out of range");
                }
                return v;
            }
        };
    }

    static SettingType<Path> path() {
        return new SettingType<>("a file system path") {
            @Override
            Path parse(Object raw) {
                String s = scalar(raw);
                if (s.isEmpty()) {
                    throw new IllegalArgumentException("empty");
                }
                try {
                    return Path.of(s);
                } catch (InvalidPathException e) {
                    throw new IllegalArgumentException(e.getMessage(), e);
                }
            }
        };
    }

    /** A list: a YAML sequence, or a comma-separated string (from the environment or --set). */
    static SettingType<List<String>> list(String allowedItem, Pattern item) {
        return new SettingType<>("a list (YAML sequence or comma-separated) of " + allowedItem) {
            @Override
            List<String> parse(Object raw) {
                List<String> items = new ArrayList<>();
                if (raw instanceof List<?> l) {
                    l.forEach(x -> items.add(String.valueOf(x).trim()));
                } else {
                    String s = String.valueOf(raw).trim();
                    if (!s.isEmpty()) {
                        for (String part : s.split(",")) {
                            items.add(part.trim());
                        }
                    }
                }
                for (String i : items) {
                    if (!item.matcher(i).matches()) {
                        throw new IllegalArgumentException("bad item '" + i + "'");
                    }
                }
                return List.copyOf(items);
            }

            @Override
            String render(List<String> value) {
                return String.join(",", value);
            }
        };
    }
}
