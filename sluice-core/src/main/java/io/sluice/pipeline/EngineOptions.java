package io.sluice.pipeline;

import java.nio.file.Path;

/**
 * DuckDB settings. Null means DuckDB's own default (memory: 80% of RAM; threads: cores).
 *
 * @param spillPath where DuckDB spills when data exceeds memory
 */
public record EngineOptions(String memoryLimit, Integer threads, Path spillPath) {}
