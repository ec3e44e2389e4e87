package io.sluice.kubernetes.runner;

import io.sluice.config.Field;
import io.sluice.config.Options;
import io.sluice.config.Type;
import io.sluice.kubernetes.manifest.ApiValues;
import io.sluice.kubernetes.manifest.Manifests;
import io.sluice.spi.KubernetesNames;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code run.kubernetes} block: how many Jobs at once, and the pod template of each. Only names of Kubernetes
 * Secrets are written here ({@code env_from_secrets}); their values never pass through Sluice.
 *
 * @param namespace   empty: the client's namespace (the pod's own in a cluster, the kubeconfig's outside)
 * @param command     the container's command; its arguments are {@code run PIPELINE_FILE --split ID}
 * @param pipelineFile the pipeline file as the pod sees it
 * @param configMap   a ConfigMap holding the pipeline file, mounted at its folder; empty: the image has it
 * @param security    which containers of a Job's pod get the restricted securityContext
 * @param runAsUser   the user (and group) that securityContext runs them as; never 0 (root) while there is one
 * @param startTimeout how long a Job may go without a started pod before its attempt ends as failed
 */
public record JobOptions(
        String image,
        Optional<String> namespace,
        int maxActive,
        List<String> command,
        Optional<String> pipelineFile,
        Optional<String> configMap,
        Map<String, String> requests,
        Map<String, String> limits,
        Map<String, String> nodeSelector,
        List<Map<String, String>> tolerations,
        Optional<String> serviceAccount,
        List<String> envFromSecrets,
        Optional<Duration> ttlAfterFinished,
        Optional<Duration> activeDeadline,
        List<Integer> noRetryExitCodes,
        int logLines,
        Security security,
        long runAsUser,
        Duration startTimeout) {

    /** Which containers of a Job's pod get the securityContext that Pod Security's {@code restricted} level asks for. */
    public enum Security {
        /** All of them, the exec step's image too: the pods pass {@code restricted}. */
        RESTRICTED,
        /** Sluice's own; the exec step's image runs as it is built (root, if so): {@code baseline} at most. */
        EXEC_AS_IMAGE,
        /** None: every container runs as its image says (an image of your own that needs root). */
        NONE;

        String value() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public JobOptions {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(security, "security");
        Objects.requireNonNull(startTimeout, "startTimeout");
        if (runAsUser < 0 || runAsUser == 0 && security != Security.NONE)
            throw new IllegalArgumentException("run_as_user must be a non-root uid (> 0), not " + runAsUser);
        if (maxActive < 1) throw new IllegalArgumentException("max_active must be >= 1");
        command = List.copyOf(command);
        requests = Map.copyOf(requests);
        limits = Map.copyOf(limits);
        nodeSelector = Map.copyOf(nodeSelector);
        tolerations = tolerations.stream().map(Map::copyOf).toList();
        envFromSecrets = List.copyOf(envFromSecrets);
        noRetryExitCodes = List.copyOf(noRetryExitCodes);
    }

    static final Field<String> IMAGE =
            Field.required("image", Type.STRING, "The container image of each Job's pod: Sluice with its connectors.");
    static final Field<String> NAMESPACE = Field.computed(
            "namespace",
            Type.STRING,
            "the client's (in a cluster: the controller pod's own)",
            "Where the Jobs are created.");
    static final Field<Long> MAX_ACTIVE =
            Field.optional("max_active", Type.POSITIVE_INT, 10L, "At most this many Jobs exist unfinished at a time.");
    static final Field<List<String>> COMMAND = Field.optional(
            "command",
            Type.listOf(Type.STRING),
            List.of(),
            "The container's command; none (the default) runs the image's entry point (Sluice's image:"
                    + " `/opt/sluice/bin/sluice`). The runner passes `run PIPELINE_FILE --split ID` as its arguments.");
    static final Field<String> PIPELINE_FILE = Field.computed(
            "pipeline_file",
            Type.STRING,
            "the controller's own path of the pipeline file",
            "The pipeline file as the pod sees it (in the image, or where `config_map` is mounted).");
    static final Field<String> CONFIG_MAP = Field.computed(
            "config_map",
            Type.STRING,
            "none",
            "A ConfigMap holding the pipeline file, mounted read-only at the folder of `pipeline_file`.");
    static final Field<Map<String, String>> REQUESTS = Field.optional(
            "requests", Type.mapOf(Type.STRING), Map.of(), "Resource requests, e.g. `{cpu: 500m, memory: 1Gi}`.");
    static final Field<Map<String, String>> LIMITS =
            Field.optional("limits", Type.mapOf(Type.STRING), Map.of(), "Resource limits, e.g. `{memory: 2Gi}`.");
    static final Field<Options> RESOURCES = Field.optional(
            "resources", Type.Obj.of("The container's resources.", REQUESTS, LIMITS), null, "The pod's resources.");
    static final Field<Map<String, String>> NODE_SELECTOR =
            Field.optional("node_selector", Type.mapOf(Type.STRING), Map.of(), "Node labels a Job's pod must run on.");
    static final Field<List<Map<String, String>>> TOLERATIONS = Field.optional(
            "tolerations",
            Type.listOf(Type.mapOf(Type.STRING)),
            List.of(),
            "Taints the pods tolerate, each `{key, operator, value, effect}` as in Kubernetes.");
    static final Field<String> SERVICE_ACCOUNT =
            Field.computed("service_account", Type.STRING, "the namespace's default", "The pods' service account.");
    static final Field<List<String>> ENV_FROM_SECRETS = Field.optional(
            "env_from_secrets",
            Type.listOf(Type.STRING),
            List.of(),
            "Kubernetes Secrets whose keys become the pod's environment (the `${VAR}`s of the pipeline and its "
                    + "profiles); only their names are written here.");
    static final Field<Duration> TTL = Field.computed(
            "ttl_seconds_after_finished",
            Type.DURATION,
            "none: the runner deletes each finished Job once its outcome is in the ledger",
            "Kubernetes deletes a finished Job after this, even when no runner is left to do it; make it longer "
                    + "than a runner's restart, or a failure's reason may be lost (its split is then retried after its "
                    + "lease).");
    static final Field<Duration> DEADLINE = Field.computed(
            "active_deadline_seconds",
            Type.DURATION,
            "none",
            "A Job still running after this is stopped (DeadlineExceeded), recorded as a failed attempt.");
    static final Field<Duration> START_TIMEOUT = Field.optional(
            "start_timeout",
            Type.DURATION,
            Duration.ofMinutes(15),
            "A Job whose pod has not started after this (no pod made and no event saying why, or a pod left"
                    + " Pending: no node fits it, a volume it waits for) has its attempt recorded as failed, with what"
                    + " was seen, and is deleted; `run.retries` decides the next. Until then the controller says which"
                    + " split waits and why, after a minute and every 5 minutes after. At least a minute: a pod the API server refuses is ended first by"
                    + " the reason its events give. A pod a full quota refuses is not timed: it waits.");
    static final Field<List<Long>> NO_RETRY_EXIT_CODES = Field.optional(
            "no_retry_exit_codes",
            Type.listOf(new Type.Int(1, 255)),
            List.of(),
            "Exit codes that mean another attempt would fail the same way: the Job's pod failure policy fails it at "
                    + "once and its split is dead, not retried.");
    static final Field<Long> LOG_LINES = Field.optional(
            "log_lines", new Type.Int(0, 1000), 20L, "Last lines of a failed pod's log kept with the failure.");

    static final Field<String> SECURITY_CONTEXT = Field.optional(
            "security_context",
            Type.choice("restricted", "exec_as_image", "none"),
            "restricted",
            "The securityContext of the Jobs' pods. `restricted`: every container runs as `run_as_user` (by default"
                    + " 10001, the user of Sluice's image), non-root, without privilege escalation or capabilities, with the RuntimeDefault"
                    + " seccomp profile, so the pods pass the Pod Security level `restricted`. `exec_as_image`: the"
                    + " same for Sluice's own containers, while the exec step's image runs as it is built (root, if"
                    + " so; the pods meet `baseline`). `none`: no securityContext (an image of your own that needs"
                    + " root). See [Pod Security](kubernetes.md#pod-security).");

    static final Field<Long> RUN_AS_USER = Field.optional(
            "run_as_user",
            new Type.Int(0, Integer.MAX_VALUE),
            Manifests.IMAGE_USER,
            "The user (and group) the securityContext of `security_context: restricted` or `exec_as_image` runs the"
                    + " containers as, in the Jobs' pods and in the pods `sluice k8s generate` writes: the user of"
                    + " Sluice's image (10001) by default; the numeric uid of an image of your own built with another"
                    + " `USER`. Not 0: `runAsNonRoot` refuses root. Unused with `security_context: none`.");

    static final Field<Options> FILE_SERVER = Field.computed(
            "file_server",
            FileServing.TYPE,
            "none: the pods read the source's folder themselves",
            "Serve each split's input files to its Job's pod, which downloads them before it runs: for a local "
                    + "`files` source on a volume only the controller mounts. See [the file server](kubernetes.md#the-file-server).");

    static final Type.Obj TYPE = Type.Obj.of(
            "The kubernetes runner: one Job per split.",
            IMAGE,
            NAMESPACE,
            MAX_ACTIVE,
            COMMAND,
            PIPELINE_FILE,
            CONFIG_MAP,
            RESOURCES,
            NODE_SELECTOR,
            TOLERATIONS,
            SERVICE_ACCOUNT,
            ENV_FROM_SECRETS,
            TTL,
            DEADLINE,
            START_TIMEOUT,
            NO_RETRY_EXIT_CODES,
            LOG_LINES,
            SECURITY_CONTEXT,
            RUN_AS_USER,
            FILE_SERVER);

    /**
     * @throws io.sluice.config.ConfigException naming the option, for what the API server would refuse in every Job (a
     *     quantity such as {@code 2GB}, a name with {@code _} or upper case): each create would fail, and the splits
     *     stay pending while the controller tries again for ever
     */
    static JobOptions of(Options o) {
        Options resources = o.get(RESOURCES);
        for (Field<Map<String, String>> f : List.of(REQUESTS, LIMITS)) {
            resources.get(f).forEach((resource, amount) -> {
                if (!ApiValues.isQuantity(amount)) {
                    throw resources.problem(
                            f,
                            "`" + resource + ": " + amount + "` is not a Kubernetes quantity: write e.g. 500m or 2 "
                                    + "(CPUs), 512Mi, 4Gi or 4G (bytes; not 4GB)");
                }
            });
        }
        o.find(NAMESPACE).ifPresent(n -> name(o, NAMESPACE, n, true));
        o.find(CONFIG_MAP).ifPresent(n -> name(o, CONFIG_MAP, n, false));
        o.find(SERVICE_ACCOUNT).ifPresent(n -> name(o, SERVICE_ACCOUNT, n, false));
        o.get(ENV_FROM_SECRETS).forEach(n -> name(o, ENV_FROM_SECRETS, n, false));
        Security security = Security.valueOf(o.get(SECURITY_CONTEXT).toUpperCase(java.util.Locale.ROOT));
        return new JobOptions(
                o.get(IMAGE),
                o.find(NAMESPACE),
                Math.toIntExact(o.get(MAX_ACTIVE)),
                o.get(COMMAND),
                o.find(PIPELINE_FILE),
                o.find(CONFIG_MAP),
                resources.get(REQUESTS),
                resources.get(LIMITS),
                o.get(NODE_SELECTOR),
                o.get(TOLERATIONS),
                o.find(SERVICE_ACCOUNT),
                o.get(ENV_FROM_SECRETS),
                o.find(TTL),
                o.find(DEADLINE),
                o.get(NO_RETRY_EXIT_CODES).stream().map(Long::intValue).toList(),
                Math.toIntExact(o.get(LOG_LINES)),
                security,
                runAsUser(o, security),
                o.get(START_TIMEOUT));
    }

    /** {@code run_as_user}, refused when it is root under a securityContext that says {@code runAsNonRoot}. */
    private static long runAsUser(Options o, Security security) {
        long user = o.get(RUN_AS_USER);
        if (user == 0 && security != Security.NONE) {
            throw o.problem(
                    RUN_AS_USER,
                    "0 is root, and security_context " + security.value() + " sets runAsNonRoot: true, so the kubelet"
                            + " would refuse to start every Job's pod (CreateContainerConfigError). Write the non-zero"
                            + " uid your image runs as (10001 for Sluice's), or security_context: none for an image"
                            + " that must run as root");
        }
        return user;
    }

    /** @param label a DNS-1123 label (a namespace), else a DNS-1123 subdomain */
    private static void name(Options o, Field<?> field, String name, boolean label) {
        if (!(label ? KubernetesNames.isLabel(name) : KubernetesNames.isSubdomain(name))) {
            throw o.problem(
                    field,
                    "`" + name + "` is not a Kubernetes object name: lower-case letters, digits and `-`"
                            + (label ? "" : " (and `.`)") + ", starting and ending with a letter or "
                            + "digit, at most " + (label ? 63 : 253) + " characters");
        }
    }
}
