package io.sluice.kubernetes.manifest;

import io.sluice.pipeline.Components;
import io.sluice.pipeline.Pipeline;
import io.sluice.pipeline.PipelineLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** The repository's example pipelines, and copies of them with another ledger, for the manifest tests. */
final class Pipelines {
    /** What the examples' ${VARIABLES} are set to here: generate must never write these values. */
    static final Map<String, String> ENV = Map.of(
            "S3_ENDPOINT", "http://127.0.0.1:9",
            "PGPASSWORD", "pg-secret-value-not-for-manifests",
            "REDIS_PASSWORD", "redis-secret-value-not-for-manifests",
            "FILES_TLS_PASSWORD", "tls-secret-value-not-for-manifests");

    static final String POSTGRES = """
            state:
              postgres: { url: "jdbc:postgresql://ledger-db.data:5432/sluice?sslmode=require", user: sluice, password: "${PGPASSWORD}" }
            """;
    static final String REDIS = """
            state:
              redis: { url: "redis://ledger-redis:6379", password: "${REDIS_PASSWORD}" }
            """;

    private Pipelines() {}

    /** Every pipeline file under examples/ (a YAML file with a top-level `pipeline:`; a FOCUS mapping has none). */
    static List<Path> examples() throws IOException {
        Path root = Path.of("..", "examples").toAbsolutePath().normalize();
        try (Stream<Path> files = Files.walk(root, 2)) {
            return files.filter(f -> f.toString().endsWith(".yaml"))
                    .filter(Pipelines::isPipeline)
                    .sorted()
                    .toList();
        }
    }

    private static boolean isPipeline(Path f) {
        try {
            return Files.readAllLines(f).stream().anyMatch(l -> l.startsWith("pipeline:"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static Pipeline load(Path file) {
        return new PipelineLoader(Components.discover(), ENV::get).load(file);
    }

    /**
     * Writes a pipeline file named {@code file} in {@code dir}, beside the empty folder {@code in} a local source may
     * read, and loads the facts generate works from.
     */
    static PipelineFacts facts(Path dir, String file, String text) throws IOException {
        Files.createDirectories(dir.resolve("in"));
        return PipelineFacts.of(load(Files.writeString(dir.resolve(file), text)));
    }

    /**
     * A copy of an example in {@code dir} with its {@code state:} replaced by {@code state}: the example's folder's
     * YAML files (a FOCUS mapping it names) are copied beside it; its data folders are not needed to generate.
     */
    static Path withState(Path example, String state, Path dir) throws IOException {
        Path copy = dir.resolve(example.getParent().getFileName().toString());
        Files.createDirectories(copy);
        try (Stream<Path> files = Files.list(example.getParent())) {
            for (Path f : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
                Files.copy(f, copy.resolve(f.getFileName()));
            }
        }
        Path pipeline = copy.resolve(example.getFileName());
        Files.writeString(pipeline, withoutState(Files.readString(example)) + state);
        return pipeline;
    }

    /** Adds {@code run.schedule} and {@code run.time_zone} to a pipeline file, in its {@code run:} block if it has one. */
    static void withSchedule(Path pipeline, String schedule, String zone) throws IOException {
        String options = "schedule: \"" + schedule + "\", time_zone: " + zone;
        String text = Files.readString(pipeline);
        if (text.contains("\nrun: {")) text = text.replace("\nrun: {", "\nrun: { " + options + ",");
        else if (text.contains("\nrun:\n"))
            text = text.replace("\nrun:\n", "\nrun:\n  " + options.replace(", ", "\n  ") + "\n");
        else text = text + "run: { " + options + " }\n";
        Files.writeString(pipeline, text);
    }

    /** The text without its top-level `state:` block. */
    private static String withoutState(String text) {
        StringBuilder out = new StringBuilder();
        boolean inState = false;
        for (String line : text.split("\n", -1)) {
            if (line.startsWith("state:")) inState = true;
            else if (inState && !line.startsWith(" ") && !line.isEmpty()) inState = false;
            if (!inState) out.append(line).append('\n');
        }
        return out.toString().stripTrailing() + "\n";
    }
}
