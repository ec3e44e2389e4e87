package io.sluice.kubernetes.manifest;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.sluice.pipeline.CronSchedule;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What an API server would refuse of an object beyond its Java shape, as its validation (pkg/apis/.../validation)
 * checks it: DNS-1123 names, label keys and values, a selector that matches the pod template's labels, containers
 * with a name and an image, mounts of declared volumes, valid quantities, ConfigMap keys, env var names, a cron
 * schedule of five fields, a RoleBinding to a Role in its namespace. No API server runs here to ask (and kubectl
 * cannot validate without one: it fetches the schema from the server), so these checks stand in for it.
 */
final class ManifestChecks {
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern DNS_SUBDOMAIN =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final Pattern LABEL_VALUE = Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");
    private static final Pattern LABEL_NAME = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?");
    private static final Pattern CONFIG_KEY = Pattern.compile("[-._a-zA-Z0-9]+");
    private static final Pattern ENV_NAME = Pattern.compile("[-._a-zA-Z][-._a-zA-Z0-9]*");

    private final List<String> problems = new ArrayList<>();

    private ManifestChecks() {}

    /** Every problem found in the objects; empty when an API server would take them all. */
    static List<String> check(List<HasMetadata> objects) {
        ManifestChecks c = new ManifestChecks();
        Set<String> seen = new HashSet<>();
        Map<String, ConfigMap> configMaps = new java.util.HashMap<>();
        Set<String> serviceAccounts = new HashSet<>();
        Set<String> roles = new HashSet<>();
        for (HasMetadata o : objects) {
            if (o instanceof ConfigMap cm) configMaps.put(cm.getMetadata().getName(), cm);
            if (o instanceof ServiceAccount sa)
                serviceAccounts.add(sa.getMetadata().getName());
            if (o instanceof Role r) roles.add(r.getMetadata().getName());
        }
        for (HasMetadata o : objects) {
            String at = o.getKind() + "/" + o.getMetadata().getName();
            c.require(seen.add(at), at + ": twice");
            c.metadata(at, o);
            switch (o) {
                case ConfigMap cm ->
                    cm.getData()
                            .keySet()
                            .forEach(k -> c.require(
                                    CONFIG_KEY.matcher(k).matches() && k.length() <= 253,
                                    at + ": data key '" + k + "'"));
                case Deployment d -> {
                    c.selector(at, d.getSpec().getSelector(), d.getSpec().getTemplate());
                    c.pod(at, d.getSpec().getTemplate().getSpec(), configMaps, serviceAccounts);
                    c.require(d.getMetadata().getName().length() <= 63, at + ": a Deployment's pods need a name <= 63");
                }
                case PodDisruptionBudget pdb ->
                    c.require(
                            pdb.getSpec().getSelector() != null
                                    && (pdb.getSpec().getMinAvailable() == null)
                                            != (pdb.getSpec().getMaxUnavailable() == null),
                            at + ": a selector and exactly one of minAvailable/maxUnavailable");
                case CronJob cj -> {
                    c.cron(at, cj);
                    c.require(cj.getMetadata().getName().length() <= 52, at + ": a CronJob's name must be <= 52");
                    PodTemplateSpec t = cj.getSpec().getJobTemplate().getSpec().getTemplate();
                    c.require(
                            List.of("Never", "OnFailure").contains(t.getSpec().getRestartPolicy()),
                            at + ": a Job's restartPolicy is Never or OnFailure");
                    c.pod(at, t.getSpec(), configMaps, serviceAccounts);
                }
                case RoleBinding rb -> {
                    c.require(
                            rb.getRoleRef().getKind().equals("Role")
                                    && roles.contains(rb.getRoleRef().getName()),
                            at + ": binds a Role generated with it");
                    rb.getSubjects()
                            .forEach(s -> c.require(
                                    !s.getKind().equals("ServiceAccount")
                                            || (s.getNamespace() != null && serviceAccounts.contains(s.getName())),
                                    at + ": subject " + s.getName()
                                            + " is a generated ServiceAccount with its namespace"));
                }
                case Role r ->
                    r.getRules()
                            .forEach(rule -> c.require(
                                    !rule.getVerbs().isEmpty()
                                            && !rule.getResources().isEmpty(),
                                    at + ": a rule without verbs"));
                case Service svc -> c.service(at, svc, objects);
                case GenericKubernetesResource g
                when g.getKind().equals("TriggerAuthentication") -> c.triggerAuthentication(at, g);
                case GenericKubernetesResource g -> c.scaledObject(at, g, objects);
                default -> {}
            }
        }
        return c.problems;
    }

