package io.sluice.pipeline;

import java.nio.file.Path;

/**
 * DuckDB settings. Null means DuckDB's own default (memory: 80% of RAM; threads: cores).
 *
 * @param spillPath where DuckDB spills when data exceeds memory
 * @param files     the folder a relative path in a step's SQL ({@code read_csv('lookup.csv')}) is read from: the
 *                  pipeline file's, as every other path of the pipeline; null: the working directory
 */
public record EngineOptions(String memoryLimit, Integer threads, Path spillPath, Path files) {}
