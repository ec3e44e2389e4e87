package io.sluice.kubernetes.manifest;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.net.HttpURLConnection;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@code sluice k8s apply|delete|status}: the generated objects on a cluster, found again by their labels.
 *
 * <p>Every kind is addressed through its group, version and plural ({@link Manifests.Kind}), not through API discovery:
 * the same calls then work for KEDA's ScaledObject and on a server that lists no discovery documents (fabric8's mock).
 */
public final class Cluster {
    /**
     * What an apply did, each object as {@code Kind/name}: those applied, those of the pipeline it removed, and those
     * the server would not take by server-side apply (see {@link #apply}; none on a real API server).
     */
    public record Applied(List<String> applied, List<String> pruned, List<String> replaced) {}

    /**
     * The Jobs of the kubernetes runner (one per split) and of a scheduled run's CronJob, which carry the pipeline's
     * labels: shown by status, but not a kind generate writes, so apply never prunes them and delete leaves them to
     * their controller (a running split commits or is retried; the CronJob's Jobs go with it).
     */
    private static final Manifests.Kind RUNNER_JOBS = new Manifests.Kind("batch/v1", "Job", "jobs");

    private final KubernetesClient client;

    public Cluster(KubernetesClient client) {
        this.client = client;
    }

    /**
     * Applies every object with server-side apply (field manager {@code sluice}, conflicts forced: these objects are
     * Sluice's), then deletes the objects labelled as this pipeline's that the new version no longer has.
     *
     * <p>A server that refuses server-side apply for an object gets a create, or a replace of the object it has: 415
     * (a server without it, fabric8's mock for an object it has) or 404 (the mock for an object it has not; a real
     * server only for a kind it lacks, e.g. KEDA's, where the create then fails too, with a hint).
     */
    public Applied apply(Manifests.Generated generated, Names names, String namespace) {
        List<String> applied = new ArrayList<>();
        List<String> replaced = new ArrayList<>();
        Set<String> keep = new HashSet<>();
        for (HasMetadata o : generated.objects()) {
            Manifests.Kind kind = Manifests.Kind.of(o)
                    .orElseThrow(() -> new IllegalArgumentException("not a kind sluice generates: " + o.getKind()));
            GenericKubernetesResource g =
                    client.getKubernetesSerialization().convertValue(o, GenericKubernetesResource.class);
            String id = kind.kind() + "/" + o.getMetadata().getName();
            try {
                ops(kind)
                        .inNamespace(namespace)
                        .resource(g)
                        .fieldManager(Names.MANAGER)
                        .forceConflicts()
                        .serverSideApply();
            } catch (KubernetesClientException e) {
                if (e.getCode() != HttpURLConnection.HTTP_UNSUPPORTED_TYPE
                        && e.getCode() != HttpURLConnection.HTTP_NOT_FOUND) {
                    throw e;
                }
                createOrReplace(kind, namespace, g);
                replaced.add(id);
            }
            applied.add(id);
            keep.add(id);
        }
        List<String> pruned = new ArrayList<>();
        for (GenericKubernetesResource o : find(names.selector(), namespace)) {
            String id = o.getKind() + "/" + o.getMetadata().getName();
            if (keep.contains(id)) continue;
            ops(kindOf(o))
                    .inNamespace(namespace)
                    .withName(o.getMetadata().getName())
                    .delete();
            pruned.add(id);
        }
        return new Applied(applied, pruned, replaced);
    }

    private void createOrReplace(Manifests.Kind kind, String namespace, GenericKubernetesResource g) {
        var named = ops(kind).inNamespace(namespace).withName(g.getMetadata().getName());
        GenericKubernetesResource current = named.get();
        if (current == null) {
            try {
                ops(kind).inNamespace(namespace).resource(g).create();
            } catch (KubernetesClientException e) {
                if (e.getCode() != HttpURLConnection.HTTP_NOT_FOUND) throw e;
                throw new ManifestException("the cluster has no kind " + kind.kind() + " (" + kind.apiVersion() + ")"
                        + (kind.group().equals("keda.sh")
                                ? ": install KEDA (keda.sh) to scale the pool with its work"
                                : "")
                        + "; " + e.getMessage());
            }
        } else {
            g.getMetadata().setResourceVersion(current.getMetadata().getResourceVersion());
            ops(kind).inNamespace(namespace).resource(g).update();
        }
    }

    /** Deletes every object labelled as this pipeline's; returns them as {@code Kind/name}. */
    public List<String> delete(Names names, String namespace) {
        List<String> deleted = new ArrayList<>();
        for (GenericKubernetesResource o : find(names.selector(), namespace)) {
            ops(kindOf(o))
                    .inNamespace(namespace)
                    .withName(o.getMetadata().getName())
                    .delete();
            deleted.add(o.getKind() + "/" + o.getMetadata().getName());
        }
        return deleted;
    }

