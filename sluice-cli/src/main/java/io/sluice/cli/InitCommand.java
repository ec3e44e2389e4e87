package io.sluice.cli;

import io.sluice.runner.RunSummary;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
        name = "init",
        footer = {
            "%nExamples:",
            "  sluice init demo && sluice run demo/pipeline.yaml",
            "  sluice init                # in the current folder"
        },
        description = "Write a commented starter pipeline (DIR/pipeline.yaml) and a small sample input "
                + "(DIR/data/in/sample.csv), ready for `sluice run`. Never overwrites a file.")
final class InitCommand implements Callable<Integer> {
    @Mixin
    HelpOption help;

    @Parameters(
            index = "0",
            arity = "0..1",
            paramLabel = "DIR",
            defaultValue = ".",
            description = "The folder to write into; created when missing (default: the current folder).")
    Path dir;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        Map<Path, String> files = new LinkedHashMap<>();
        files.put(dir.resolve("pipeline.yaml"), resource("pipeline.yaml").replace("NAME", name(dir)));
        files.put(dir.resolve("data").resolve("in").resolve("sample.csv"), resource("sample.csv"));
        List<Path> existing = files.keySet().stream().filter(Files::exists).toList();
        if (!existing.isEmpty()) {
            throw new UserError(
                    "init never overwrites a file, and "
                            + String.join(
                                    ", ", existing.stream().map(Path::toString).toList())
                            + " already there; nothing was written: choose another folder, or move them away",
                    RunSummary.INVALID);
        }
        for (Map.Entry<Path, String> f : files.entrySet()) {
            Files.createDirectories(f.getKey().toAbsolutePath().getParent());
            Files.writeString(f.getKey(), f.getValue());
        }
        // the files source reads a file once it has settled (2 s by default): the sample is ready at once
        Path sample = dir.resolve("data").resolve("in").resolve("sample.csv");
        Files.setLastModifiedTime(sample, FileTime.from(Instant.now().minusSeconds(60)));
        Path pipeline = dir.resolve("pipeline.yaml");
        var out = spec.commandLine().getOut();
        out.println("wrote " + pipeline + " (a commented starter pipeline) and " + sample + " (sample input); next:");
        for (String next : List.of("validate", "head", "run")) out.println("  sluice " + next + " " + pipeline);
        return 0;
    }

    /** The folder's name as a pipeline name (letters, digits, _ . -), or "starter". */
    private static String name(Path dir) {
        Path name = dir.toAbsolutePath().normalize().getFileName();
        String cleaned = name == null
                ? ""
                : name.toString().replaceAll("[^A-Za-z0-9_.-]+", "-").replaceAll("^[-.]+|[-.]+$", "");
        return cleaned.isEmpty() ? "starter" : cleaned;
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = InitCommand.class.getResourceAsStream("init/" + name)) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }
}
