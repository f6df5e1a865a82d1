package dev.feedloop.djl.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import java.util.List;

/**
 * AdamW with decoupled weight decay (Loshchilov and Hutter): {@code p ← p·(1 − lr·wd) − lr·m̂/(√v̂ + ε)},
 * with bias-corrected moments. State lives in its own NDManager; updates are in place.
 */
final class AdamW implements AutoCloseable {
    private final List<NDArray> parameters;
    private final NDManager state;
    private final NDArray[] m;
    private final NDArray[] v;
    private int t;

    AdamW(List<NDArray> parameters, NDManager parent) {
        this.parameters = List.copyOf(parameters);
        this.state = parent.newSubManager();
        this.m = new NDArray[parameters.size()];
        this.v = new NDArray[parameters.size()];
        for (int i = 0; i < m.length; i++) {
            m[i] = state.zeros(parameters.get(i).getShape(), parameters.get(i).getDataType());
            v[i] = state.zeros(parameters.get(i).getShape(), parameters.get(i).getDataType());
        }
    }

    /**
     * Applies one update with the given gradients (scaled by {@code gradScale}, e.g. for clipping).
     * Every temporary is freed before this returns.
     */
    void step(List<NDArray> grads, double gradScale, double lr, TrainConfig c) {
        t++;
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            update(grads, gradScale, lr, c);
        }
    }

    private void update(List<NDArray> grads, double gradScale, double lr, TrainConfig c) {
        double bc1 = 1 - Math.pow(c.beta1(), t);
        double bc2 = 1 - Math.pow(c.beta2(), t);
        for (int i = 0; i < parameters.size(); i++) {
            NDArray p = parameters.get(i);
            NDArray g = grads.get(i).mul(gradScale);
            NDArray mNew = m[i].mul(c.beta1()).add(g.mul(1 - c.beta1()));
            NDArray vNew = v[i].mul(c.beta2()).add(g.square().mul(1 - c.beta2()));
            mNew.copyTo(m[i]);
            vNew.copyTo(v[i]);
            NDArray update = mNew.div(bc1).div(vNew.div(bc2).sqrt().add(c.epsilon())).mul(lr);
            if (c.weightDecay() > 0) {
                update = update.add(p.stopGradient().mul(lr * c.weightDecay()));
            }
            NDArray next = p.stopGradient().sub(update);
            next.copyTo(p);
        }
    }

    /** Steps taken. */
    int steps() {
        return t;
    }

    @Override
    public void close() {
        state.close();
    }
}
