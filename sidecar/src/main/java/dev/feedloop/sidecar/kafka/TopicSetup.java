package dev.feedloop.sidecar.kafka;

import dev.feedloop.sidecar.config.FeedloopConfig.TopicsConfig;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates Feedloop's topics if they are missing and checks the ones that exist: every topic gets
 * {@code topics.partitions} partitions except the adapters topic, which gets one partition (so all
 * versions of an adapter stay in order) and {@code cleanup.policy=compact} (so the latest status of
 * every version is kept forever). An existing adapters topic that is not compacted stops startup.
 */
public final class TopicSetup {
    private static final Logger LOG = LoggerFactory.getLogger(TopicSetup.class);
    private static final long TIMEOUT_S = 30;

    private TopicSetup() {}

    /** What {@link #ensure} did. */
    public record Result(List<String> created, List<String> existing) {}

    /**
     * Ensures the topics exist with the right layout.
     *
     * @throws TopicSetupException if a topic cannot be created or an existing adapters topic is not compacted
     */
    public static Result ensure(Admin admin, TopicsConfig topics) {
        try {
            Set<String> present = admin.listTopics().names().get(TIMEOUT_S, TimeUnit.SECONDS);
            List<String> created = new ArrayList<>();
            List<String> existing = new ArrayList<>();
            List<NewTopic> toCreate = new ArrayList<>();
            for (String name : topics.all()) {
                if (present.contains(name)) {
                    existing.add(name);
                } else {
                    toCreate.add(newTopic(name, topics));
                }
            }
            if (!toCreate.isEmpty()) {
                if (!topics.create()) {
                    throw new TopicSetupException("topics " + names(toCreate) + " do not exist and topics.create is false; "
                            + "create them (the adapters topic with cleanup.policy=compact) or set topics.create=true");
                }
                CreateTopicsResult result = admin.createTopics(toCreate);
                for (Map.Entry<String, KafkaFuture<Void>> e : result.values().entrySet()) {
                    try {
                        e.getValue().get(TIMEOUT_S, TimeUnit.SECONDS);
                        created.add(e.getKey());
                    } catch (ExecutionException ex) {
                        if (ex.getCause() instanceof TopicExistsException) {
                            existing.add(e.getKey()); // another instance created it first
                        } else {
                            throw new TopicSetupException("cannot create topic " + e.getKey() + ": " + ex.getCause().getMessage(), ex);
                        }
                    }
                }
            }
            requireCompacted(admin, topics.adapters(), !created.contains(topics.adapters()));
            if (!created.isEmpty()) {
                LOG.info("created topics {}", created);
            }
            return new Result(List.copyOf(created), List.copyOf(existing));
        } catch (ExecutionException e) {
            throw new TopicSetupException("cannot set up topics: " + e.getCause().getMessage(), e);
        } catch (TimeoutException e) {
            throw new TopicSetupException("cannot set up topics: Kafka did not answer within " + TIMEOUT_S + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TopicSetupException("interrupted while setting up topics", e);
        }
    }

    private static NewTopic newTopic(String name, TopicsConfig topics) {
        boolean adapters = name.equals(topics.adapters());
        Optional<Integer> partitions = Optional.of(adapters ? 1 : topics.partitions());
        Optional<Short> rf = topics.replicationFactor() < 0 ? Optional.empty() : Optional.of((short) topics.replicationFactor());
        NewTopic t = new NewTopic(name, partitions, rf);
        if (adapters) {
            t.configs(Map.of(
                    TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                    TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG, "60000"));
        }
        return t;
    }

    private static void requireCompacted(Admin admin, String topic, boolean checkPartitions)
            throws ExecutionException, InterruptedException, TimeoutException {
        ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        Config c = retryWhileUnknown(() -> admin.describeConfigs(List.of(r)).all().get(TIMEOUT_S, TimeUnit.SECONDS).get(r));
        ConfigEntry policy = c.get(TopicConfig.CLEANUP_POLICY_CONFIG);
        if (policy == null || !policy.value().contains(TopicConfig.CLEANUP_POLICY_COMPACT)
                || policy.value().contains(TopicConfig.CLEANUP_POLICY_DELETE)) {
            throw new TopicSetupException("topic " + topic + " must have cleanup.policy=compact (it has "
                    + (policy == null ? "none" : policy.value()) + "): adapter versions would be deleted by retention");
        }
        if (!checkPartitions) {
            return; // created just now, with one partition
        }
        int partitions = retryWhileUnknown(() -> admin.describeTopics(List.of(topic)).allTopicNames()
                .get(TIMEOUT_S, TimeUnit.SECONDS).get(topic).partitions().size());
        if (partitions != 1) {
            LOG.warn("topic {} has {} partitions; with more than one, releases of different versions of an adapter "
                    + "can be read out of order", topic, partitions);
        }
    }

    private interface AdminCall<T> {
        T call() throws ExecutionException, InterruptedException, TimeoutException;
    }

    /** A topic created a moment ago may not be in every metadata cache yet: retry for a few seconds. */
    private static <T> T retryWhileUnknown(AdminCall<T> call) throws ExecutionException, InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try {
                return call.call();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    private static List<String> names(Collection<NewTopic> topics) {
        return topics.stream().map(NewTopic::name).toList();
    }
}
