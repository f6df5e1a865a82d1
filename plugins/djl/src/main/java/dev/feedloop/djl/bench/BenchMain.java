package dev.feedloop.djl.bench;

import java.io.PrintWriter;

/** Runs a DJL benchmark directly: {@code java -cp ... dev.feedloop.djl.bench.BenchMain train}. */
public final class BenchMain {
    private BenchMain() {}

    public static void main(String[] args) {
        PrintWriter err = new PrintWriter(System.err, true);
        String which = args.length == 0 ? "train" : args[0];
        if (which.equals("train")) {
            System.out.println(TrainBench.run(TrainBench.Shape5.standard(), err));
        } else {
            err.println("unknown benchmark " + which);
            System.exit(2);
        }
    }
}
