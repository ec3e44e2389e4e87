package io.sluice.kubernetes.manifest;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.sluice.pipeline.CronSchedule;
import io.sluice.pipeline.MetricsOptions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The Kubernetes objects of one pipeline, in the order they are applied (what others refer to comes first). Built
 * with fabric8's model builders, so every object has the shape of its kind; {@link ManifestChecks} checks what the
 * API server would refuse besides.
 */
public final class Manifests {
    /** The folder the pipeline's folder is in each pod: its relative paths resolve under it. */
    public static final String FOLDER = "/sluice";

    /** Ledgers a pod cannot share with another pod: the file of one machine's disk, the memory of one process. */
    private static final Set<String> LOCAL_LEDGERS = Set.of("sqlite", "memory");

    static final String CONFIG_HASH = "sluice.io/config-sha256";

    /** The name of the container port and Service port of {@code run.metrics}. */
    static final String METRICS_PORT = "metrics";

    /** The user and group the project's image runs as (sluice-dist/Dockerfile). */
    public static final long IMAGE_USER = 10001;

    /** The objects, and what the user must know or do besides (the Secret to create, what was left out and why). */
    public record Generated(List<HasMetadata> objects, List<String> notes) {
        public Generated {
            objects = List.copyOf(objects);
            notes = List.copyOf(notes);
        }
    }

    private final PipelineFacts facts;
    private final GenerateOptions options;
    private final Names names;
    private final List<String> notes = new ArrayList<>();

    private Manifests(PipelineFacts facts, GenerateOptions options) {
        this.facts = facts;
        this.options = options;
        this.names = facts.names();
    }

    /**
     * @throws ManifestException when the pipeline cannot run in pods as it is (a ledger pods cannot share, a local path
     *     without a volume or outside the pipeline's folder)
     */
    public static Generated generate(PipelineFacts facts, GenerateOptions options) {
        return new Manifests(facts, options).build();
    }

    private Generated build() {
        requireSharedLedger();
        requireVolume();
        requireReachableMetrics();
        ConfigMap config = configMap();
        String configHash = Names.sha256(new TreeMap<>(config.getData()).toString());
        List<HasMetadata> out = new ArrayList<>();
        out.add(new ServiceAccountBuilder()
                .withMetadata(meta(names.base(), "identity"))
                // a pool's pods never call the API server; the controller's do
                .withAutomountServiceAccountToken(options.mode() == GenerateOptions.Mode.JOBS)
                .build());
        if (options.mode() == GenerateOptions.Mode.JOBS) {
            out.add(role());
            out.add(roleBinding());
        }
        out.add(config);
        if (facts.schedule().isPresent()) scheduled(out, facts.schedule().get(), configHash);
        else if (options.mode() == GenerateOptions.Mode.POOL) pool(out, configHash);
        else controller(out, configHash);
        if (!facts.variables().isEmpty()) {
            // a variable with a default, or one only a connection the pipeline does not use names, may be left out
            List<String> needed = facts.variables().entrySet().stream()
                    .filter(v -> !v.getValue())
                    .map(Map.Entry::getKey)
                    .toList();
            List<String> optional = facts.variables().entrySet().stream()
                    .filter(Map.Entry::getValue)
                    .map(Map.Entry::getKey)
                    .toList();
            // with no variable needed, the command lists the optional ones: it had no key at all, and ran into them
            List<String> keys = needed.isEmpty() ? optional : needed;
            notes.add("the pods read " + String.join(", ", facts.variables().keySet()) + " from the Secret "
                    + names.secret() + " (one key per variable, named as it); create it before applying, e.g. "
                    + "kubectl -n " + options.namespace() + " create secret generic " + names.secret() + " "
                    + keys.stream()
                            .map(v -> "--from-literal=" + v + "=...")
                            .collect(java.util.stream.Collectors.joining(" "))
                    + (optional.isEmpty()
                            ? ""
                            : needed.isEmpty()
                                    ? " (each optional: it has a default, or only a connection the pipeline does not"
                                            + " use names it; leave out the keys you do not set)"
                                    : "; optional (a default, or a connection the pipeline does not use): "
                                            + String.join(", ", optional)));
        }
        imageSecretNotes();
        if (!facts.fileRefs().isEmpty()) {
            notes.add("the pipeline reads "
                    + facts.fileRefs().stream().map(f -> "${file:" + f + "}").toList()
                    + ": mount those files into the pods yourself (a Secret volume); they are not generated");
        }
        for (LocalPaths.Found key : facts.keyFiles()) {
            String inPod = key.path().startsWith(facts.folder())
                    ? FOLDER + "/" + PipelineFacts.relative(facts.folder(), key.path())
                    : key.path().toString();
            notes.add(key.option() + " is a key file: the pods read it at " + inPod + "; mount it there yourself from"
                    + " a Secret (a secret volume, subPath for one file); it is not generated, and it does not belong"
                    + " on the shared volume");
        }
        return new Generated(out, notes);
    }

