package dev.feedloop.sidecar.serve;

import dev.feedloop.contracts.peft.AdapterConfig;
import dev.feedloop.djl.PolicyEngine;
import dev.feedloop.djl.model.Generator;
import dev.feedloop.djl.model.LoraAdapter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine behind {@code feedloop serve}: the policy model, the resident LoRA adapters, and the
 * generation workers.
 *
 * <p><b>Design.</b> HTTP handlers never generate: they {@link #submit} a {@link Job} to a bounded queue
 * (a full queue is an immediate refusal, answered 503). Each worker thread takes a job, adds whatever
 * else is waiting (up to {@code maxBatch} sequences, any mix of adapters) and generates the batch
 * together; tokens are reported to each job's {@link JobSink} as they are produced.
 *
 * <p><b>Adapters</b> are reference-counted: a request holds its adapter from admission to completion,
 * so unloading an adapter that requests still use only removes its name; its memory is freed when the
 * last such request finishes.
 */
public final class ServingEngine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ServingEngine.class);

    private final PolicyEngine engine;
    private final ServeOptions options;
    private final Generator generator;
    private final Map<String, Resident> adapters = new LinkedHashMap<>();
    private final BlockingQueue<Job> queue;
    private final List<Thread> workers = new ArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final long created = Instant.now().getEpochSecond();
    private final LongAdder completedRequests = new LongAdder();
    private final LongAdder generatedTokens = new LongAdder();
    private final LongAdder rejectedRequests = new LongAdder();

    /** A model the engine serves: the base (adapter null) or a loaded adapter. */
    public static final class Resident {
        private final String name;
        private final Path path;
        private final LoraAdapter adapter;
        private final long created;
        private final AtomicInteger refs = new AtomicInteger(1); // the registry's own reference

        Resident(String name, Path path, LoraAdapter adapter) {
            this.name = name;
            this.path = path;
            this.adapter = adapter;
            this.created = Instant.now().getEpochSecond();
        }

        /** Its public name. */
        public String name() {
            return name;
        }

        /** The adapter, or null for the base model. */
        public LoraAdapter adapter() {
            return adapter;
        }

        boolean tryAcquire() {
            while (true) {
                int n = refs.get();
                if (n == 0) {
                    return false;
                }
                if (refs.compareAndSet(n, n + 1)) {
                    return true;
                }
            }
        }

        void release() {
            if (adapter != null && refs.decrementAndGet() == 0) {
                adapter.close();
            }
        }
    }

    /** Receives a job's results; called on a worker thread, must not block. */
    public interface JobSink {
        /** A sample of request {@code request} produced a token (with its top alternatives, if asked). */
        void onToken(int request, int sample, int token, float logprob, int[] topIds, float[] topLogprobs);

        /** A sample finished. */
        void onFinish(int request, int sample, Generator.Sample result);

        /** Every sample of the job finished. */
        void onComplete(List<List<Generator.Sample>> results);

        /** Generation failed. */
        void onError(Throwable error);
    }

    /**
     * One HTTP request's generation work: one or more prompts (completions may send several), each
     * with {@code params.n()} samples, all under one model.
     */
    public static final class Job {
        private final List<int[]> prompts;
        private final Generator.Params params;
        private final Resident model;
        private final JobSink sink;
        private final AtomicBoolean cancelled = new AtomicBoolean();

        public Job(List<int[]> prompts, Generator.Params params, Resident model, JobSink sink) {
            this.prompts = List.copyOf(prompts);
            this.params = params;
            this.model = model;
            this.sink = sink;
        }

        /** Asks the workers to stop this job's samples (e.g. the client went away). */
        public void cancel() {
            cancelled.set(true);
        }

        int sequences() {
            return prompts.size() * params.n();
        }
    }

    /** Starts the workers and loads the configured adapters. */
    public ServingEngine(PolicyEngine engine, ServeOptions options) throws IOException {
        this.engine = engine;
        this.options = options;
        this.generator = engine.generator();
        this.queue = new ArrayBlockingQueue<>(options.queueCapacity());
        for (Map.Entry<String, Path> e : options.loraModules().entrySet()) {
            load(e.getKey(), e.getValue());
        }
        for (int i = 0; i < options.workers(); i++) {
            Thread t = new Thread(this::work, "feedloop-serve-" + i);
            t.setDaemon(true);
            t.start();
            workers.add(t);
        }
    }

    /** The policy engine (tokenizer, template, model). */
    public PolicyEngine policy() {
        return engine;
    }

    /** The settings. */
    public ServeOptions options() {
        return options;
    }

    /** The base model's public name. */
    public String baseName() {
        return options.baseName();
    }

    /** Seconds since the epoch when the engine started. */
    public long created() {
        return created;
    }

    /**
     * Takes a reference to a model by public name, for one request; release it with {@link #release}.
     *
     * @throws VllmError 404 if no such model is served
     */
    public Resident acquire(String model) {
        if (model == null || model.equals(baseName())) {
            return BASE_PLACEHOLDER;
        }
        synchronized (adapters) {
            Resident r = adapters.get(model);
            if (r != null && r.tryAcquire()) {
                return r;
            }
        }
        throw VllmError.notFound("model", "The model `" + model + "` does not exist.");
    }

    private static final Resident BASE_PLACEHOLDER = new Resident("base", null, null);

    /** Gives back a reference taken by {@link #acquire}. */
    public void release(Resident r) {
        r.release();
    }

    /**
     * Loads a PEFT adapter under a new public name. Blocking (file I/O and native memory): call it on a
     * worker thread.
     *
     * @throws VllmError 400 if the name is taken, the limit is reached or the adapter is unusable; 404 if
     *     the path does not exist
     */
    public void load(String name, Path path) throws IOException {
        synchronized (adapters) {
            if (adapters.containsKey(name) || name.equals(baseName())) {
                throw VllmError.badRequest("The lora adapter '" + name + "' has already been loaded. If you want to load "
                        + "the adapter in place, set 'load_inplace' to True.");
            }
            if (adapters.size() >= options.maxLoras()) {
                throw VllmError.badRequest("Cannot load LoRA adapter '" + name + "': " + adapters.size()
                        + " adapters are loaded and --max-loras is " + options.maxLoras() + "; unload one first.");
            }
        }
        if (!Files.isDirectory(path)) {
            throw new VllmError(404, "NotFoundError", null, "No adapter found for '" + name + "' at " + path);
        }
        AdapterConfig config;
        try {
            config = AdapterConfig.read(path);
        } catch (IOException e) {
            throw VllmError.badRequest(e.getMessage());
        }
        List<String> problems = config.validateForServing(options.maxLoraRank());
        if (!problems.isEmpty()) {
            throw VllmError.badRequest("LoRA adapter '" + name + "' cannot be loaded: " + String.join("; ", problems));
        }
        LoraAdapter adapter;
        try {
            adapter = engine.loadAdapter(name, path);
        } catch (IOException e) {
            throw VllmError.badRequest(e.getMessage());
        }
        synchronized (adapters) {
            if (adapters.containsKey(name)) {
                adapter.close();
                throw VllmError.badRequest("The lora adapter '" + name + "' has already been loaded.");
            }
            adapters.put(name, new Resident(name, path, adapter));
        }
        LOG.info("loaded LoRA adapter {} from {} (r={})", name, path, config.r());
    }

    /**
     * Removes an adapter's name; its memory is freed once requests using it finish.
     *
     * @throws VllmError 404 if it is not loaded
     */
    public void unload(String name) {
        Resident r;
        synchronized (adapters) {
            r = adapters.remove(name);
        }
        if (r == null) {
            throw VllmError.notFound("lora_name", "The lora adapter '" + name + "' cannot be found.");
        }
        r.release();
        LOG.info("unloaded LoRA adapter {}", name);
    }

    /** A row of {@code /v1/models}. */
    public record Card(String id, long created, String root, String parent) {}

    /** The base model and every loaded adapter. */
    public List<Card> models() {
        List<Card> out = new ArrayList<>();
        out.add(new Card(baseName(), created, options.model().toString(), null));
        synchronized (adapters) {
            for (Resident r : adapters.values()) {
                out.add(new Card(r.name, r.created, r.path.toString(), baseName()));
            }
        }
        return out;
    }

    /**
     * Queues a job without blocking.
     *
     * @return false if the queue is full (the caller answers 503)
     */
    public boolean submit(Job job) {
        boolean accepted = running.get() && queue.offer(job);
        if (!accepted) {
            rejectedRequests.increment();
        }
        return accepted;
    }

    /** Requests completed, tokens generated and requests refused, for benchmarks and metrics. */
    public long[] counters() {
        return new long[] {completedRequests.sum(), generatedTokens.sum(), rejectedRequests.sum()};
    }

    private void work() {
        while (running.get()) {
            Job first;
            try {
                first = queue.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (first == null) {
                continue;
            }
            List<Job> batch = new ArrayList<>();
            batch.add(first);
            int sequences = first.sequences();
            for (Job next = queue.peek(); next != null && sequences + next.sequences() <= options.maxBatch(); next = queue.peek()) {
                Job taken = queue.poll();
                if (taken == null) {
                    break;
                }
                batch.add(taken);
                sequences += taken.sequences();
            }
            run(batch);
        }
    }

    private void run(List<Job> batch) {
        List<Generator.Request> requests = new ArrayList<>();
        List<int[]> owner = new ArrayList<>(); // global request index -> {job index, local request index}
        for (int j = 0; j < batch.size(); j++) {
            Job job = batch.get(j);
            for (int p = 0; p < job.prompts.size(); p++) {
                requests.add(new Generator.Request(job.prompts.get(p), job.params, job.model.adapter(), job.cancelled::get));
                owner.add(new int[] {j, p});
            }
        }
        Generator.Listener listener = new Generator.Listener() {
            @Override
            public void onToken(int request, int sample, int token, float logprob, int[] topIds, float[] topLogprobs) {
                int[] o = owner.get(request);
                generatedTokens.increment();
                safely(() -> batch.get(o[0]).sink.onToken(o[1], sample, token, logprob, topIds, topLogprobs));
            }

            @Override
            public void onFinish(int request, int sample, Generator.Sample result) {
                int[] o = owner.get(request);
                safely(() -> batch.get(o[0]).sink.onFinish(o[1], sample, result));
            }
        };
        try {
            List<List<Generator.Sample>> results = generator.generate(requests, listener);
            for (int j = 0; j < batch.size(); j++) {
                List<List<Generator.Sample>> mine = new ArrayList<>();
                for (int g = 0; g < results.size(); g++) {
                    if (owner.get(g)[0] == j) {
                        mine.add(results.get(g));
                    }
                }
                Job job = batch.get(j);
                completedRequests.increment();
                safely(() -> job.sink.onComplete(mine));
            }
        } catch (RuntimeException e) {
            LOG.error("generation failed for a batch of {} requests", batch.size(), e);
            for (Job job : batch) {
                safely(() -> job.sink.onError(e));
            }
        } finally {
            for (Job job : batch) {
                release(job.model);
            }
        }
    }

    private static void safely(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.warn("a response sink failed: {}", e.toString());
        }
    }

    /** Stops the workers (queued jobs fail) and frees every adapter. */
    @Override
    public void close() {
        running.set(false);
        for (Thread t : workers) {
            t.interrupt();
        }
        for (Thread t : workers) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (Job job = queue.poll(); job != null; job = queue.poll()) {
            job.sink.onError(new IllegalStateException("the engine is shutting down"));
            release(job.model);
        }
        synchronized (adapters) {
            adapters.values().forEach(Resident::release);
            adapters.clear();
        }
    }
}
