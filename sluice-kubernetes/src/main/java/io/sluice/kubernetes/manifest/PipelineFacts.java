package io.sluice.kubernetes.manifest;

import io.sluice.config.ConfigNode;
import io.sluice.config.Connections;
import io.sluice.config.Options;
import io.sluice.config.Validator;
import io.sluice.config.YamlReader;
import io.sluice.pipeline.CronSchedule;
import io.sluice.pipeline.MetricsOptions;
import io.sluice.pipeline.Pipeline;
import io.sluice.spi.FileStep;
import io.sluice.spi.Folders;
import io.sluice.steps.exec.ExecStepFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the manifests need of a validated pipeline: its file as written (the pods read that very text, and resolve its
 * {@code ${VARIABLES}} themselves from the Secret), the variables it names, its ledger's settings as written, and the
 * local paths it reads and writes.
 *
 * @param text       the pipeline file as written: {@code ${VARIABLES}} unresolved, so no secret value is in it
 * @param variables  each {@code ${NAME}} the file and its connections file name, with whether a pod may start without
 *     it: it has a default ({@code ${NAME:-x}}), or only connections the pipeline does not use name it
 * @param fileRefs   each {@code ${file:PATH}} the file names (a mounted secret the user provides)
 * @param keyFiles   the key files the source, steps, sink and ledger read (a bigquery {@code credentials}): a mounted
 *     secret the user provides too
 * @param imageSecretEnv each variable an exec step's image takes from a Secret's key ({@code secret_env}): Secrets the
 *     user creates too
 * @param ledger     the kind of {@code state:} ({@code sqlite} when left out)
 * @param ledgerText the ledger's scalar options as written (references unresolved)
 * @param schedule   {@code run.schedule}: a CronJob of {@code once} runs instead of the long-running pods
 * @param runner     {@code run.runner} as written, if any
 * @param data       local paths of the source, steps and sink that are not files of the steps' configuration, and an
 *     exec step's program in the pipeline's folder
 * @param configFiles files the pipeline reads configuration from, relative to the folder: a FOCUS mapping of a step,
 *     and the connections file its {@code connection: NAME} options name, as {@code connections.yaml} beside it
 * @param fileServer {@code run.kubernetes.file_server}'s scalars as written ({@code tls.keystore} for those of
 *     {@code tls}), when the block is there
 * @param metrics    {@code run.metrics}: the pods serve Prometheus metrics, and get a Service for them
 * @param jobs       {@code run.kubernetes} as written, when the block is there: what the Jobs' pods mount and read
 */