    /** Each Secret an exec step's image reads ({@code secret_env}): its variables and keys, and how to create it. */
    private void imageSecretNotes() {
        Map<String, Map<String, String>> bySecret = new TreeMap<>(); // secret -> variable -> key
        facts.imageSecretEnv()
                .forEach((variable, ref) -> bySecret.computeIfAbsent(ref.secret(), s -> new TreeMap<>())
                        .put(variable, ref.key()));
        bySecret.forEach((secret, variables) -> notes.add("the exec step's image reads "
                + variables.entrySet().stream()
                        .map(v -> v.getKey() + " (key " + v.getValue() + ")")
                        .collect(java.util.stream.Collectors.joining(", "))
                + " from the Secret " + secret + " (secret_env); create it before applying, e.g. kubectl -n "
                + options.namespace() + " create secret generic " + secret + " "
                + variables.values().stream()
                        .distinct()
                        .sorted()
                        .map(k -> "--from-literal=" + k + "=...")
                        .collect(java.util.stream.Collectors.joining(" "))));
    }

    private void requireSharedLedger() {
        if (!LOCAL_LEDGERS.contains(facts.ledger())) return;
        String where = facts.ledger().equals("memory")
                ? "in the memory of the process that runs it"
                : "in SQLite, a file on one machine's disk (the default when `state:` is left out)";
        String who = options.mode() == GenerateOptions.Mode.POOL
                ? "the workers of a pool"
                : "the controller and the pod of each Job";
        throw new ManifestException("pipeline " + names.pipeline() + " keeps its ledger " + where + ": " + who
                + " must share one ledger, or each would process every split on its own. Set `state:` to a shared "
                + "ledger: postgres (KEDA then scales the pool with the work) or redis "
                + "(docs/ledgers/postgres.md, docs/ledgers/redis.md)");
    }

    private void requireVolume() {
        for (LocalPaths.Found f : facts.data()) {
            if (!f.path().normalize().startsWith(facts.folder())) {
                throw new ManifestException(f.option() + " is " + f.path() + ", outside the pipeline's folder "
                        + facts.folder() + ": in a pod only the pipeline's folder is on a volume (--volume-claim); "
                        + "write the path inside it, or use an object store (s3://, gs://, az://)");
            }
            if (options.volumeClaim() == null) {
                throw new ManifestException(f.option() + " is the local path "
                        + PipelineFacts.relative(facts.folder(), f.path()) + ": pods need it on a volume they share. "
                        + "Give --volume-claim NAME, a PersistentVolumeClaim (ReadWriteMany for several pods) that "
                        + "holds the pipeline's folder, or " + f.otherwise());
            }
        }
    }

    /** A metrics endpoint a Service can send Prometheus to: a fixed port, on the pod's every interface. */
    private void requireReachableMetrics() {
        if (facts.metrics().isEmpty()) return;
        MetricsOptions m = facts.metrics().get();
        if (m.port() == 0) {
            throw new ManifestException("run.metrics.port is 0 (any free port): the metrics Service needs a fixed one; "
                    + "write a port, e.g. " + MetricsOptions.DEFAULT_PORT);
        }
        if (!m.host().equals("0.0.0.0") && !m.host().equals("::")) {
            throw new ManifestException("run.metrics.host is " + m.host() + ": in a pod only the pod itself could "
                    + "reach it, not Prometheus; write host: 0.0.0.0 (the default) or leave it out");
        }
        if (m.port() == options.healthPort() && options.mode() == GenerateOptions.Mode.POOL) {
            throw new ManifestException("run.metrics.port " + m.port() + " is also the workers' --health-port: give "
                    + "one of them another port");
        }
    }

    /** The controller serves files and metrics from one container: two servers cannot listen on one port. */
    private void requireOtherPortThanMetrics(FileServerObjects files) {
        facts.metrics().filter(m -> m.port() == files.port()).ifPresent(m -> {
            throw new ManifestException("run.metrics.port " + m.port() + " is also run.kubernetes.file_server.port: "
                    + "the controller serves both, so give one of them another port");
        });
    }