    /**
     * A schedule the API server takes (5 fields, their ranges: the parser of {@code run.schedule}, which follows the
     * one Kubernetes validates with), a tz database time zone, a concurrency policy it knows.
     */
    private void cron(String at, CronJob cj) {
        var spec = cj.getSpec();
        try {
            CronSchedule.parse(spec.getSchedule(), java.time.ZoneOffset.UTC);
        } catch (IllegalArgumentException e) {
            require(false, at + ": schedule " + spec.getSchedule() + ": " + e.getMessage());
        }
        require(
                spec.getTimeZone() == null
                        || java.time.ZoneId.getAvailableZoneIds().contains(spec.getTimeZone()),
                at + ": timeZone " + spec.getTimeZone() + " is not a tz database name");
        require(
                spec.getConcurrencyPolicy() == null
                        || List.of("Allow", "Forbid", "Replace").contains(spec.getConcurrencyPolicy()),
                at + ": concurrencyPolicy");
        require(
                spec.getStartingDeadlineSeconds() == null || spec.getStartingDeadlineSeconds() >= 0,
                at + ": startingDeadlineSeconds >= 0");
        labels(at + " jobTemplate", cj.getSpec().getJobTemplate().getMetadata().getLabels());
    }

    private void metadata(String at, HasMetadata o) {
        String name = o.getMetadata().getName();
        require(name != null && name.length() <= 63 && DNS_LABEL.matcher(name).matches(), at + ": name not DNS-1123");
        require(o.getMetadata().getNamespace() != null, at + ": no namespace");
        labels(at, o.getMetadata().getLabels());
    }

    private void labels(String at, Map<String, String> labels) {
        require(labels != null && !labels.isEmpty(), at + ": no labels");
        if (labels == null) return;
        labels.forEach((k, v) -> {
            String name = k.contains("/") ? k.substring(k.indexOf('/') + 1) : k;
            String prefix = k.contains("/") ? k.substring(0, k.indexOf('/')) : null;
            require(name.length() <= 63 && LABEL_NAME.matcher(name).matches(), at + ": label key '" + k + "'");
            require(prefix == null || DNS_SUBDOMAIN.matcher(prefix).matches(), at + ": label prefix '" + k + "'");
            require(v.length() <= 63 && LABEL_VALUE.matcher(v).matches(), at + ": label value '" + v + "'");
        });
    }

    private void selector(String at, LabelSelector selector, PodTemplateSpec template) {
        require(selector != null && !selector.getMatchLabels().isEmpty(), at + ": empty selector");
        if (selector == null) return;
        Map<String, String> podLabels = template.getMetadata().getLabels();
        labels(at + " template", podLabels);
        selector.getMatchLabels()
                .forEach((k, v) -> require(
                        v.equals(podLabels.get(k)),
                        at + ": selector " + k + "=" + v + " does not match the template's labels"));
    }

