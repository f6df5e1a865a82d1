package dev.feedloop.sidecar.config;

import java.util.Locale;

/**
 * One documented config key.
 *
 * @param key dotted lower-case key, e.g. {@code tap.port}
 * @param type parser and allowed values
 * @param defaultValue the value when nothing sets it; null means "unset"
 * @param description one sentence for the docs
 * @param secret whether the value is redacted when config is printed
 * @param <T> the parsed type
 */
record Setting<T>(String key, SettingType<T> type, T defaultValue, String description, boolean secret) {

    /** The environment variable that overrides this key: {@code tap.port} → {@code FEEDLOOP_TAP_PORT}. */
    String envName() {
        return envName(key);
    }

    static String envName(String key) {
        return ConfigSchema.ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** The default as it would be written in a config file. */
    String renderedDefault() {
        return defaultValue == null ? "" : type.render(defaultValue);
    }
}