    /** The container's named port {@code metrics}, when the pipeline serves metrics. */
    private void addMetricsPort(ContainerBuilder c) {
        facts.metrics()
                .ifPresent(m -> c.addToPorts(new io.fabric8.kubernetes.api.model.ContainerPortBuilder()
                        .withName(METRICS_PORT)
                        .withContainerPort(m.port())
                        .build()));
    }

    /**
     * {@code NAME-metrics}: the pods of {@code component} on their metrics port, with the annotations a Prometheus
     * configured for Kubernetes service endpoints scrapes by ({@code prometheus.io/scrape|port|path}). The annotations
     * are on the Service only: on the pods too, a Prometheus that also scrapes annotated pods would take each twice.
     */
    private void metricsService(List<HasMetadata> out, String component) {
        if (facts.metrics().isEmpty()) {
            notes.add("no metrics Service: the pipeline sets no run.metrics (add `run: { metrics: {} }` to serve "
                    + "Prometheus metrics on port " + MetricsOptions.DEFAULT_PORT + ", docs/metrics.md)");
            return;
        }
        int port = facts.metrics().get().port();
        ObjectMeta meta = meta(names.named("metrics"), component);
        Map<String, String> annotations = new LinkedHashMap<>(); // in this order: the output must be stable
        annotations.put("prometheus.io/scrape", "true");
        annotations.put("prometheus.io/port", Integer.toString(port));
        annotations.put("prometheus.io/path", "/metrics");
        meta.setAnnotations(annotations);
        out.add(new io.fabric8.kubernetes.api.model.ServiceBuilder()
                .withMetadata(meta)
                .withNewSpec()
                .withType("ClusterIP")
                .withSelector(names.labels(component))
                .addNewPort()
                .withName(METRICS_PORT)
                .withPort(port)
                .withTargetPort(new IntOrString(METRICS_PORT))
                .endPort()
                .endSpec()
                .build());
    }

    private HasMetadata role() {
        return new RoleBuilder()
                .withMetadata(meta(names.named("jobs"), "controller"))
                .withRules(jobsControllerRules())
                .build();
    }

    /** What the controller of the Jobs mode does in its namespace: the rules of the Role generate writes for it. */
    public static List<PolicyRule> jobsControllerRules() {
        return List.of(
                new PolicyRuleBuilder()
                        .withApiGroups("batch")
                        .withResources("jobs")
                        .withVerbs("create", "get", "list", "watch", "delete")
                        .build(),
                new PolicyRuleBuilder()
                        .withApiGroups("")
                        .withResources("pods", "pods/log")
                        .withVerbs("get", "list", "watch")
                        .build(),
                // a Job whose pod the API server refuses (Pod Security, a webhook) says why only in them
                new PolicyRuleBuilder()
                        .withApiGroups("")
                        .withResources("events")
                        .withVerbs("get", "list")
                        .build());
    }

    /** The rules in words, as an error names what a Role must grant: "create, get on jobs in API group batch; ...". */
    public static String describe(List<PolicyRule> rules) {
        return String.join(
                "; ",
                rules.stream()
                        .map(r -> String.join(", ", r.getVerbs()) + " on " + String.join(" and ", r.getResources())
                                + (r.getApiGroups().equals(List.of(""))
                                        ? ""
                                        : " in API group " + String.join(", ", r.getApiGroups())))
                        .toList());
    }

    private HasMetadata roleBinding() {
        return new RoleBindingBuilder()
                .withMetadata(meta(names.named("jobs"), "controller"))
                .withNewRoleRef("rbac.authorization.k8s.io", "Role", names.named("jobs"))
                .addNewSubject()
                .withKind("ServiceAccount")
                .withName(names.base())
                .withNamespace(options.namespace())
                .endSubject()
                .build();
    }

    private ConfigMap configMap() {
        Map<String, String> data = new LinkedHashMap<>();
        Map<String, String> fileOfKey = new java.util.HashMap<>();
        putFile(data, fileOfKey, facts.fileName(), facts.text());
        facts.configFiles().forEach((path, text) -> putFile(data, fileOfKey, path, text));
        return new ConfigMapBuilder()
                .withMetadata(meta(names.base(), "config"))
                .withData(data)
                .build();
    }

