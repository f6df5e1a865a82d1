/**
 * The trainer's collector: joins feedback to inference records within a bounded window and publishes
 * the training data users' signals give (preference pairs, unpaired examples), dead-lettering what
 * cannot be used. Entry point: {@link dev.feedloop.sidecar.collector.Collector}; everything else is
 * package-private.
 */
package dev.feedloop.sidecar.collector;
