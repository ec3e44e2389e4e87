package io.sluice.kubernetes.runner;

import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.sluice.config.Options;
import io.sluice.config.Type;
import io.sluice.pipeline.Assembly;
import io.sluice.runner.RunListener;
import io.sluice.runner.Runner;
import io.sluice.runner.RunnerFactory;
import io.sluice.spi.RunnerKind.Pipeline;
import java.time.Clock;
import java.util.Optional;

/**
 * {@code run.runner: kubernetes}. The Kubernetes client is configured as fabric8 does it everywhere: in a pod, from
 * its service account; elsewhere from the kubeconfig ({@code KUBECONFIG}, {@code ~/.kube/config}) or the
 * {@code kubernetes.master} system property and {@code KUBERNETES_MASTER} variable.
 */
public final class KubernetesRunnerFactory implements RunnerFactory<Options> {

    @Override
    public String kind() {
        return "kubernetes";
    }

    @Override
    public Type<Options> options() {
        return JobOptions.TYPE;
    }

    @Override
    public String description() {
        return "One Kubernetes Job per claimable split, at most `max_active` at a time; each Job's pod runs `sluice "
                + "run PIPELINE --split ID` on the shared ledger. See [the kubernetes runner](kubernetes.md).";
    }

    /**
     * What {@link #create} refuses before it reaches the cluster, for {@code sluice validate}: {@code run_as_user: 0}
     * under a securityContext that says runAsNonRoot, a quantity or a name the API server would refuse, a
     * {@code file_server} the pipeline's source rules out, an exec step's image without one. Starts no server.
     */
    @Override
    public void check(Options options, Pipeline pipeline) {
        fileServing(options, pipeline);
    }

    @Override
    public Runner create(Options options, Assembly assembly, Clock clock, String owner, RunListener listener) {
        var p = assembly.pipeline();
        // checked before any client, as validate checks it
        Optional<FileServing> files = fileServing(options, new Pipeline(p.file(), p.source(), assembly.steps()));
        return new KubernetesRunner(
                JobOptions.of(options), files, assembly, clock, owner, listener, new KubernetesClientBuilder().build());
    }

    /** {@code run.kubernetes} and its {@code file_server} checked against the pipeline; empty without a file server. */
    private static Optional<FileServing> fileServing(Options options, Pipeline pipeline) {
        Optional<FileServing> files = FileServing.of(options, pipeline.file(), pipeline.source());
        if (files.isEmpty() && KubernetesRunner.container(pipeline.steps()).isPresent()) {
            throw options.problem(
                    "file_server",
                    "the exec step's image: runs in the Job's pod on a copy of the split's files that the controller's "
                            + "file server hands it: set run.kubernetes.file_server (see docs/kubernetes.md#the-file-server)");
        }
        return files;
    }
}