    /**
     * Adds a file under its key, refusing a second file whose key is the same: a ConfigMap's keys are flat, so
     * {@code a/b.yaml} and {@code a__b.yaml} are both {@code a__b.yaml}, and one file would silently replace the other
     * in every pod.
     */
    private static void putFile(Map<String, String> data, Map<String, String> fileOfKey, String path, String text) {
        String key = key(path);
        String other = fileOfKey.putIfAbsent(key, path);
        if (other != null && !other.equals(path))
            throw new ManifestException("the files " + other + " and " + path + " of the pipeline's folder would both"
                    + " be the ConfigMap key " + key + " (a ConfigMap's keys are flat: / becomes __, and a character"
                    + " other than letters, digits, -, _ and . becomes _), so one would replace the other in the pods:"
                    + " rename one of them (and the option that names it) so that their keys differ");
        data.put(key, text);
    }

    /** A ConfigMap key for a file: its path relative to the pipeline's folder, {@code /} as {@code __}. */
    static String key(String relative) {
        return relative.replace("/", "__").replaceAll("[^-._a-zA-Z0-9]", "_");
    }

    private void pool(List<HasMetadata> out, String configHash) {
        String name = names.named("worker");
        Scaling.Trigger trigger = Scaling.of(facts, options);
        notes.addAll(trigger.notes());
        List<String> args = new ArrayList<>(List.of(
                "worker",
                pipelinePath(),
                "--id",
                "$(POD_NAME)",
                "--parallelism",
                Integer.toString(options.parallelism()),
                "--health-port",
                Integer.toString(options.healthPort())));
        ContainerBuilder wb = container(args)
                .withPorts(new io.fabric8.kubernetes.api.model.ContainerPortBuilder()
                        .withName("health")
                        .withContainerPort(options.healthPort())
                        .build())
                // live: the process answers; ready: it opened its ledger and is not asked to stop (SIGTERM)
                .withLivenessProbe(probe("/healthz", 30))
                .withReadinessProbe(probe("/readyz", 5));
        addMetricsPort(wb);
        Container worker = wb.build();
        var deployment = new DeploymentBuilder()
                .withMetadata(meta(name, "worker"))
                .withNewSpec()
                .withNewSelector()
                .withMatchLabels(names.labels("worker"))
                .endSelector()
                .withTemplate(template("worker", configHash, worker, false))
                .endSpec();
        // KEDA owns the replica count of a scaled pool: a count here would fight it at every apply
        out.add(deployment
                .editSpec()
                .withReplicas(trigger.scaled() ? null : options.replicas())
                .endSpec()
                .build());
        out.add(new PodDisruptionBudgetBuilder()
                .withMetadata(meta(name, "worker"))
                .withNewSpec()
                // not minAvailable: a pool scaled to zero would block every drain
                .withMaxUnavailable(new IntOrString(1))
                .withNewSelector()
                .withMatchLabels(names.labels("worker"))
                .endSelector()
                .endSpec()
                .build());
        if (trigger.scaled()) {
            trigger.authentication().ifPresent(auth -> out.add(triggerAuthentication(name, auth)));
            out.add(scaledObject(name, trigger));
            // a pool that may scale to zero has no leader to list the source: the planner does
            if (trigger.minReplicas() == 0) out.add(planner(configHash));
        }
        metricsService(out, "worker");
    }

    private void controller(List<HasMetadata> out, String configHash) {
        noteLocalRunner();
        Optional<FileServerObjects> files = FileServerObjects.of(facts, options);
        files.ifPresent(this::requireOtherPortThanMetrics);
        ContainerBuilder cb = container(List.of("run", pipelinePath(), "--mode", "watch"))
                .addToEnv(fieldEnv("POD_NAMESPACE", "metadata.namespace"));
        files.ifPresent(f -> f.addTo(cb));
        addMetricsPort(cb);
        PodTemplateSpec template = template("controller", configHash, cb.build(), true);
        files.ifPresent(f -> template.getSpec().getVolumes().addAll(f.volumes()));
        out.add(new DeploymentBuilder()
                .withMetadata(meta(names.named("controller"), "controller"))
                .withNewSpec()
                // one is enough; more would wait for the ledger's leader lease
                .withReplicas(1)
                .withNewSelector()
                .withMatchLabels(names.labels("controller"))
                .endSelector()
                .withTemplate(template)
                .endSpec()
                .build());
        files.ifPresent(f -> {
            out.add(f.service(meta(names.named("files"), "controller")));
            notes.addAll(f.notes());
        });
        metricsService(out, "controller");
        notes.add("no probes on the controller: `sluice run` has no health endpoint (only `sluice worker` has)");
        noteJobsBlock();
    }

