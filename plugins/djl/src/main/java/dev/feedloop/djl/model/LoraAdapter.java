package dev.feedloop.djl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.feedloop.djl.hf.HfConfig;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.Set;

/**
 * One LoRA adapter over a {@link LlamaModel}: for every targeted projection of every layer, {@code A}
 * {@code [r, in]} and {@code B} {@code [out, r]}, so that the projection computes
 * {@code y = x·Wᵀ (+b) + scaling·(x·Aᵀ)·Bᵀ}. The arrays live in the adapter's own NDManager and are
 * freed by {@link #close()}.
 *
 * <p>Not thread-safe: training mutates the arrays in place. Serving shares an adapter between
 * concurrent requests only for reading.
 */
public final class LoraAdapter implements AutoCloseable {
    /**
     * The shape of an adapter.
     *
     * @param rank r
     * @param alpha LoRA alpha
     * @param rsLora scaling alpha/sqrt(r) instead of alpha/r
     * @param dropout dropout on the adapter input during training
     * @param targets adapted projections
     */
    public record Spec(int rank, double alpha, boolean rsLora, double dropout, Set<Projection> targets) {
        public Spec {
            if (rank < 1) {
                throw new IllegalArgumentException("LoRA rank must be >= 1, got " + rank);
            }
            if (!(alpha > 0)) {
                throw new IllegalArgumentException("LoRA alpha must be > 0, got " + alpha);
            }
            if (!(dropout >= 0 && dropout < 1)) {
                throw new IllegalArgumentException("LoRA dropout must be in [0, 1), got " + dropout);
            }
            if (targets.isEmpty()) {
                throw new IllegalArgumentException("LoRA needs at least one target projection");
            }
            targets = Set.copyOf(EnumSet.copyOf(targets));
        }

        /** alpha/r, or alpha/sqrt(r) with rsLoRA. */
        public double scaling() {
            return rsLora ? alpha / Math.sqrt(rank) : alpha / rank;
        }
    }

    private final String name;
    private final Spec spec;
    private final HfConfig config;
    private final NDManager manager;
    private final NDArray[][] a;
    private final NDArray[][] b;
    private final DataType dtype;

    private LoraAdapter(String name, Spec spec, HfConfig config, NDManager manager, DataType dtype) {
        this.name = Objects.requireNonNull(name, "name");
        this.spec = spec;
        this.config = config;
        this.manager = manager;
        this.dtype = dtype;
        int n = Projection.values().length;
        this.a = new NDArray[config.numLayers()][n];
        this.b = new NDArray[config.numLayers()][n];
    }

    /**
     * A new adapter initialised as PEFT does: A kaiming-uniform (bound 1/sqrt(in)), B zero, so it
     * starts out as exactly the base model.
     *
     * @param model the model it adapts (its manager owns the adapter's, its dtype is the adapter's)
     * @param seed seed for A
     */
    public static LoraAdapter initialize(String name, Spec spec, LlamaModel model, long seed) {
        HfConfig config = model.config();
        LoraAdapter adapter = new LoraAdapter(name, spec, config, model.manager().newSubManager(), model.dataType());
        Random random = new Random(seed);
        for (int layer = 0; layer < config.numLayers(); layer++) {
            for (Projection p : spec.targets()) {
                int in = p.inFeatures(config);
                int out = p.outFeatures(config);
                float bound = (float) (1.0 / Math.sqrt(in));
                float[] av = new float[spec.rank() * in];
                for (int i = 0; i < av.length; i++) {
                    av[i] = (random.nextFloat() * 2 - 1) * bound;
                }
                adapter.set(layer, p, av, new float[out * spec.rank()]);
            }
        }
        return adapter;
    }

    /**
     * An adapter from explicit weights.
     *
     * @param weights {@code layer → projection → {A, B}} as row-major floats
     */
    public static LoraAdapter of(String name, Spec spec, LlamaModel model, Weights weights) {
        HfConfig config = model.config();
        LoraAdapter adapter = new LoraAdapter(name, spec, config, model.manager().newSubManager(), model.dataType());
        for (int layer = 0; layer < config.numLayers(); layer++) {
            for (Projection p : spec.targets()) {
                float[] av = weights.a(layer, p);
                float[] bv = weights.b(layer, p);
                if (av == null || bv == null) {
                    adapter.close();
                    throw new IllegalArgumentException("adapter " + name + " lacks " + p.moduleName() + " of layer " + layer);
                }
                adapter.set(layer, p, av, bv);
            }
        }
        return adapter;
    }

