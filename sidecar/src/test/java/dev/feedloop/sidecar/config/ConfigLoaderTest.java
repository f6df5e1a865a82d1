package dev.feedloop.sidecar.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    private Path yaml(String text) throws IOException {
        Path f = dir.resolve("feedloop.yaml");
        Files.writeString(f, text);
        return f;
    }

    private static LoadedConfig load(Path file, Map<String, String> env, String... sets) {
        return ConfigLoader.load(file, env, List.of(sets));
    }

    @Test
    void defaultsApplyWhenNothingIsSet() {
        FeedloopConfig c = load(null, Map.of()).config();
        assertThat(c.tap().port()).isEqualTo(8000);
        assertThat(c.tap().upstream()).isEqualTo(URI.create("http://127.0.0.1:8001"));
        assertThat(c.kafka().bootstrapServers()).isEmpty();
        assertThat(c.topics().all()).containsExactly("feedloop.inference.v1", "feedloop.feedback.v1",
                "feedloop.preferences.v1", "feedloop.adapters.v1", "feedloop.deadletter.v1");
        assertThat(c.topics().partitions()).isEqualTo(3);
        assertThat(c.topics().replicationFactor()).isEqualTo(-1);
        assertThat(c.plugins().enabled()).isEmpty();
    }

    @Test
    void nestedAndDottedYamlMeanTheSame() throws IOException {
        FeedloopConfig nested = load(yaml("tap:\n  port: 9000\ntopics:\n  feedback: fb\n"), Map.of()).config();
        FeedloopConfig dotted = load(yaml("tap.port: 9000\ntopics.feedback: fb\n"), Map.of()).config();
        assertThat(nested).isEqualTo(dotted);
        assertThat(nested.tap().port()).isEqualTo(9000);
        assertThat(nested.topics().feedback()).isEqualTo("fb");
    }

    @Test
    void environmentOverridesFileAndSetOverridesEnvironment() throws IOException {
        Path f = yaml("tap:\n  port: 9000\nmanagement:\n  port: 9100\n");
        Map<String, String> env = Map.of("FEEDLOOP_TAP_PORT", "9001", "FEEDLOOP_MANAGEMENT_PORT", "9101");
        LoadedConfig loaded = load(f, env, "tap.port=9002");
        assertThat(loaded.config().tap().port()).isEqualTo(9002);
        assertThat(loaded.config().management().port()).isEqualTo(9101);
        assertThat(loaded.entries()).contains(new LoadedConfig.Entry("tap.port", "9002", "--set", false),
                new LoadedConfig.Entry("management.port", "9101", "FEEDLOOP_MANAGEMENT_PORT", false));
    }

    @Test
    void hyphenatedKeysMapFromEnvironment() {
        FeedloopConfig c = load(null, Map.of("FEEDLOOP_TOPICS_REPLICATION_FACTOR", "3", "FEEDLOOP_BROKER_DATA_DIR", "/data/k"))
                .config();
        assertThat(c.topics().replicationFactor()).isEqualTo(3);
        assertThat(c.broker().dataDir()).isEqualTo(Path.of("/data/k"));
    }

    @Test
    void badValueNamesKeyValueSourceAndWhatIsAllowed() throws IOException {
        assertThatThrownBy(() -> load(yaml("tap:\n  port: eighty\n"), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessage("tap.port = 'eighty' (from " + dir.resolve("feedloop.yaml") + "): must be an integer from 0 to 65535");
        assertThatThrownBy(() -> load(null, Map.of("FEEDLOOP_TAP_PORT", "70000")))
                .hasMessage("tap.port = '70000' (from FEEDLOOP_TAP_PORT): must be an integer from 0 to 65535");
        assertThatThrownBy(() -> load(null, Map.of(), "tap.upstream=ftp://x"))
                .hasMessageStartingWith("tap.upstream = 'ftp://x' (from --set): must be an http:// or https:// URL");
        assertThatThrownBy(() -> load(null, Map.of(), "topics.create=maybe"))
                .hasMessage("topics.create = 'maybe' (from --set): must be true or false");
        assertThatThrownBy(() -> load(null, Map.of(), "topics.inference=bad topic"))
                .hasMessageContaining("must be a Kafka topic name");
        assertThatThrownBy(() -> load(null, Map.of(), "plugins.enabled=vllm,Bad_Name"))
                .hasMessageContaining("plugins.enabled = 'vllm,Bad_Name' (from --set): must be a list");
    }

    @Test
    void unknownKeyIsAnErrorWithASuggestion() throws IOException {
        assertThatThrownBy(() -> load(yaml("tap:\n  prot: 8000\n"), Map.of()))
                .hasMessage("unknown config key 'tap.prot' (from " + dir.resolve("feedloop.yaml") + "); did you mean 'tap.port'?");
        assertThatThrownBy(() -> load(null, Map.of("FEEDLOOP_TAP_PROT", "1")))
                .hasMessageStartingWith("environment variable FEEDLOOP_TAP_PROT does not name a config key; did you mean 'FEEDLOOP_TAP_PORT'?");
    }

    @Test
    void reservedEnvironmentVariablesAreNotConfig() {
        FeedloopConfig c = load(null, Map.of("FEEDLOOP_CONFIG", "/x.yaml", "FEEDLOOP_JAVA_OPTS", "-Xmx1g", "PATH", "/bin")).config();
        assertThat(c).isEqualTo(ConfigLoader.defaults());
    }

    @Test
    void yamlSyntaxErrorsGiveTheLine() throws IOException {
        assertThatThrownBy(() -> load(yaml("tap:\n  port: 80\n bad indent: [\n"), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("is not valid YAML at line 3");
        assertThatThrownBy(() -> load(yaml("- a\n- b\n"), Map.of()))
                .hasMessageContaining("must be a YAML mapping of keys to values, not a list");
        assertThatThrownBy(() -> load(dir.resolve("missing.yaml"), Map.of()))
                .hasMessage("config file " + dir.resolve("missing.yaml") + " does not exist");
    }

    @Test
    void emptyFileMeansDefaults() throws IOException {
        assertThat(load(yaml(""), Map.of()).config()).isEqualTo(ConfigLoader.defaults());
        assertThat(load(yaml("tap:\n  port:\n"), Map.of()).config().tap().port()).isEqualTo(8000);
    }

    @Test
    void kafkaSettingsPassThroughByScope() throws IOException {
        Path f = yaml("""
                kafka:
                  bootstrap.servers: "b1:9093,b2:9093"
                  security.protocol: SASL_SSL
                  sasl.mechanism: SCRAM-SHA-512
                  sasl.jaas.config: 'org.apache.kafka.common.security.scram.ScramLoginModule required username="u" password="p";'
                  producer:
                    linger.ms: 20
                  consumer.max.poll.records: 1000
                """);
        FeedloopConfig.KafkaConfig k = load(f, Map.of("FEEDLOOP_KAFKA_SSL_TRUSTSTORE_LOCATION", "/etc/ts.p12")).config().kafka();
        assertThat(k.bootstrapServers()).contains("b1:9093,b2:9093");
        assertThat(k.common()).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .containsEntry("ssl.truststore.location", "/etc/ts.p12").containsKey("sasl.jaas.config");
        assertThat(k.producer()).containsExactly(Map.entry("linger.ms", "20"));
        assertThat(k.consumer()).containsExactly(Map.entry("max.poll.records", "1000"));
    }

    @Test
    void unknownKafkaSettingIsAnErrorWithASuggestion() {
        assertThatThrownBy(() -> load(null, Map.of(), "kafka.sasl.mechansim=PLAIN"))
                .hasMessage("unknown Kafka client setting 'kafka.sasl.mechansim' (from --set); did you mean 'kafka.sasl.mechanism'?");
        assertThatThrownBy(() -> load(null, Map.of(), "kafka.producer.max.poll.records=5"))
                .hasMessageStartingWith("unknown Kafka producer setting 'kafka.producer.max.poll.records'");
    }

    @Test
    void badKafkaValueIsReportedByTheKafkaClientDefinition() {
        assertThatThrownBy(() -> load(null, Map.of(), "kafka.producer.linger.ms=soon"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("invalid Kafka client setting")
                .hasMessageContaining("linger.ms");
        assertThatThrownBy(() -> load(null, Map.of(), "kafka.security.protocol=CARRIER_PIGEON"))
                .hasMessageContaining("security.protocol");
    }

    @Test
    void secretsAreRedactedWhenPrinted() throws IOException {
        Path f = yaml("""
                kafka:
                  sasl.jaas.config: 'PlainLoginModule required username="u" password="hunter2";'
                  ssl.keystore.password: hunter3
                plugins:
                  enabled: [openai-judge]
                  openai-judge:
                    url: http://judge:8000/v1
                    api-key: sk-live-123
                """);
        String printed = load(f, Map.of()).render();
        assertThat(printed).doesNotContain("hunter2", "hunter3", "sk-live-123")
                .contains("kafka.sasl.jaas.config: \"[redacted]\"", "kafka.ssl.keystore.password: \"[redacted]\"",
                        "plugins.openai-judge.api-key: \"[redacted]\"", "plugins.openai-judge.url: \"http://judge:8000/v1\"",
                        "tap.port: \"8000\"  # default");
    }

    @Test
    void printedConfigLoadsBackToTheSameConfig() throws IOException {
        LoadedConfig first = load(yaml("tap:\n  port: 9000\nplugins:\n  enabled: [a, b]\n"), Map.of(), "kafka.linger.ms=7");
        Path printed = dir.resolve("printed.yaml");
        Files.writeString(printed, first.render());
        assertThat(load(printed, Map.of()).config()).isEqualTo(first.config());
    }

    @Test
    void pluginSettingsArePassedByPluginName() {
        FeedloopConfig c = load(null, Map.of("FEEDLOOP_PLUGINS_ENABLED", "openai-judge,vllm",
                "FEEDLOOP_PLUGINS_OPENAI_JUDGE_API_KEY", "k", "FEEDLOOP_PLUGINS_VLLM_URL", "http://x")).config();
        assertThat(c.plugins().enabled()).containsExactly("openai-judge", "vllm");
        assertThat(c.plugins().settingsOf("openai-judge")).containsExactly(Map.entry("api-key", "k"));
        assertThat(c.plugins().settingsOf("vllm")).containsExactly(Map.entry("url", "http://x"));
        assertThatThrownBy(() -> load(null, Map.of("FEEDLOOP_PLUGINS_OTHER_URL", "http://x")))
                .hasMessageStartingWith("environment variable FEEDLOOP_PLUGINS_OTHER_URL does not name a config key");
    }

    @Test
    void pluginEnvironmentSettingsFollowPluginsEnabledFromSet() {
        FeedloopConfig c = load(null, Map.of("FEEDLOOP_PLUGINS_OPENAI_JUDGE_URL", "http://judge"), "plugins.enabled=openai-judge")
                .config();
        assertThat(c.plugins().settingsOf("openai-judge")).containsExactly(Map.entry("url", "http://judge"));
    }

    @Test
    void envNamesOfKnownKeysAreUnique() {
        assertThat(ConfigSchema.ALL.stream().map(Setting::envName).distinct().count()).isEqualTo(ConfigSchema.ALL.size());
        assertThat(ConfigLoader.keyForEnv("FEEDLOOP_KAFKA_BOOTSTRAP_SERVERS", List.of())).isEqualTo(Optional.of("kafka.bootstrap.servers"));
    }

    @Test
    void topicsMustBeDistinct() {
        assertThatThrownBy(() -> load(null, Map.of(), "topics.feedback=feedloop.inference.v1"))
                .hasMessageStartingWith("topics.* must name five different topics");
    }

    @Test
    void bootstrapServersAreChecked() {
        assertThatThrownBy(() -> load(null, Map.of(), "kafka.bootstrap.servers=localhost"))
                .hasMessageContaining("kafka.bootstrap.servers = 'localhost' (from --set): must be host:port");
    }
}