    /**
     * The Jobs' pods are the runner's: what they mount and read is what the pipeline's {@code run.kubernetes} block
     * says, not what is generated here. Each way the block misses the generated objects is said: every Job would fail
     * for it (a ConfigMap that is not there, variables the pods lack, a namespace the controller's Role is not in).
     */
    private void noteJobsBlock() {
        if (facts.jobs().isEmpty()) return; // no run.kubernetes: noteLocalRunner said it
        Map<String, String> block = facts.jobs().get().scalars();
        List<String> misses = new ArrayList<>();
        String configMap = block.get("config_map");
        String pipelineFile = block.get("pipeline_file");
        String file = FOLDER + "/" + facts.fileName();
        if (configMap == null) {
            misses.add("run.kubernetes.config_map is not set, so the Jobs' pods look for the pipeline file in their "
                    + "image; write config_map: " + names.base() + " to mount the ConfigMap generated here");
        } else if (!configMap.equals(names.base()) && !configMap.contains("${")) {
            misses.add("run.kubernetes.config_map is " + configMap + ", but the pipeline is in the ConfigMap "
                    + names.base() + " generated here: the Jobs' pods would mount " + configMap
                    + "; write config_map: " + names.base());
        } else if (pipelineFile != null
                && !pipelineFile.endsWith("/" + facts.fileName())
                && !pipelineFile.contains("${")) {
            misses.add("run.kubernetes.pipeline_file is " + pipelineFile + ", but the ConfigMap "
                    + names.base() + " holds the pipeline as " + facts.fileName() + "; write pipeline_file: " + file
                    + " (or leave it out)");
        }
        List<String> secrets = facts.jobs().get().envFromSecrets();
        if (!facts.variables().isEmpty() && !secrets.contains(names.secret())) {
            misses.add("run.kubernetes.env_from_secrets " + (secrets.isEmpty() ? "is not set" : "is " + secrets)
                    + ": the Jobs' pods get the pipeline's variables ("
                    + String.join(", ", facts.variables().keySet())
                    + ") from there, not from the Secret " + names.secret() + " the controller reads; add "
                    + names.secret() + " to it, or put them in those Secrets too");
        }
        String namespace = block.get("namespace");
        if (namespace != null && !namespace.equals(options.namespace()) && !namespace.contains("${")) {
            misses.add("run.kubernetes.namespace is " + namespace + ", but the controller's Role (create and delete "
                    + "Jobs, read their pods) is generated in " + options.namespace() + ": it could create no Job; "
                    + "leave run.kubernetes.namespace out, or generate with --namespace " + namespace);
        }
        if (misses.isEmpty()) {
            notes.add("the Jobs' pods read the pipeline and its variables as the pipeline's run.kubernetes block says: "
                    + "config_map: " + names.base()
                    + (facts.variables().isEmpty() ? "" : ", env_from_secrets: [" + names.secret() + "]")
                    + " (mounted at " + FOLDER + ", where the controller reads " + facts.fileName() + ")");
        } else {
            misses.forEach(m -> notes.add("warning: " + m));
        }
    }

    /**
     * {@code run.schedule}: a CronJob whose pod runs the pipeline {@code once} at the schedule's times, instead of
     * long-running pods. In a pool it processes the splits itself; in jobs mode it is the controller, which starts one
     * Job per split and ends when they are done. A once run lists the source itself, so there is nothing for KEDA to
     * scale and no planner CronJob.
     */
    private void scheduled(List<HasMetadata> out, CronSchedule schedule, String configHash) {
        boolean jobs = options.mode() == GenerateOptions.Mode.JOBS;
        // the scheduled controller serves its Jobs' files as the long-running one does (same labels, same Service)
        Optional<FileServerObjects> files = jobs ? FileServerObjects.of(facts, options) : Optional.empty();
        String component = jobs ? "controller" : "worker";
        List<String> args = new ArrayList<>(List.of("run", pipelinePath(), "--mode", "once"));
        if (jobs) {
            noteLocalRunner();
            noteJobsBlock();
        } else {
            args.addAll(List.of("--parallelism", Integer.toString(options.parallelism())));
        }
        ContainerBuilder c = container(args);
        if (jobs) c.addToEnv(fieldEnv("POD_NAMESPACE", "metadata.namespace"));
        files.ifPresent(f -> f.addTo(c));
        addMetricsPort(c);
        PodTemplateSpec t = template(component, configHash, c.build(), jobs);
        files.ifPresent(f -> t.getSpec().getVolumes().addAll(f.volumes()));
        notes.add("scheduled: the CronJob " + names.named("run") + " runs `sluice run --mode once` at " + schedule
                + (jobs ? " (it starts the Jobs and ends when they are done)" : "")
                + "; no long-running "
                + (jobs
                        ? "controller"
                        : "worker Deployment, no KEDA ScaledObject, no planner "
                                + "CronJob: each run lists the source itself"));
        out.add(cronJob(names.named("run"), component, schedule.expression().trim(), t)
                .editSpec()
                .withTimeZone(schedule.zone().getId())
                // started up to an hour late (the cluster's controller was down) rather than skipped
                .withStartingDeadlineSeconds(STARTING_DEADLINE_SECONDS)
                .withSuccessfulJobsHistoryLimit(3)
                .endSpec()
                .build());
        files.ifPresent(f -> {
            out.add(f.service(meta(names.named("files"), "controller")));
            notes.addAll(f.notes());
        });
        metricsService(out, component);
    }

