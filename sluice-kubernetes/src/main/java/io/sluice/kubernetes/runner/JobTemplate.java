package io.sluice.kubernetes.runner;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvFromSourceBuilder;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyRuleBuilder;
import io.sluice.kubernetes.manifest.Names;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Job of one split: its pod runs {@code COMMAND run PIPELINE_FILE --split ID}, which claims that split in the
 * shared ledger (fenced like any claim), processes it, commits and records it. Kubernetes never retries a pod
 * ({@code backoffLimit: 0}, {@code restartPolicy: Never}): the ledger decides retries, with its backoff and
 * {@code run.retries.max}, and a retry is a new Job of the same name once the failed one is gone.
 */
final class JobTemplate {
    static final String CONTAINER = "sluice";
    /** The {@code app.kubernetes.io/component} of the Jobs: one split each. */
    static final String COMPONENT = "split";

    private static final String PIPELINE_VOLUME = "pipeline";
    /** The init container that downloads the split's files from the controller's file server. */
    static final String FETCH_CONTAINER = "fetch";

    private static final String INPUT_VOLUME = "inputs";
    private static final String CA_VOLUME = "files-ca";

    private final JobOptions o;
    private final JobNames names;
    private final String pipelineFile;
    private final String owner;
    private final Optional<FileServing> files;

    /**
     * @param owner the controller that creates the Jobs, noted on each (several may run; one leads)
     * @param files the file server the pods download their split's files from, when there is one
     */
    JobTemplate(JobOptions o, JobNames names, Path pipelineFile, String owner, Optional<FileServing> files) {
        this.o = o;
        this.files = files;
        this.names = names;
        this.owner = owner;
        this.pipelineFile = o.pipelineFile().orElse(pipelineFile.toString());
    }

    /**
     * @param attempts the split's attempts now, kept to tell later whether the pod claimed the split
     * @param fetchArgs with a file server: the init container's {@code fetch URL... --to FOLDER} arguments
     */
    Job job(String splitId, int attempts, List<String> fetchArgs) {
        // the labels of the generated objects too: `sluice k8s status` lists the pipeline's Jobs and pods by them
        Map<String, String> labels =
                new LinkedHashMap<>(Names.of(names.pipeline()).labels(COMPONENT));
        labels.put(JobNames.PIPELINE_LABEL, names.label());
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put(JobNames.PIPELINE_ANNOTATION, names.pipeline());
        annotations.put(JobNames.SPLIT_ANNOTATION, splitId);
        annotations.put(JobNames.ATTEMPTS_ANNOTATION, Integer.toString(attempts));
        annotations.put(JobNames.CREATED_BY_ANNOTATION, owner);

        var container = new ContainerBuilder()
                .withName(CONTAINER)
                .withImage(o.image())
                .withCommand(o.command().isEmpty() ? null : o.command()) // none: the image's entry point
                .withArgs("run", pipelineFile, "--split", splitId)
                .withEnvFrom(envFrom())
                .withNewResources()
                .withRequests(quantities(o.requests()))
                .withLimits(quantities(o.limits()))
                .endResources();
        var pod = new PodSpecBuilder()
                .withRestartPolicy("Never")
                .withNodeSelector(o.nodeSelector().isEmpty() ? null : o.nodeSelector())
                .withTolerations(tolerations())
                .withServiceAccountName(o.serviceAccount().orElse(null));
        o.configMap().ifPresent(cm -> {
            String folder = FileServing.parent(pipelineFile);
            container
                    .addNewVolumeMount()
                    .withName(PIPELINE_VOLUME)
                    .withMountPath(folder)
                    .withReadOnly(true)
                    .endVolumeMount();
            pod.addNewVolume()
                    .withName(PIPELINE_VOLUME)
                    .withNewConfigMap()
                    .withName(cm)
                    .endConfigMap()
                    .endVolume();
        });
        files.ifPresent(f -> download(f, fetchArgs, container, pod));
        pod.withContainers(container.build());

        var spec = new JobBuilder()
                .withNewMetadata()
                .withName(names.jobName(splitId))
                .withLabels(labels)
                .withAnnotations(annotations)
                .endMetadata()
                .withNewSpec()
                .withBackoffLimit(0)
                .withTtlSecondsAfterFinished(
                        o.ttlAfterFinished().map(d -> (int) d.toSeconds()).orElse(null))
                .withActiveDeadlineSeconds(
                        o.activeDeadline().map(d -> Math.max(1, d.toSeconds())).orElse(null))
                .withNewTemplate()
                .withNewMetadata()
                .withLabels(labels)
                .withAnnotations(annotations)
                .endMetadata()
                .withSpec(pod.build())
                .endTemplate();
        if (!o.noRetryExitCodes().isEmpty()) {
            spec.withPodFailurePolicy(new PodFailurePolicyBuilder()
                    .withRules(new PodFailurePolicyRuleBuilder()
                            .withAction("FailJob")
                            .withNewOnExitCodes()
                            .withContainerName(CONTAINER)
                            .withOperator("In")
                            .withValues(o.noRetryExitCodes())
                            .endOnExitCodes()
                            .build())
                    .build());
        }
        return spec.endSpec().build();
    }

    /**
     * The pod's copy of the source's folder: an {@code emptyDir} there, filled by an init container running
     * {@code sluice fetch} (same image and command as the main container) before the main container reads it.
     */
    private void download(FileServing f, List<String> fetchArgs, ContainerBuilder main, PodSpecBuilder pod) {
        VolumeMount inputs = new VolumeMountBuilder()
                .withName(INPUT_VOLUME)
                .withMountPath(f.podFolder())
                .build();
        main.addToVolumeMounts(inputs);
        pod.addNewVolume()
                .withName(INPUT_VOLUME)
                .withNewEmptyDir()
                .endEmptyDir()
                .endVolume();
        var fetch = new ContainerBuilder()
                .withName(FETCH_CONTAINER)
                .withImage(o.image())
                .withCommand(o.command().isEmpty() ? null : o.command())
                .withArgs(fetchArgs)
                .withVolumeMounts(inputs);
        f.caConfigMap().ifPresent(cm -> {
            fetch.addNewVolumeMount()
                    .withName(CA_VOLUME)
                    .withMountPath(FileServing.CA_FOLDER)
                    .withReadOnly(true)
                    .endVolumeMount();
            pod.addNewVolume()
                    .withName(CA_VOLUME)
                    .withNewConfigMap()
                    .withName(cm)
                    .endConfigMap()
                    .endVolume();
        });
        pod.withInitContainers(fetch.build());
    }

    private List<EnvFromSource> envFrom() {
        List<EnvFromSource> out = new ArrayList<>();
        for (String secret : o.envFromSecrets())
            out.add(new EnvFromSourceBuilder()
                    .withNewSecretRef()
                    .withName(secret)
                    .endSecretRef()
                    .build());
        return out;
    }

    private List<Toleration> tolerations() {
        List<Toleration> out = new ArrayList<>();
        for (Map<String, String> t : o.tolerations()) {
            out.add(new TolerationBuilder()
                    .withKey(t.get("key"))
                    .withOperator(t.get("operator"))
                    .withValue(t.get("value"))
                    .withEffect(t.get("effect"))
                    .build());
        }
        return out;
    }

    private static Map<String, Quantity> quantities(Map<String, String> m) {
        Map<String, Quantity> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, new Quantity(v)));
        return out.isEmpty() ? null : out;
    }
}