public record PipelineFacts(
        Names names,
        Path folder,
        String fileName,
        String text,
        Map<String, Boolean> variables,
        List<String> fileRefs,
        List<LocalPaths.Found> keyFiles,
        Map<String, FileStep.Container.SecretKey> imageSecretEnv,
        String ledger,
        Map<String, String> ledgerText,
        Duration lease,
        Duration interval,
        Optional<CronSchedule> schedule,
        Optional<String> runner,
        List<LocalPaths.Found> data,
        Map<String, String> configFiles,
        Optional<Map<String, String>> fileServer,
        Optional<MetricsOptions> metrics,
        Optional<JobsBlock> jobs) {

    /** {@code run.kubernetes} as written (references unresolved): its scalar options, and {@code env_from_secrets}. */
    public record JobsBlock(Map<String, String> scalars, List<String> envFromSecrets) {
        public JobsBlock {
            scalars = Map.copyOf(scalars);
            envFromSecrets = List.copyOf(envFromSecrets);
        }
    }

    /** As the Validator reads references: {@code $$}, {@code ${file:PATH}}, {@code ${NAME}}, {@code ${NAME:-x}}. */
    private static final Pattern REFERENCE =
            Pattern.compile("\\$\\$|\\$\\{file:([^}]+)}|\\$\\{([A-Za-z_][A-Za-z0-9_]*)(:-[^}]*)?}");

    public PipelineFacts {
        variables = java.util.Collections.unmodifiableMap(new TreeMap<>(variables));
        fileRefs = List.copyOf(fileRefs);
        keyFiles = List.copyOf(keyFiles);
        imageSecretEnv = java.util.Collections.unmodifiableMap(new TreeMap<>(imageSecretEnv));
        ledgerText = Map.copyOf(ledgerText);
        data = List.copyOf(data);
        configFiles = java.util.Collections.unmodifiableMap(new TreeMap<>(configFiles));
        fileServer = fileServer.map(Map::copyOf);
    }

    /**
     * @throws ManifestException when the pipeline, or its connections file, holds a secret written as its value: both
     *     files go into the ConfigMap as written, in plain text for whoever may read ConfigMaps
     */
    public static PipelineFacts of(Pipeline p) {
        refuseLiteralSecrets(p);
        Path folder = p.file().getParent();
        String text;
        try {
            text = Files.readString(p.file());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p.file() + ": " + e.getMessage(), e);
        }
        ConfigNode root = YamlReader.read(p.file());
        Map<String, Boolean> variables = new LinkedHashMap<>();
        List<String> fileRefs = new ArrayList<>();
        references(root, variables, fileRefs);
        List<LocalPaths.Found> data = new ArrayList<>(LocalPaths.in(p.source()));
        Map<String, String> configFiles = new LinkedHashMap<>();
        Map<String, FileStep.Container.SecretKey> imageSecretEnv = new TreeMap<>();
        for (Options.Selected step : p.steps()) {
            for (LocalPaths.Found f : LocalPaths.in(step)) {
                if (Files.isRegularFile(f.path()) && f.path().startsWith(folder)) {
                    configFiles.put(relative(folder, f.path()), read(f.path()));
                } else {
                    data.add(f);
                }
            }
            LocalPaths.program(step, folder).ifPresent(data::add);
            if (step.kind().equals("exec") && step.value() instanceof Options exec) {
                imageSecretEnv.putAll(ExecStepFactory.secretEnv(exec));
            }
        }
        data.addAll(LocalPaths.in(p.sink()));
        List<Options.Selected> blocks = new ArrayList<>(p.steps());
        blocks.addAll(List.of(p.source(), p.sink(), p.state()));
        Map<String, String> ledgerText =
                scalars(child(child(root, "state"), p.state().kind()));
        if (p.connectionsFile().isPresent()) {
            Path file = p.connectionsFile().get();
            configFiles.put(Connections.FILE_NAME, read(file));
            ConfigNode connections = YamlReader.read(file);
            // a pod fails only on the variables of the connections it uses: the others need not be in the Secret
            Set<String> used = LocalPaths.connections(blocks);
            if (connections instanceof ConfigNode.Mapping all) {
                all.entries().forEach((name, e) -> {
                    Map<String, Boolean> found = new LinkedHashMap<>();
                    references(e.value(), found, fileRefs);
                    boolean optional = !used.contains(name);
                    found.forEach((v, hasDefault) -> variables.merge(v, optional || hasDefault, Boolean::logicalAnd));
                });
            }
            String named = ledgerText.get("connection");
            if (named != null) ledgerText.putAll(scalars(child(connections, named)));
        }
        return new PipelineFacts(
                Names.of(p.name()),
                folder,
                p.file().getFileName().toString(),
                text,
                variables,
                fileRefs,
                LocalPaths.keyFiles(blocks),
                imageSecretEnv,
                p.state().kind(),
                ledgerText,
                p.run().lease(),
                p.run().interval(),
                p.run().schedule(),
                scalar(child(root, "run"), "runner"),
                data,
                configFiles,
                fileServer(child(child(child(root, "run"), "kubernetes"), "file_server")),
                p.run().metrics(),
                jobs(child(child(root, "run"), "kubernetes")));
    }

    private static void refuseLiteralSecrets(Pipeline p) {
        // a used connection's secrets are among the pipeline's warnings and the file's too: each is named once
        Set<String> literal = new LinkedHashSet<>();
        p.warnings().stream()
                .filter(Validator::isLiteralSecret)
                .forEach(w -> literal.add(w.location() + ": " + w.path()));
        if (p.connectionsFile().isPresent()) {
            // every connection of the file goes into the ConfigMap, the ones this pipeline does not use too
            Connections.load(p.connectionsFile().get(), name -> "unset-" + name).literalSecrets().stream()
                    .forEach(w -> literal.add(w.location() + ": " + w.path()));
        }
        if (literal.isEmpty()) return;
        StringBuilder m = new StringBuilder("a secret is written as its value, not as ${VARIABLE}, where the "
                + "ConfigMap would hold it in plain text for anyone who may read ConfigMaps:");
        literal.forEach(w -> m.append("\n  ").append(w));
        m.append("\nwrite each as ${VARIABLE} (the pods read it from the pipeline's Secret, which generate's notes "
                + "name) or ${file:/path} (a mounted Secret), then run it again; nothing was generated");
        throw new ManifestException(m.toString());
    }

    private static Optional<JobsBlock> jobs(ConfigNode block) {
        if (block == null) return Optional.empty();
        List<String> secrets = new ArrayList<>();
        switch (child(block, "env_from_secrets")) {
            case ConfigNode.Sequence seq ->
                seq.items().forEach(i -> {
                    if (i instanceof ConfigNode.Scalar sc && !sc.isNull()) secrets.add(sc.value());
                });
            case ConfigNode.Scalar sc when !sc.isNull() -> secrets.add(sc.value());
            case null, default -> {}
        }
        return Optional.of(new JobsBlock(scalars(block), secrets));
    }

    private static Optional<Map<String, String>> fileServer(ConfigNode block) {
        if (block == null) return Optional.empty();
        Map<String, String> out = new LinkedHashMap<>(scalars(block));
        scalars(child(block, "tls")).forEach((k, v) -> out.put("tls." + k, v));
        if (child(block, "tls") != null) out.putIfAbsent("tls", "");
        return Optional.of(out);
    }

    /** The references in the values (not in comments: a variable named in a comment is no secret to mount). */
    private static void references(ConfigNode node, Map<String, Boolean> variables, List<String> fileRefs) {
        switch (node) {
            case ConfigNode.Scalar s -> {
                if (s.isNull()) return;
                Matcher m = REFERENCE.matcher(s.value());
                while (m.find()) {
                    if (m.group(1) != null) fileRefs.add(m.group(1).strip());
                    else if (m.group(2) != null) variables.merge(m.group(2), m.group(3) != null, Boolean::logicalAnd);
                }
            }
            case ConfigNode.Sequence seq -> seq.items().forEach(i -> references(i, variables, fileRefs));
            case ConfigNode.Mapping map ->
                map.entries().values().forEach(e -> references(e.value(), variables, fileRefs));
        }
    }

    /** A path relative to the pipeline's folder, with {@code /} separators. */
    static String relative(Path folder, Path path) {
        return Folders.key(folder, path.normalize());
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static ConfigNode child(ConfigNode node, String key) {
        if (node instanceof ConfigNode.Mapping map && map.entries().get(key) instanceof ConfigNode.Entry e) {
            return e.value();
        }
        return null;
    }

    private static Optional<String> scalar(ConfigNode node, String key) {
        return child(node, key) instanceof ConfigNode.Scalar s && !s.isNull()
                ? Optional.of(s.value())
                : Optional.empty();
    }

    private static Map<String, String> scalars(ConfigNode node) {
        Map<String, String> out = new LinkedHashMap<>();
        if (node instanceof ConfigNode.Mapping map) {
            map.entries().forEach((k, e) -> {
                if (e.value() instanceof ConfigNode.Scalar s && !s.isNull()) out.put(k, s.value());
            });
        } else if (node instanceof ConfigNode.Scalar s && !s.isNull()) {
            out.put("", s.value()); // a shorthand, e.g. `sqlite: path.db`
        }
        return out;
    }
}