    private void pod(String at, PodSpec spec, Map<String, ConfigMap> configMaps, Set<String> serviceAccounts) {
        require(!spec.getContainers().isEmpty(), at + ": no container");
        require(
                spec.getServiceAccountName() == null || serviceAccounts.contains(spec.getServiceAccountName()),
                at + ": service account not generated");
        Map<String, Volume> volumes = new java.util.HashMap<>();
        for (Volume v : spec.getVolumes()) {
            require(volumes.put(v.getName(), v) == null, at + ": volume " + v.getName() + " twice");
            require(DNS_LABEL.matcher(v.getName()).matches(), at + ": volume name " + v.getName());
            if (v.getConfigMap() != null) {
                require(configMaps.containsKey(v.getConfigMap().getName()), at + ": ConfigMap not generated");
            }
        }
        Set<String> mounted = new HashSet<>();
        spec.getContainers().forEach(c -> c.getVolumeMounts().forEach(m -> mounted.add(m.getName())));
        volumes.keySet()
                .forEach(v -> require(mounted.contains(v), at + ": volume " + v + " is declared but never mounted"));
        for (Container c : spec.getContainers()) {
            require(c.getName() != null && DNS_LABEL.matcher(c.getName()).matches(), at + ": container name");
            if (c.getSecurityContext() != null
                    && Boolean.TRUE.equals(c.getSecurityContext().getReadOnlyRootFilesystem())) {
                require(
                        c.getVolumeMounts().stream()
                                .anyMatch(m -> m.getMountPath().equals("/tmp")),
                        at + ": a read-only root file system without a volume at /tmp (DuckDB and SQLite write there)");
            }
            require(c.getImage() != null && !c.getImage().isBlank(), at + ": container without image");
            require(!c.getArgs().isEmpty() && c.getArgs().stream().noneMatch(String::isEmpty), at + ": args");
            c.getResources().getRequests().values().forEach(q -> quantity(at, q));
            c.getResources().getLimits().values().forEach(q -> quantity(at, q));
            Set<String> paths = new HashSet<>();
            for (VolumeMount m : c.getVolumeMounts()) {
                require(paths.add(m.getMountPath()), at + ": mount path " + m.getMountPath() + " twice");
                require(m.getMountPath().startsWith("/"), at + ": relative mount path");
                Volume v = volumes.get(m.getName());
                require(v != null, at + ": mount of an undeclared volume " + m.getName());
                if (v != null && v.getConfigMap() != null && m.getSubPath() != null) {
                    ConfigMap cm = configMaps.get(v.getConfigMap().getName());
                    require(
                            cm != null && cm.getData().containsKey(m.getSubPath()),
                            at + ": subPath " + m.getSubPath() + " is not a key of the ConfigMap");
                }
            }
            for (var port : c.getPorts()) {
                require(
                        port.getName() == null
                                || (port.getName().length() <= 15
                                        && DNS_LABEL.matcher(port.getName()).matches()),
                        at + ": port name " + port.getName() + " (IANA_SVC_NAME: at most 15 characters)");
                require(
                        port.getContainerPort() != null
                                && port.getContainerPort() > 0
                                && port.getContainerPort() < 65_536,
                        at + ": container port");
            }
            for (EnvVar e : c.getEnv()) {
                require(ENV_NAME.matcher(e.getName()).matches(), at + ": env name " + e.getName());
                require(
                        (e.getValue() == null) != (e.getValueFrom() == null),
                        at + ": env " + e.getName() + " needs exactly one of value and valueFrom");
                if (e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null) {
                    var ref = e.getValueFrom().getSecretKeyRef();
                    require(DNS_SUBDOMAIN.matcher(ref.getName()).matches(), at + ": secret name " + ref.getName());
                    require(CONFIG_KEY.matcher(ref.getKey()).matches(), at + ": secret key " + ref.getKey());
                }
            }
            if (c.getLivenessProbe() != null && c.getLivenessProbe().getHttpGet() != null) {
                String port = c.getLivenessProbe().getHttpGet().getPort().getStrVal();
                require(
                        port == null || c.getPorts().stream().anyMatch(p -> port.equals(p.getName())),
                        at + ": probe port " + port + " is not a named container port");
            }
        }
    }

