package io.sluice.config;

/**
 * One thing wrong with a pipeline file.
 *
 * @param path the option path, e.g. {@code sink.files.format}; empty for the document itself
 */
public record ConfigProblem(Location location, String path, String message) {
    @Override
    public String toString() {
        return location + ": " + (path.isEmpty() ? "" : path + ": ") + message;
    }
}
