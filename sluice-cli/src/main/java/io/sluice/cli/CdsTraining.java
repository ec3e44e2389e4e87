package io.sluice.cli;

import io.sluice.spi.Folders;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The run the launchers make their class-data-sharing archive from, at the first start: validate, run and status of a
 * small pipeline (files, a SQL step, Parquet, the SQLite ledger) in a temporary folder. An archive written by the first
 * command itself held that command's classes alone (after {@code sluice --version}, a run still loaded most of its
 * classes from the jars: 0.3 s more per start).
 */
public final class CdsTraining {
    private CdsTraining() {}

    public static void main(String[] args) throws IOException {
        System.exit(run());
    }

    /** Exit code 0 when all three commands succeeded and the run wrote its split's Parquet. */
    static int run() throws IOException {
        Path dir = Files.createTempDirectory("sluice-cds-training");
        try {
            Files.createDirectories(dir.resolve("in"));
            Files.writeString(dir.resolve("in/sample.csv"), """
                    id,region,amount,day
                    1,eu-west,12.5,2026-11-01
                    2,us-east,,2026-11-02
                    """);
            Path pipeline = Files.writeString(dir.resolve("pipeline.yaml"), """
                    pipeline: cds-training
                    source:
                      files: { path: in, include: "*.csv", settle: 0s }
                    steps:
                      - sql: SELECT region, CAST(amount AS DECIMAL(18, 2)) AS amount FROM input
                    sink:
                      files: { path: out, format: parquet }
                    """);
            String file = pipeline.toString();
            int code = Main.execute("validate", file);
            if (code == 0) code = Main.execute("run", file, "--progress", "none");
            if (code == 0 && !wroteParquet(dir.resolve("out"))) {
                System.err.println("sluice: the class-data-sharing training run wrote no Parquet file");
                code = 1;
            }
            if (code == 0) code = Main.execute("status", file);
            return code;
        } finally {
            Folders.deleteTree(dir);
        }
    }

    private static boolean wroteParquet(Path out) throws IOException {
        if (!Files.isDirectory(out)) return false;
        try (Stream<Path> all = Files.walk(out)) {
            return all.anyMatch(p -> p.getFileName().toString().endsWith(".parquet"));
        }
    }
}
