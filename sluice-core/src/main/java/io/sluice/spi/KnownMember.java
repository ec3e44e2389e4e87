package io.sluice.spi;

/**
 * What the ledger already holds for one member key: the member registered last (its version and byte range),
 * and its split. A tailing source continues from {@code end}.
 */
public record KnownMember(String key, String fingerprint, long start, long end, String splitId, SplitState state) {}
