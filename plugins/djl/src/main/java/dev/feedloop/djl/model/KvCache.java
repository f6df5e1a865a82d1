package dev.feedloop.djl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;

/**
 * Keys and values of every layer for the tokens seen so far, {@code [B, K, S, h]} each, plus which of
 * the S slots hold real tokens (left padding does not). Lives in the caller's NDManager; one cache
 * per generation.
 */
public final class KvCache {
    private final NDManager manager;
    private final NDArray[] keys;
    private final NDArray[] values;
    private NDArray valid; // [B, S] boolean

    /** An empty cache for a model, whose arrays are created in {@code manager}. */
    public KvCache(NDManager manager, int layers) {
        this.manager = manager;
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
    }

    /** Number of slots held. */
    public long length() {
        return valid == null ? 0 : valid.getShape().get(1);
    }

    NDArray keys(int layer) {
        return keys[layer];
    }

    NDArray values(int layer) {
        return values[layer];
    }

    NDArray valid() {
        return valid;
    }

    /** Appends the slots of a step; returns the full key/value arrays. */
    NDArray[] append(int layer, NDArray k, NDArray v) {
        if (keys[layer] == null) {
            keys[layer] = k;
            values[layer] = v;
        } else {
            NDArray oldK = keys[layer];
            NDArray oldV = values[layer];
            keys[layer] = oldK.concat(k, 2);
            values[layer] = oldV.concat(v, 2);
            oldK.close();
            oldV.close();
        }
        keys[layer].attach(manager);
        values[layer].attach(manager);
        NDScope.unregister(keys[layer], values[layer]);
        return new NDArray[] {keys[layer], values[layer]};
    }

    void appendValid(NDArray stepValid) {
        valid = valid == null ? stepValid : valid.concat(stepValid, 1);
        valid.attach(manager);
        NDScope.unregister(valid);
    }

    /** Keeps only the given batch rows (sequences that are still generating). */
    void select(NDArray rows) {
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != null) {
                NDArray oldK = keys[i];
                NDArray oldV = values[i];
                keys[i] = oldK.get(rows);
                values[i] = oldV.get(rows);
                oldK.close();
                oldV.close();
                keys[i].attach(manager);
                values[i].attach(manager);
            }
        }
        valid = valid.get(rows);
        valid.attach(manager);
    }
}
