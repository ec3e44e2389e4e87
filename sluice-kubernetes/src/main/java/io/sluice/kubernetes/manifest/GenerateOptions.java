package io.sluice.kubernetes.manifest;

import io.sluice.spi.KubernetesNames;
import java.time.Duration;
import java.util.Objects;

/**
 * How {@code sluice k8s generate} shapes the objects, beyond what the pipeline says.
 *
 * @param mode         {@code pool}: a Deployment of workers; {@code jobs}: the controller that starts one Job per split
 * @param image        the container image: the project's (sluice-dist/Dockerfile), or one with the same entry point
 * @param namespace    where the objects go (the RoleBinding's subject names it)
 * @param volumeClaim  a PersistentVolumeClaim mounted at the pipeline's folder, for local paths; null for none
 * @param cpu          CPU request of each pod, e.g. {@code 1} or {@code 500m}
 * @param memory       memory request and limit of each pod, e.g. {@code 2Gi}
 * @param parallelism  splits a worker processes at the same time; also the splits per worker KEDA aims for
 * @param replicas     the most workers KEDA scales a pool to; the fixed number where KEDA cannot count the ledger
 * @param gracePeriod  how long a stopping pod may take to let its splits in flight commit
 * @param healthPort   the port of the worker's health endpoint ({@code sluice worker --health-port})
 * @param prometheusUrl the Prometheus KEDA asks for the pool's open splits (the workers' {@code run.metrics}), where
 *     KEDA cannot count them in the ledger itself (Redis); null for none
 */
public record GenerateOptions(
        Mode mode,
        String image,
        String namespace,
        String volumeClaim,
        String cpu,
        String memory,
        int parallelism,
        int replicas,
        Duration gracePeriod,
        int healthPort,
        String prometheusUrl) {
    public static final String DEFAULT_CPU = "1";
    public static final String DEFAULT_MEMORY = "2Gi";
    public static final int DEFAULT_PARALLELISM = 2;
    public static final int DEFAULT_REPLICAS = 4;
    /** A split in flight gets this long to commit after SIGTERM; after it, SIGKILL, and the split runs again. */
    public static final Duration DEFAULT_GRACE = Duration.ofMinutes(10);

    public static final int DEFAULT_HEALTH_PORT = 8080;

    public enum Mode {
        POOL,
        JOBS
    }

    public GenerateOptions {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(namespace, "namespace");
        if (image.isBlank()) throw new IllegalArgumentException("--image must not be blank");
        if (!KubernetesNames.isLabel(namespace)) {
            throw new IllegalArgumentException("namespace '" + namespace
                    + "' is not a valid Kubernetes namespace: lower-case letters, digits and '-', at most 63");
        }
        if (volumeClaim != null && !KubernetesNames.isSubdomain(volumeClaim)) {
            throw new IllegalArgumentException("volume claim '" + volumeClaim
                    + "' is not a valid PersistentVolumeClaim name: lower-case letters, digits, '-' and '.'");
        }
        quantity("--cpu", cpu);
        quantity("--memory", memory);
        if (parallelism < 1) throw new IllegalArgumentException("parallelism must be at least 1");
        if (replicas < 1) throw new IllegalArgumentException("replicas must be at least 1");
        if (gracePeriod.isNegative()) throw new IllegalArgumentException("the grace period must not be negative");
        if (healthPort < 1 || healthPort > 65535) throw new IllegalArgumentException("health port out of range");
        if (prometheusUrl != null && !prometheusUrl.matches("https?://[^\\s\"']+")) {
            throw new IllegalArgumentException("--prometheus-url '" + prometheusUrl
                    + "' is not an http(s) URL, e.g. http://prometheus-server.monitoring.svc:9090");
        }
    }

    private static void quantity(String option, String value) {
        if (!ApiValues.isQuantity(value)) {
            throw new IllegalArgumentException(
                    option + " '" + value + "' is not a Kubernetes quantity (e.g. 500m, 2, 512Mi, 4Gi)");
        }
    }

    /** The defaults, for a mode, image and namespace. */
    public static GenerateOptions of(Mode mode, String image, String namespace) {
        return new GenerateOptions(
                mode,
                image,
                namespace,
                null,
                DEFAULT_CPU,
                DEFAULT_MEMORY,
                DEFAULT_PARALLELISM,
                DEFAULT_REPLICAS,
                DEFAULT_GRACE,
                DEFAULT_HEALTH_PORT,
                null);
    }

    public GenerateOptions withVolumeClaim(String claim) {
        return new GenerateOptions(
                mode,
                image,
                namespace,
                claim,
                cpu,
                memory,
                parallelism,
                replicas,
                gracePeriod,
                healthPort,
                prometheusUrl);
    }

    public GenerateOptions withPrometheus(String url) {
        return new GenerateOptions(
                mode, image, namespace, volumeClaim, cpu, memory, parallelism, replicas, gracePeriod, healthPort, url);
    }
}