    /**
     * A Service: a DNS-1035 name, a selector that matches the pods of a generated Deployment or CronJob, and ports whose named
     * target is a port of those pods' containers.
     */
    private void service(String at, Service svc, List<HasMetadata> objects) {
        String name = svc.getMetadata().getName();
        require(name.length() <= 63 && name.matches("[a-z]([-a-z0-9]*[a-z0-9])?"), at + ": a Service name is DNS-1035");
        Map<String, String> selector = svc.getSpec().getSelector();
        require(selector != null && !selector.isEmpty(), at + ": no selector");
        if (selector == null || selector.isEmpty()) return;
        List<PodTemplateSpec> selected = objects.stream()
                .flatMap(o -> o instanceof Deployment d
                        ? java.util.stream.Stream.of(d.getSpec().getTemplate())
                        : o instanceof io.fabric8.kubernetes.api.model.batch.v1.CronJob cj
                                ? java.util.stream.Stream.of(
                                        cj.getSpec().getJobTemplate().getSpec().getTemplate())
                                : java.util.stream.Stream.empty())
                .filter(t -> t.getMetadata().getLabels().entrySet().containsAll(selector.entrySet()))
                .toList();
        require(!selected.isEmpty(), at + ": its selector matches no generated Deployment's or CronJob's pods");
        require(!svc.getSpec().getPorts().isEmpty(), at + ": no port");
        Map<String, String> annotations = svc.getMetadata().getAnnotations();
        if (annotations != null && annotations.containsKey("prometheus.io/port")) {
            require(
                    svc.getSpec().getPorts().stream()
                            .anyMatch(p -> annotations.get("prometheus.io/port").equals("" + p.getPort())),
                    at + ": prometheus.io/port is not a port of the Service");
            require("true".equals(annotations.get("prometheus.io/scrape")), at + ": prometheus.io/scrape");
            require(
                    annotations.getOrDefault("prometheus.io/path", "/").startsWith("/"),
                    at + ": prometheus.io/path is a path");
        }
        for (var port : svc.getSpec().getPorts()) {
            require(port.getPort() != null && port.getPort() > 0 && port.getPort() < 65_536, at + ": port");
            String target =
                    port.getTargetPort() == null ? null : port.getTargetPort().getStrVal();
            if (target == null) continue;
            require(
                    selected.stream()
                            .allMatch(t -> t.getSpec().getContainers().stream()
                                    .flatMap(c -> c.getPorts().stream())
                                    .anyMatch(p -> target.equals(p.getName()))),
                    at + ": target port " + target + " is not a named port of the selected pods' containers");
        }
    }

    private void scaledObject(String at, GenericKubernetesResource g, List<HasMetadata> objects) {
        require(g.getApiVersion().equals("keda.sh/v1alpha1") && g.getKind().equals("ScaledObject"), at + ": kind");
        Map<?, ?> spec = (Map<?, ?>) g.getAdditionalProperties().get("spec");
        Object target = ((Map<?, ?>) spec.get("scaleTargetRef")).get("name");
        require(
                objects.stream()
                        .anyMatch(o -> o instanceof Deployment d
                                && d.getMetadata().getName().equals(target)
                                && d.getSpec().getReplicas() == null),
                at + ": scales a generated Deployment that leaves its replicas to KEDA");
        require(!((List<?>) spec.get("triggers")).isEmpty(), at + ": no trigger");
        for (Object t : (List<?>) spec.get("triggers")) {
            Map<?, ?> trigger = (Map<?, ?>) t;
            require(trigger.get("type") instanceof String, at + ": a trigger without a type");
            require(
                    trigger.get("metadata") instanceof Map<?, ?> m && !m.isEmpty(),
                    at + ": a trigger without metadata");
            if (trigger.get("authenticationRef") instanceof Map<?, ?> ref) {
                require(
                        objects.stream()
                                .anyMatch(o -> o.getKind().equals("TriggerAuthentication")
                                        && o.getMetadata().getName().equals(ref.get("name"))),
                        at + ": authenticationRef " + ref.get("name") + " is no generated TriggerAuthentication");
            }
        }
        require(
                spec.get("minReplicaCount") instanceof Integer min
                        && spec.get("maxReplicaCount") instanceof Integer max
                        && min >= 0
                        && min <= max,
                at + ": replica bounds");
    }

    private void triggerAuthentication(String at, GenericKubernetesResource g) {
        require(g.getApiVersion().equals("keda.sh/v1alpha1"), at + ": apiVersion");
        Map<?, ?> spec = (Map<?, ?>) g.getAdditionalProperties().get("spec");
        require(
                spec != null && spec.get("podIdentity") instanceof Map<?, ?> id && id.get("provider") != null,
                at + ": a TriggerAuthentication with a podIdentity provider");
    }

    private void quantity(String at, Quantity q) {
        try {
            Quantity.getAmountInBytes(q);
        } catch (IllegalArgumentException e) {
            problems.add(at + ": quantity " + q);
        }
    }

    private void require(boolean ok, String problem) {
        if (!ok) problems.add(problem);
    }
}