    /**
     * A CronJob of one pod per run; a run still going at the next time is left to finish, and that time skipped
     * ({@code Forbid}). Its splits' retries are the ledger's: a pod that died (OOM, node lost) is started once more.
     */
    private CronJobBuilder cronJob(String name, String component, String schedule, PodTemplateSpec pod) {
        return new CronJobBuilder()
                .withMetadata(meta(name, component))
                .withNewSpec()
                .withSchedule(schedule)
                .withConcurrencyPolicy("Forbid")
                .withFailedJobsHistoryLimit(3)
                .withNewJobTemplate()
                .withNewMetadata()
                .withLabels(names.labels(component))
                .endMetadata()
                .withNewSpec()
                .withBackoffLimit(1)
                .withTemplate(new PodTemplateSpecBuilder(pod)
                        .editSpec()
                        .withRestartPolicy("Never")
                        .endSpec()
                        .build())
                .endSpec()
                .endJobTemplate()
                .endSpec();
    }

    /** The minutes that divide an hour, and the hours that divide a day: the steps cron keeps evenly. */
    private static final int[] MINUTE_STEPS = {1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60};

    private static final int[] HOUR_STEPS = {1, 2, 3, 4, 6, 8, 12, 24};

    /**
     * A cron schedule that runs evenly about every {@code interval}: rounded up to a step that divides an hour (a
     * minute to 30 minutes) or a day (1 to 12 hours), else daily. {@code *}{@code /45} would run at :00 and :45, 45 then
     * 15 minutes apart.
     */
    static String every(java.time.Duration interval) {
        long minutes = Math.max(1, (interval.toSeconds() + 59) / 60);
        for (int m : MINUTE_STEPS) {
            if (m >= minutes) return m == 1 ? "* * * * *" : m == 60 ? "0 * * * *" : "*/" + m + " * * * *";
        }
        long hours = (minutes + 59) / 60;
        for (int h : HOUR_STEPS) {
            if (h >= hours) return h == 24 ? "0 0 * * *" : "0 */" + h + " * * *";
        }
        return "0 0 * * *"; // longer intervals: daily, more often than asked, which only lists the source again
    }

    /** How late the cluster may start a scheduled run and still start it. */
    static final long STARTING_DEADLINE_SECONDS = 3600;

    private void noteLocalRunner() {
        if (!facts.runner().map("kubernetes"::equals).orElse(false)) {
            notes.add(
                    "the pipeline does not say `run: { runner: kubernetes }`: the controller would process the splits "
                            + "in its own pod instead of starting one Job per split");
        }
    }

    /**
     * A pool scaled to zero has no leader to list the source, so nothing would ever register the work that scales it
     * up again: a CronJob lists and registers ({@code sluice plan --register}) about every interval ({@link #every}).
     */
    private HasMetadata planner(String configHash) {
        Container c = container(List.of("plan", pipelinePath(), "--register")).build();
        PodTemplateSpec t = new PodTemplateSpecBuilder(template("planner", configHash, c, false))
                .editSpec()
                .withTerminationGracePeriodSeconds(30L)
                .endSpec()
                .build();
        return cronJob(names.named("plan"), "planner", every(facts.interval()), t)
                .editSpec()
                .withSuccessfulJobsHistoryLimit(1)
                .endSpec()
                .build();
    }

    private GenericKubernetesResource scaledObject(String deployment, Scaling.Trigger trigger) {
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("scaleTargetRef", Map.of("name", deployment));
        spec.put("minReplicaCount", trigger.minReplicas()); // 0: nothing open, no worker
        spec.put("maxReplicaCount", options.replicas());
        spec.put("pollingInterval", 30);
        spec.put("cooldownPeriod", 300);
        List<Map<String, Object>> triggers = new ArrayList<>();
        for (Scaling.Keda t : trigger.triggers()) {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("type", t.type());
            one.put("metadata", t.metadata());
            if (trigger.authentication().isPresent()) one.put("authenticationRef", Map.of("name", deployment));
            triggers.add(one);
        }
        spec.put("triggers", triggers);
        return keda("ScaledObject", deployment, spec);
    }

