package io.sluice.focus.mapping;

/** Input rows matching {@code when} produce no FOCUS row, for the reason given. */
public record Drop(String when, String why) {}
