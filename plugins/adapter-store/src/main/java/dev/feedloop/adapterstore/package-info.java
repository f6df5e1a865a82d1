/**
 * The {@code local} adapter store plugin: immutable, checksummed adapter versions in a directory, fetched over
 * {@code file:} or {@code http(s):} with size and sha256 verification. Entry points:
 * {@link dev.feedloop.adapterstore.LocalAdapterStoreProvider} (found by {@link java.util.ServiceLoader}) and
 * {@link dev.feedloop.adapterstore.LocalAdapterStore}, whose documentation fixes the directory and URL layout.
 */
package dev.feedloop.adapterstore;