    /** KEDA's TriggerAuthentication of the pool's ScaledObject: how KEDA gets credentials for its scaler. */
    private GenericKubernetesResource triggerAuthentication(String name, Map<String, Object> spec) {
        return keda("TriggerAuthentication", name, spec);
    }

    /** An object of KEDA's (no fabric8 model class): a generic resource of the pool's worker component. */
    private GenericKubernetesResource keda(String kind, String name, Map<String, Object> spec) {
        return new GenericKubernetesResourceBuilder()
                .withApiVersion("keda.sh/v1alpha1")
                .withKind(kind)
                .withMetadata(meta(name, "worker"))
                .withAdditionalProperties(Map.of("spec", spec))
                .build();
    }

    private String pipelinePath() {
        return FOLDER + "/" + facts.fileName();
    }

    private ContainerBuilder container(List<String> args) {
        List<EnvVar> env = new ArrayList<>();
        env.add(fieldEnv("POD_NAME", "metadata.name"));
        // the pipeline's ${VARIABLES} from the Secret: their values are never in a generated file
        facts.variables()
                .forEach((variable, hasDefault) -> env.add(new EnvVarBuilder()
                        .withName(variable)
                        .withNewValueFrom()
                        .withNewSecretKeyRef(variable, names.secret(), hasDefault ? Boolean.TRUE : null)
                        .endValueFrom()
                        .build()));
        List<VolumeMount> mounts = new ArrayList<>();
        mounts.add(
                new VolumeMountBuilder().withName("work").withMountPath(FOLDER).build());
        mounts.add(fileMount(facts.fileName()));
        facts.configFiles().keySet().forEach(path -> mounts.add(fileMount(path)));
        // the root file system is read-only: DuckDB and SQLite unpack their native libraries into /tmp
        mounts.add(
                new VolumeMountBuilder().withName("tmp").withMountPath("/tmp").build());
        if (options.volumeClaim() != null) {
            // spill and scratch of each pod's own, not on the shared volume (scratch folders are named by pid)
            mounts.add(new VolumeMountBuilder()
                    .withName("spill")
                    .withMountPath(FOLDER + "/.sluice")
                    .build());
        }
        return new ContainerBuilder()
                .withName("sluice")
                .withImage(options.image())
                // the image's entry point is sluice (sluice-dist/Dockerfile): the args are the command
                .withArgs(args)
                .withEnv(env)
                .withNewResources()
                .addToRequests("cpu", new Quantity(options.cpu()))
                .addToRequests("memory", new Quantity(options.memory()))
                .addToLimits("memory", new Quantity(options.memory()))
                .endResources()
                .withVolumeMounts(mounts)
                .withNewSecurityContext()
                .withAllowPrivilegeEscalation(false)
                .withReadOnlyRootFilesystem(true)
                .withNewCapabilities()
                .withDrop("ALL")
                .endCapabilities()
                .endSecurityContext();
    }

    /** One file of the ConfigMap at its place in the pipeline's folder (a subPath: the folder itself stays writable). */
    private static VolumeMount fileMount(String relative) {
        return new VolumeMountBuilder()
                .withName("pipeline")
                .withMountPath(FOLDER + "/" + relative)
                .withSubPath(key(relative))
                .withReadOnly(true)
                .build();
    }

    private static EnvVar fieldEnv(String name, String field) {
        return new EnvVarBuilder()
                .withName(name)
                .withNewValueFrom()
                .withNewFieldRef()
                .withFieldPath(field)
                .endFieldRef()
                .endValueFrom()
                .build();
    }

    /**
     * The user the generated pods run as: {@code run.kubernetes.run_as_user} when the pipeline sets it (an image of
     * its own, built with another {@code USER}), else the user of Sluice's image. Root is refused: the pods say
     * {@code runAsNonRoot}.
     */
    private long runAsUser() {
        String written = facts.jobs().map(b -> b.scalars().get("run_as_user")).orElse(null);
        if (written == null) return IMAGE_USER;
        long user = Long.parseLong(written.strip()); // validated as an integer when the pipeline was loaded
        if (user == 0)
            throw new ManifestException("run.kubernetes.run_as_user is 0 (root), and the generated pods set"
                    + " runAsNonRoot: true, so no pod would start: write the non-zero uid your image runs as (10001"
                    + " for Sluice's)");
        return user;
    }

