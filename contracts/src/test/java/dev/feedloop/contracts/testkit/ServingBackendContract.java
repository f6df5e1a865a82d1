package dev.feedloop.contracts.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.contracts.event.Message;
import dev.feedloop.contracts.event.Prompt;
import dev.feedloop.contracts.spi.ServingBackend;
import dev.feedloop.contracts.spi.ServingBackend.Adapter;
import dev.feedloop.contracts.spi.ServingBackend.BackendException;
import dev.feedloop.contracts.spi.ServingBackend.Sample;
import dev.feedloop.contracts.spi.ServingBackend.SampleRequest;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link ServingBackend} must have: sampling returns {@code n} samples in index
 * order with consistent token ids and log-probs; adapters can be activated (idempotently), served,
 * listed and retired; and sampling from, or retiring, an adapter the engine does not have fails with
 * {@link BackendException.Reason#NOT_FOUND}.
 *
 * <p>A plugin module depends on the {@code feedloop-contracts} test-jar and extends this class in a
 * {@code *ContractTest} class (usually an {@code *IT}-style test that starts the engine or a faithful
 * fake of its HTTP API). Each test that activates the adapter {@value #ADAPTER} retires it again, so
 * the backend may be shared between tests:
 *
 * <pre>{@code
 * class VllmBackendContractTest extends ServingBackendContract {
 *     @Override
 *     protected ServingBackend backend() {
 *         return new VllmBackendProvider().create(PluginContext.of("vllm", Map.of("url", engine.url())));
 *     }
 *
 *     @Override
 *     protected String baseModel() {
 *         return "tiny-llama";
 *     }
 *
 *     @Override
 *     protected Path validAdapterDirectory() {
 *         return Path.of("src/test/resources/adapters/tiny-llama-r8");
 *     }
 * }
 * }</pre>
 */
public abstract class ServingBackendContract {
    /** The served name the contract activates its adapter under. */
    protected static final String ADAPTER = "contract-v1";

    private ServingBackend subject;

    /**
     * A new backend under test. Called once before each test; the contract closes it after the test.
     *
     * @return the backend, connected to a running engine or a fake of it
     */
    protected abstract ServingBackend backend();

    /**
     * The base model the engine serves.
     *
     * @return the model name as the engine knows it
     */
    protected abstract String baseModel();

    /**
     * A PEFT adapter directory ({@code adapter_config.json}, {@code adapter_model.safetensors}) that
     * applies to {@link #baseModel()} and that the engine accepts.
     *
     * @return the directory, as the engine can see it
     */
    protected abstract Path validAdapterDirectory();

    @BeforeEach
    final void createBackend() {
        subject = backend();
        assertThat(subject).as("backend()").isNotNull();
    }

    @AfterEach
    final void closeBackend() {
        if (subject != null) {
            subject.close();
        }
    }

    @Test
    void sampleReturnsNSamplesInIndexOrder() throws Exception {
        List<Sample> samples = Stages.result(subject.sample(request(baseModel(), 2)));

        assertThat(samples).as("samples for n=2").hasSize(2);
        assertThat(samples).extracting(Sample::index).containsExactly(0, 1);
    }

    @Test
    void tokenIdsAndLogprobsAreConsistent() throws Exception {
        List<Sample> samples = Stages.result(subject.sample(request(baseModel(), 2)));

        for (Sample s : samples) {
            if (s.logprobs() != null && s.tokenIds() != null) {
                assertThat(s.logprobs()).as("logprobs of sample %d", s.index()).hasSameSizeAs(s.tokenIds());
            }
            if (s.logprobs() != null) {
                assertThat(s.logprobs()).as("logprobs of sample %d", s.index())
                        .allSatisfy(lp -> assertThat(lp).isLessThanOrEqualTo(0.0));
            }
        }
    }

    @Test
    void activatedAdapterIsListedAndServes() throws Exception {
        Adapter adapter = new Adapter(ADAPTER, validAdapterDirectory(), baseModel());
        Stages.result(subject.activate(adapter));
        try {
            assertThat(Stages.result(subject.loadedAdapters())).contains(ADAPTER);

            Stages.result(subject.activate(adapter));
            assertThat(Stages.result(subject.loadedAdapters())).as("after activating twice").contains(ADAPTER);

            List<Sample> samples = Stages.result(subject.sample(request(ADAPTER, 1)));
            assertThat(samples).as("samples from the adapter").hasSize(1);
            assertThat(samples.get(0).index()).isZero();
        } finally {
            Stages.result(subject.retire(ADAPTER));
        }
    }

    @Test
    void retiredAdapterIsNoLongerListed() throws Exception {
        Stages.result(subject.activate(new Adapter(ADAPTER, validAdapterDirectory(), baseModel())));

        Stages.result(subject.retire(ADAPTER));

        assertThat(Stages.result(subject.loadedAdapters())).doesNotContain(ADAPTER);
    }

    @Test
    void samplingAModelTheEngineDoesNotServeFailsWithNotFound() throws Exception {
        BackendException e = Stages.failure(subject.sample(request("contract-never-loaded-v9", 1)),
                BackendException.class);

        assertThat(e.reason()).as("reason of %s", e).isEqualTo(BackendException.Reason.NOT_FOUND);
    }

    @Test
    void retiringAnUnknownAdapterFailsWithNotFound() throws Exception {
        BackendException e = Stages.failure(subject.retire("contract-never-loaded-v9"), BackendException.class);

        assertThat(e.reason()).as("reason of %s", e).isEqualTo(BackendException.Reason.NOT_FOUND);
    }

    private static SampleRequest request(String model, int n) {
        Prompt prompt = Prompt.chat(List.of(Message.of(Message.Role.USER, "Name a prime number above 10.")));
        return new SampleRequest(model, prompt, n, 8, 0.7, 1.0, 42L, true);
    }
}