    /** Where {@link #of} finds the weights. */
    public interface Weights {
        /** A of one projection, {@code [r, in]} row-major, or null. */
        float[] a(int layer, Projection p);

        /** B of one projection, {@code [out, r]} row-major, or null. */
        float[] b(int layer, Projection p);
    }

    private void set(int layer, Projection p, float[] av, float[] bv) {
        int in = p.inFeatures(config);
        int out = p.outFeatures(config);
        int r = spec.rank();
        if (av.length != r * in || bv.length != out * r) {
            throw new IllegalArgumentException("adapter " + name + " " + p.moduleName() + " of layer " + layer + ": A must be ["
                    + r + ", " + in + "] and B [" + out + ", " + r + "]");
        }
        a[layer][p.ordinal()] = manager.create(av, new Shape(r, in)).toType(dtype, false);
        b[layer][p.ordinal()] = manager.create(bv, new Shape(out, r)).toType(dtype, false);
    }

    /** A of one projection, or null if it is not targeted. */
    public NDArray a(int layer, Projection p) {
        return a[layer][p.ordinal()];
    }

    /** B of one projection, or null if it is not targeted. */
    public NDArray b(int layer, Projection p) {
        return b[layer][p.ordinal()];
    }

    /** The adapter's name. */
    public String name() {
        return name;
    }

    /** The adapter's shape. */
    public Spec spec() {
        return spec;
    }

    /** The model config it applies to. */
    public HfConfig config() {
        return config;
    }

    /** Every A and B, layer by layer, A before B, in projection order. */
    public List<NDArray> parameters() {
        List<NDArray> out = new ArrayList<>();
        for (int layer = 0; layer < a.length; layer++) {
            for (Projection p : Projection.values()) {
                if (a[layer][p.ordinal()] != null) {
                    out.add(a[layer][p.ordinal()]);
                    out.add(b[layer][p.ordinal()]);
                }
            }
        }
        return out;
    }

    /** Number of trainable values. */
    public long parameterCount() {
        long n = 0;
        for (NDArray x : parameters()) {
            n += x.size();
        }
        return n;
    }

    /** Marks every A and B as trainable (or not). */
    public void setTrainable(boolean trainable) {
        for (NDArray x : parameters()) {
            x.setRequiresGradient(trainable);
        }
    }

    /** A detached copy under another name (e.g. the humanline reference: the adapter one step earlier). */
    public LoraAdapter copy(String newName, NDManager parent) {
        LoraAdapter c = new LoraAdapter(newName, spec, config, parent.newSubManager(), dtype);
        for (int layer = 0; layer < a.length; layer++) {
            for (int p = 0; p < a[layer].length; p++) {
                if (a[layer][p] != null) {
                    c.a[layer][p] = a[layer][p].stopGradient().duplicate();
                    c.a[layer][p].attach(c.manager);
                    c.b[layer][p] = b[layer][p].stopGradient().duplicate();
                    c.b[layer][p].attach(c.manager);
                }
            }
        }
        return c;
    }

    /** Overwrites this adapter's values with another's (same spec), without reallocating. */
    public void copyFrom(LoraAdapter other) {
        if (!other.spec.equals(spec)) {
            throw new IllegalArgumentException("cannot copy an adapter with spec " + other.spec + " into " + spec);
        }
        List<NDArray> mine = parameters();
        List<NDArray> theirs = other.parameters();
        for (int i = 0; i < mine.size(); i++) {
            theirs.get(i).stopGradient().copyTo(mine.get(i));
        }
    }

    /** The values of A (or B) of one projection as row-major floats. */
    public float[] values(int layer, Projection p, boolean ofB) {
        NDArray x = ofB ? b(layer, p) : a(layer, p);
        return x == null ? null : x.toType(DataType.FLOAT32, false).toFloatArray();
    }

    @Override
    public void close() {
        manager.close();
    }

    @Override
    public String toString() {
        return "LoraAdapter[" + name + ", r=" + spec.rank() + ", alpha=" + spec.alpha() + ", " + spec.targets() + "]";
    }
}
