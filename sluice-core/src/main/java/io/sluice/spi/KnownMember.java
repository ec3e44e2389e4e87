package io.sluice.spi;

/** What the ledger already holds for one member key: the version registered last, and its split. */
public record KnownMember(String key, String fingerprint, String splitId, SplitState state) {
}