    private PodTemplateSpec template(String component, String configHash, Container container, boolean apiAccess) {
        Volume work = options.volumeClaim() != null
                ? new VolumeBuilder()
                        .withName("work")
                        .withNewPersistentVolumeClaim(options.volumeClaim(), false)
                        .build()
                // scratch and spill space (.sluice/ beside the pipeline) when no local path needs a volume
                : new VolumeBuilder()
                        .withName("work")
                        .withNewEmptyDir()
                        .endEmptyDir()
                        .build();
        Volume pipeline = new VolumeBuilder()
                .withName("pipeline")
                .withNewConfigMap()
                .withName(names.base())
                .endConfigMap()
                .build();
        PodSpec spec = new PodSpecBuilder()
                .withServiceAccountName(names.base())
                .withAutomountServiceAccountToken(apiAccess)
                .withTerminationGracePeriodSeconds(options.gracePeriod().toSeconds())
                // the image's user (sluice-dist/Dockerfile, or run_as_user); fsGroup lets it write the pipeline's
                // volume
                .withNewSecurityContext()
                .withRunAsNonRoot(true)
                .withRunAsUser(runAsUser())
                .withRunAsGroup(runAsUser())
                .withFsGroup(runAsUser())
                // with the container's hardening, what Pod Security's restricted level asks
                .withNewSeccompProfile()
                .withType("RuntimeDefault")
                .endSeccompProfile()
                .endSecurityContext()
                .withContainers(container)
                .withVolumes(volumes(work, pipeline))
                .build();
        return new PodTemplateSpecBuilder()
                .withNewMetadata()
                .withLabels(names.labels(component))
                // a changed pipeline changes the template, so apply rolls the pods onto it
                .withAnnotations(Map.of(CONFIG_HASH, configHash))
                .endMetadata()
                .withSpec(spec)
                .build();
    }

    private List<Volume> volumes(Volume work, Volume pipeline) {
        List<Volume> volumes = new ArrayList<>(List.of(work, pipeline));
        if (options.volumeClaim() != null) volumes.add(emptyDir("spill"));
        volumes.add(emptyDir("tmp"));
        return volumes;
    }

    private static Volume emptyDir(String name) {
        return new VolumeBuilder()
                .withName(name)
                .withNewEmptyDir()
                .endEmptyDir()
                .build();
    }

    private Probe probe(String path, int initialDelay) {
        return new ProbeBuilder()
                .withNewHttpGet()
                .withPath(path)
                .withPort(new IntOrString("health"))
                .endHttpGet()
                .withInitialDelaySeconds(initialDelay)
                .withPeriodSeconds(10)
                .withTimeoutSeconds(5)
                .withFailureThreshold(3)
                .build();
    }

    private ObjectMeta meta(String name, String component) {
        return new ObjectMetaBuilder()
                .withName(name)
                .withNamespace(options.namespace())
                .withLabels(names.labels(component))
                .build();
    }

    /** The kinds generate may write, for apply's pruning and delete: a kind a new version drops is still found. */
    public static List<Kind> kinds() {
        return Kind.ALL;
    }

    /** A kind of object generate writes, as the API addresses it. */
    public record Kind(String apiVersion, String kind, String plural) {
        static final List<Kind> ALL = List.of(
                new Kind("keda.sh/v1alpha1", "ScaledObject", "scaledobjects"),
                new Kind("keda.sh/v1alpha1", "TriggerAuthentication", "triggerauthentications"),
                new Kind("batch/v1", "CronJob", "cronjobs"),
                new Kind("policy/v1", "PodDisruptionBudget", "poddisruptionbudgets"),
                new Kind("apps/v1", "Deployment", "deployments"),
                new Kind("v1", "Service", "services"),
                new Kind("v1", "ConfigMap", "configmaps"),
                new Kind("rbac.authorization.k8s.io/v1", "RoleBinding", "rolebindings"),
                new Kind("rbac.authorization.k8s.io/v1", "Role", "roles"),
                new Kind("v1", "ServiceAccount", "serviceaccounts"));

        public String group() {
            int slash = apiVersion.indexOf('/');
            return slash < 0 ? "" : apiVersion.substring(0, slash);
        }

        public String version() {
            return apiVersion.substring(apiVersion.indexOf('/') + 1);
        }

        static Optional<Kind> of(HasMetadata o) {
            return ALL.stream()
                    .filter(k -> k.kind.equals(o.getKind()) && k.apiVersion.equals(o.getApiVersion()))
                    .findFirst();
        }
    }
}