    /**
     * The objects of one pipeline (or of every pipeline when {@code names} is null) with the state of each that has one,
     * one line each, grouped by pipeline.
     */
    public List<String> status(Names names, String namespace) {
        events = null; // read anew by each status
        Map<String, String> selector = names != null
                ? names.selector()
                : Map.of(Names.MANAGED_LABEL, Names.MANAGER, Names.NAME_LABEL, "sluice");
        List<GenericKubernetesResource> found = find(selector, namespace);
        found.addAll(list(RUNNER_JOBS, selector, namespace));
        found.sort(java.util.Comparator.comparing(
                (GenericKubernetesResource o) -> o.getMetadata().getLabels().getOrDefault(Names.INSTANCE_LABEL, "")));
        List<String> lines = new ArrayList<>();
        String instance = null;
        for (GenericKubernetesResource o : found) {
            String i = o.getMetadata().getLabels().getOrDefault(Names.INSTANCE_LABEL, "?");
            if (!i.equals(instance)) {
                lines.add("pipeline " + i + " (namespace " + namespace + "):");
                instance = i;
            }
            lines.add("  " + o.getKind() + "/" + o.getMetadata().getName() + state(o) + unmade(o, namespace));
        }
        var pods =
                client.pods().inNamespace(namespace).withLabels(selector).list().getItems();
        if (!pods.isEmpty()) {
            Map<String, Long> phases = new java.util.TreeMap<>();
            pods.forEach(p -> phases.merge(
                    p.getStatus() == null || p.getStatus().getPhase() == null
                            ? "Unknown"
                            : p.getStatus().getPhase(),
                    1L,
                    Long::sum));
            lines.add("pods: " + phases);
        }
        return lines;
    }

    /** The namespace's events, listed once per {@link #status} call, when a Job without a pod needs them. */
    private List<io.fabric8.kubernetes.api.model.Event> events;

    /**
     * Why a Job has no pod, when it has none and no end: the newest of its {@code FailedCreate} events (a quota
     * exceeded, Pod Security, a webhook), which the Job controller writes and nothing else shows. Empty otherwise, and
     * when the events may not be read.
     */
    private String unmade(GenericKubernetesResource o, String namespace) {
        if (!"Job".equals(o.getKind())) return "";
        Map<?, ?> s = o.getAdditionalProperties().get("status") instanceof Map<?, ?> m ? m : Map.of();
        if (s.get("conditions") instanceof List<?> c && !c.isEmpty()
                || Stream.of("active", "succeeded", "failed")
                        .anyMatch(k -> s.get(k) instanceof Number n && n.intValue() > 0)) return "";
        try {
            if (events == null)
                events = client.v1().events().inNamespace(namespace).list().getItems();
        } catch (KubernetesClientException e) {
            return "";
        }
        String uid = o.getMetadata().getUid();
        return events.stream()
                .filter(e -> "FailedCreate".equals(e.getReason()) && e.getInvolvedObject() != null)
                .filter(e -> "Job".equals(e.getInvolvedObject().getKind()))
                .filter(e -> uid != null && e.getInvolvedObject().getUid() != null
                        ? uid.equals(e.getInvolvedObject().getUid())
                        : o.getMetadata().getName().equals(e.getInvolvedObject().getName()))
                .max(java.util.Comparator.comparing(e -> e.getLastTimestamp() == null ? "" : e.getLastTimestamp()))
                .map(e -> "; no pod: FailedCreate " + (e.getCount() == null ? "" : e.getCount() + "x ") + "(last "
                        + e.getLastTimestamp() + "): " + e.getMessage())
                .orElse("");
    }

    private static String state(GenericKubernetesResource o) {
        Object status = o.getAdditionalProperties().get("status");
        Object spec = o.getAdditionalProperties().get("spec");
        if (!(status instanceof Map<?, ?> s)) return "";
        return switch (o.getKind()) {
            case "Deployment" ->
                " ready " + or(s.get("readyReplicas"), 0) + " of "
                        + (spec instanceof Map<?, ?> sp ? or(sp.get("replicas"), "?") : "?")
                        + (s.get("availableReplicas") != null ? ", available " + s.get("availableReplicas") : "");
            case "Job" ->
                " active " + or(s.get("active"), 0) + ", succeeded " + or(s.get("succeeded"), 0) + ", failed "
                        + or(s.get("failed"), 0);
            case "CronJob" -> s.get("lastScheduleTime") != null ? " last run " + s.get("lastScheduleTime") : "";
            case "ScaledObject", "PodDisruptionBudget" -> conditions(s);
            default -> "";
        };
    }

    private static Object or(Object value, Object otherwise) {
        return value != null ? value : otherwise;
    }

    private static String conditions(Map<?, ?> status) {
        if (!(status.get("conditions") instanceof List<?> list) || list.isEmpty()) return "";
        List<String> out = new ArrayList<>();
        for (Object c : list) {
            if (c instanceof Map<?, ?> m) out.add(m.get("type") + "=" + m.get("status"));
        }
        return " " + String.join(", ", out);
    }

    /** The objects of the kinds generate writes: what apply prunes and delete deletes. */
    private List<GenericKubernetesResource> find(Map<String, String> selector, String namespace) {
        List<GenericKubernetesResource> found = new ArrayList<>();
        for (Manifests.Kind kind : Manifests.kinds()) found.addAll(list(kind, selector, namespace));
        return found;
    }

    private List<GenericKubernetesResource> list(Manifests.Kind kind, Map<String, String> selector, String namespace) {
        try {
            return ops(kind).inNamespace(namespace).withLabels(selector).list().getItems();
        } catch (KubernetesClientException e) {
            // a cluster without KEDA has no ScaledObject kind: nothing of it to find
            if (e.getCode() != HttpURLConnection.HTTP_NOT_FOUND) throw e;
            return List.of();
        }
    }

    private static Manifests.Kind kindOf(GenericKubernetesResource o) {
        return Manifests.Kind.of(o).orElseThrow();
    }

    private MixedOperation<
                    GenericKubernetesResource, GenericKubernetesResourceList, Resource<GenericKubernetesResource>>
            ops(Manifests.Kind kind) {
        return client.genericKubernetesResources(new ResourceDefinitionContext.Builder()
                .withGroup(kind.group())
                .withVersion(kind.version())
                .withKind(kind.kind())
                .withPlural(kind.plural())
                .withNamespaced(true)
                .build());
    }
}
