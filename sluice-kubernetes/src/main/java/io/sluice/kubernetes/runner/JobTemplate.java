package io.sluice.kubernetes.runner;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvFromSourceBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyRuleBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.sluice.kubernetes.manifest.Names;
import io.sluice.spi.FileStep;
import java.nio.charset.StandardCharsets;
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

    /** The init container that runs the exec step's image on the {@code i}-th input: {@code exec-i}. */
    static final String EXEC_CONTAINER = "exec-";
    /**
     * Where the exec containers' outputs are, in the main container ({@code run --exec-results}): the whole volume,
     * apart from the exec containers' {@link #EXEC_FOLDER}.
     */
    static final String RESULTS_FOLDER = "/sluice-results";
    /**
     * An exec container's folder of its input in the results volume (a subPath): {@code {output_dir}/..}, so that a
     * file written beside the output folder lands in the volume, where the pod's Sluice sees it and fails the split.
     */
    static final String EXEC_FOLDER = "/sluice-exec";
    /** An exec container's {@code {output_dir}}: a folder in its {@link #EXEC_FOLDER} (a subPath nested in it). */
    static final String OUTPUT_FOLDER = EXEC_FOLDER + "/" + FileStep.Container.OUTPUT;

    private static final String RESULTS_VOLUME = "exec-results";
    private static final String INPUT_VOLUME = "inputs";
    private static final String CA_VOLUME = "files-ca";

    private final JobOptions o;
    private final JobNames names;
    private final String pipelineFile;
    private final String owner;
    private final Optional<FileServing> files;
    private final Optional<FileStep.Container> exec;

    /**
     * @param owner the controller that creates the Jobs, noted on each (several may run; one leads)
     * @param files the file server the pods download their split's files from, when there is one
     * @param exec  the exec step's image, when it names one (it needs {@code files}): it runs in init containers
     */
    JobTemplate(
            JobOptions o,
            JobNames names,
            Path pipelineFile,
            String owner,
            Optional<FileServing> files,
            Optional<FileStep.Container> exec) {
        if (exec.isPresent() && files.isEmpty())
            throw new IllegalArgumentException("an exec image needs the file server");
        this.exec = exec;
        this.o = o;
        this.files = files;
        this.names = names;
        this.owner = owner;
        this.pipelineFile = o.pipelineFile().orElse(pipelineFile.toString());
    }

    /**
     * @param attempts the split's attempts now, kept to tell later whether the pod claimed the split
     * @param token    the fencing token of the split's last claim now, kept for the same
     * @param fetchArgs with a file server: the init container's {@code fetch URL... --to FOLDER} arguments
     * @param inputs    with a file server: the keys of the split's files, in order
     */
    Job job(String splitId, int attempts, long token, List<String> fetchArgs, List<String> inputs) throws TooLarge {
        // the labels of the generated objects too: `sluice k8s status` lists the pipeline's Jobs and pods by them
        Map<String, String> labels =
                new LinkedHashMap<>(Names.of(names.pipeline()).labels(COMPONENT));
        labels.put(JobNames.PIPELINE_LABEL, names.label());
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put(JobNames.PIPELINE_ANNOTATION, names.pipeline());
        annotations.put(JobNames.SPLIT_ANNOTATION, splitId);
        annotations.put(JobNames.ATTEMPTS_ANNOTATION, Integer.toString(attempts));
        annotations.put(JobNames.TOKEN_ANNOTATION, Long.toString(token));
        annotations.put(JobNames.CREATED_BY_ANNOTATION, owner);

        var container = new ContainerBuilder()
                .withName(CONTAINER)
                .withImage(o.image())
                .withCommand(o.command().isEmpty() ? null : o.command()) // none: the image's entry point
                .withArgs(args(splitId))
                .withEnvFrom(envFrom())
                .withNewResources()
                .withRequests(quantities(o.requests()))
                .withLimits(quantities(o.limits()))
                .endResources()
                .withSecurityContext(sluiceSecurity());
        var pod = new PodSpecBuilder()
                .withRestartPolicy("Never")
                .withNodeSelector(o.nodeSelector().isEmpty() ? null : o.nodeSelector())
                .withTolerations(tolerations())
                .withServiceAccountName(o.serviceAccount().orElse(null))
                // nothing in the pod calls the API, and an exec image is someone else's code: no token for it
                .withAutomountServiceAccountToken(false);
        o.configMap().ifPresent(cm -> {
            String folder = FileServing.parent(pipelineFile);
            container
                    .addNewVolumeMount()
                    .withName(PIPELINE_VOLUME)
                    .withMountPath(folder)
                    .withReadOnly(true)
                    .endVolumeMount();
            // optional: a ConfigMap that is not there leaves the folder empty, and the pod fails at once naming the
            // file it lacks (recorded, retried, then dead), where a required one would leave it waiting to mount it
            // for ever, holding one of max_active's places, with nothing in the ledger
            pod.addNewVolume()
                    .withName(PIPELINE_VOLUME)
                    .withNewConfigMap()
                    .withName(cm)
                    .withOptional(true)
                    .endConfigMap()
                    .endVolume();
        });
        files.ifPresent(f -> {
            VolumeMount downloaded = download(f, fetchArgs, container, pod);
            exec.ifPresent(e -> execute(e, f, downloaded, splitId, inputs, container, pod));
        });
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
        Job job = spec.endSpec().build();
        long bytes = SERIALIZATION.asJson(job).getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_JOB_BYTES) {
            throw new TooLarge("its Job would be " + bytes / 1024 + " KiB as sent to the API server ("
                    + inputs.size() + " files: their download URLs"
                    + (exec.isPresent() ? " and an exec container each" : "")
                    + "), more than the " + MAX_JOB_BYTES / 1024
                    + " KiB a Job may be (etcd keeps no object over 1.5 MiB, "
                    + "and the API server adds to what is sent): lower source.files.pack.max_files for new splits"
                    + (exec.isPresent()
                            ? ""
                            : ", or give the pods the source's folder on a volume instead of the file "
                                    + "server (no file_server: no URL in the Job)"));
        }
        return job;
    }

    /**
     * The largest Job sent, as JSON: etcd keeps no object over 1.5 MiB, and the API server adds to what it is sent (each
     * container's defaults, and managedFields, which name every field set, of each exec container too), so a third is
     * kept for that. A larger Job would be refused by the API server (413, or a 500 from etcd), which looks temporary.
     */
    static final int MAX_JOB_BYTES = 1024 * 1024;

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    /** A split whose Job would be too large for the API server: no retry helps. */
    static final class TooLarge extends java.io.IOException {
        private static final long serialVersionUID = 1L;

        TooLarge(String message) {
            super(message);
        }
    }

    /**
     * The pod's copy of the source's folder: an {@code emptyDir} there, filled by an init container running
     * {@code sluice fetch} (same image and command as the main container) before the main container reads it.
     */
    private VolumeMount download(FileServing f, List<String> fetchArgs, ContainerBuilder main, PodSpecBuilder pod) {
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
                .withArgs(literal(fetchArgs))
                .withVolumeMounts(inputs)
                .withSecurityContext(sluiceSecurity());
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
                    .withOptional(true) // as the pipeline's: a missing one fails the download, naming the file
                    .endConfigMap()
                    .endVolume();
        });
        pod.withInitContainers(fetch.build());
        return inputs;
    }

    private List<String> args(String splitId) {
        List<String> args = new ArrayList<>(List.of("run", pipelineFile, "--split", splitId));
        if (exec.isPresent()) args.addAll(List.of("--exec-results", RESULTS_FOLDER));
        return literal(args);
    }

    /**
     * The exec step's image as init containers, one per input after the download, each writing into a folder of its
     * own of an {@code emptyDir} (a subPath, which the kubelet creates empty, and its output folder nested in it) that
     * the main container reads as the step's output: the command runs before the split is claimed, and its output is
     * committed only under the claim.
     */
    private void execute(
            FileStep.Container e,
            FileServing f,
            VolumeMount downloaded,
            String splitId,
            List<String> inputs,
            ContainerBuilder main,
            PodSpecBuilder pod) {
        pod.addNewVolume()
                .withName(RESULTS_VOLUME)
                .withNewEmptyDir()
                .endEmptyDir()
                .endVolume();
        main.addNewVolumeMount()
                .withName(RESULTS_VOLUME)
                .withMountPath(RESULTS_FOLDER)
                .endVolumeMount();
        String folder = f.podFolder().endsWith("/") ? f.podFolder() : f.podFolder() + "/";
        for (int i = 0; i < inputs.size(); i++) {
            String key = inputs.get(i);
            Map<String, String> values =
                    Map.of("input", folder + key, "output_dir", OUTPUT_FOLDER, "split", splitId, "key", key);
            List<String> command = literal(e.command().stream()
                    .map(a -> FileStep.Container.fill(a, values))
                    .toList());
            List<EnvVar> env = new ArrayList<>();
            e.env().forEach((k, v) -> env.add(new EnvVar(k, literal(FileStep.Container.fill(v, values)), null)));
            // by reference: the kubelet reads the Secret, and the Job, which the view role reads, names only its key
            e.secretEnv()
                    .forEach((k, ref) -> env.add(new EnvVarBuilder()
                            .withName(k)
                            .withNewValueFrom()
                            .withNewSecretKeyRef()
                            .withName(ref.secret())
                            .withKey(ref.key())
                            .endSecretKeyRef()
                            .endValueFrom()
                            .build()));
            env.add(new EnvVar("SLUICE_INPUT", literal(values.get("input")), null));
            env.add(new EnvVar("SLUICE_OUTPUT_DIR", OUTPUT_FOLDER, null));
            env.add(new EnvVar("SLUICE_SPLIT", literal(splitId), null));
            env.add(new EnvVar("SLUICE_KEY", literal(key), null));
            pod.addToInitContainers(new ContainerBuilder()
                    .withName(EXEC_CONTAINER + i)
                    .withImage(e.image())
                    // command replaces the image's entry point; none given: the entry point runs, with the env
                    .withCommand(command.isEmpty() ? null : List.of(command.getFirst()))
                    .withArgs(command.size() > 1 ? command.subList(1, command.size()) : null)
                    .withEnv(env)
                    .withVolumeMounts(
                            new VolumeMountBuilder()
                                    .withName(downloaded.getName())
                                    .withMountPath(downloaded.getMountPath())
                                    .withReadOnly(true)
                                    .build(),
                            // the kubelet creates both subPath folders, with the emptyDir's mode (writable by
                            // any user); the runtime mounts the shorter path first, so the output is seen in it
                            new VolumeMountBuilder()
                                    .withName(RESULTS_VOLUME)
                                    .withMountPath(EXEC_FOLDER)
                                    .withSubPath(FileStep.Container.resultFolder(key))
                                    .build(),
                            new VolumeMountBuilder()
                                    .withName(RESULTS_VOLUME)
                                    .withMountPath(OUTPUT_FOLDER)
                                    .withSubPath(FileStep.Container.resultFolder(key) + "/" + FileStep.Container.OUTPUT)
                                    .build())
                    .withNewResources()
                    .withRequests(quantities(o.requests()))
                    .withLimits(quantities(o.limits()))
                    .endResources()
                    .withSecurityContext(o.security() == JobOptions.Security.RESTRICTED ? restricted() : null)
                    .build());
        }
    }

    /** Sluice's own containers (the split's, the download's): restricted unless {@code security_context: none}. */
    private SecurityContext sluiceSecurity() {
        return o.security() == JobOptions.Security.NONE ? null : restricted();
    }

    /**
     * What Pod Security's {@code restricted} level asks of a container, as the Deployments of {@code k8s generate}
     * run Sluice's image: {@code run_as_user} (Sluice's image's user by default), never root, no privilege escalation, no capabilities, the runtime's seccomp
     * profile. Set on each container, not the pod, so that an exec image left as it is built inherits none of it.
     */
    private SecurityContext restricted() {
        return new SecurityContextBuilder()
                .withRunAsNonRoot(true)
                .withRunAsUser(o.runAsUser())
                .withRunAsGroup(o.runAsUser())
                .withAllowPrivilegeEscalation(false)
                .withNewCapabilities()
                .withDrop("ALL")
                .endCapabilities()
                .withNewSeccompProfile()
                .withType("RuntimeDefault")
                .endSeccompProfile()
                .build();
    }

    /**
     * A value a kubelet passes on as it is written: it rewrites {@code $(NAME)} in a container's command, args and env
     * values to the variable's value and {@code $$} to {@code $}, and a split id, a file's key or a path may hold
     * either (a file named {@code price$$list.csv}); each {@code $} doubled comes out as one.
     */
    static String literal(String value) {
        return value.replace("$", "$$");
    }

    private static List<String> literal(List<String> values) {
        return values.stream().map(JobTemplate::literal).toList();
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
