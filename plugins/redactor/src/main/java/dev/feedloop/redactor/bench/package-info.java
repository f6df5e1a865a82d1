/**
 * A single-threaded benchmark of the {@code default} redactor on chat-shaped text, runnable with {@code java -cp}
 * and without a benchmark harness: {@link dev.feedloop.redactor.bench.RedactBench}.
 */
package dev.feedloop.redactor.bench;
