package dev.feedloop.djl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Which LoRA adapter applies to which sequence of a batch. {@link #none()}: the base model;
 * {@link #single}: one adapter for every sequence (training, scoring); {@link #perSequence}: a
 * possibly different adapter (or none) per sequence, as the serving engine batches requests for
 * several adapters together.
 */
public abstract class LoraRouting {
    private LoraRouting() {}

    /**
     * The adapter's contribution {@code scaling·(x·Aᵀ)·Bᵀ} to one projection, or null if no sequence
     * has an adapter on it.
     *
     * @param x the projection's input {@code [B, T, in]}
     * @param m manager for temporaries
     * @param dropout whether to apply the adapter's dropout (training)
     */
    abstract NDArray delta(int layer, Projection p, NDArray x, NDManager m, boolean dropout);

    /** The base model, no adapter. */
    public static LoraRouting none() {
        return NONE;
    }

    private static final LoraRouting NONE = new LoraRouting() {
        @Override
        NDArray delta(int layer, Projection p, NDArray x, NDManager m, boolean dropout) {
            return null;
        }
    };

    /** One adapter for every sequence. */
    public static LoraRouting single(LoraAdapter adapter) {
        return new LoraRouting() {
            @Override
            NDArray delta(int layer, Projection p, NDArray x, NDManager m, boolean dropout) {
                NDArray a = adapter.a(layer, p);
                if (a == null) {
                    return null;
                }
                NDArray in = x;
                double rate = adapter.spec().dropout();
                if (dropout && rate > 0) {
                    NDArray keep = m.randomUniform(0f, 1f, x.getShape()).gte(rate).toType(x.getDataType(), false);
                    in = x.mul(keep).div(1 - rate);
                }
                return in.matMul(a.transpose()).matMul(adapter.b(layer, p).transpose()).mul(adapter.spec().scaling());
            }
        };
    }

    /**
     * An adapter (or null for the base model) per sequence of the batch. Adapters may have different
     * ranks: smaller ones are padded with zero rows and columns, which changes nothing.
     */
    public static LoraRouting perSequence(List<LoraAdapter> adapters) {
        LoraAdapter[] rows = adapters.toArray(LoraAdapter[]::new);
        if (Arrays.stream(rows).allMatch(Objects::isNull)) {
            return NONE;
        }
        LoraAdapter first = Arrays.stream(rows).filter(Objects::nonNull).findFirst().orElseThrow();
        if (Arrays.stream(rows).allMatch(r -> r == first)) {
            return single(first);
        }
        int maxRank = Arrays.stream(rows).filter(Objects::nonNull).mapToInt(r -> r.spec().rank()).max().orElseThrow();
        return new LoraRouting() {
            @Override
            NDArray delta(int layer, Projection p, NDArray x, NDManager m, boolean dropout) {
                boolean any = false;
                NDList as = new NDList(rows.length);
                NDList bs = new NDList(rows.length);
                int in = p.inFeatures(first.config());
                int out = p.outFeatures(first.config());
                for (LoraAdapter r : rows) {
                    NDArray a = r == null ? null : r.a(layer, p);
                    if (a == null) {
                        as.add(m.zeros(new Shape(maxRank, in), x.getDataType()));
                        bs.add(m.zeros(new Shape(out, maxRank), x.getDataType()));
                        continue;
                    }
                    any = true;
                    int rank = r.spec().rank();
                    NDArray b = r.b(layer, p).mul(r.spec().scaling());
                    if (rank < maxRank) {
                        a = a.concat(m.zeros(new Shape(maxRank - rank, in), x.getDataType()), 0);
                        b = b.concat(m.zeros(new Shape(out, maxRank - rank), x.getDataType()), 1);
                    }
                    as.add(a);
                    bs.add(b);
                }
                if (!any) {
                    return null;
                }
                NDArray stackedA = NDArrays.stack(as); // [B, r, in]
                NDArray stackedB = NDArrays.stack(bs); // [B, out, r]
                return x.matMul(stackedA.transpose(0, 2, 1)).matMul(stackedB.transpose(0, 2, 1));
            }
        };
    }
}
