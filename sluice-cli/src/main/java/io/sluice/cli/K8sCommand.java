package io.sluice.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.sluice.config.ConfigException;
import io.sluice.config.Validator;
import io.sluice.kubernetes.manifest.Cluster;
import io.sluice.kubernetes.manifest.GenerateOptions;
import io.sluice.kubernetes.manifest.ManifestException;
import io.sluice.kubernetes.manifest.ManifestYaml;
import io.sluice.kubernetes.manifest.Manifests;
import io.sluice.kubernetes.manifest.Names;
import io.sluice.kubernetes.manifest.PipelineFacts;
import io.sluice.pipeline.Components;
import io.sluice.pipeline.Pipeline;
import io.sluice.pipeline.PipelineLoader;
import io.sluice.runner.RunSummary;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sluice k8s}: a pipeline's Kubernetes objects, written as YAML or applied to a cluster. */
@Command(
        name = "k8s",
        description = "Run a pipeline on Kubernetes: generate its manifests, apply them (pruning what a new version "
                + "drops), delete them, show them (docs/kubernetes.md).",
        subcommands = {
            K8sCommand.Generate.class,
            K8sCommand.Apply.class,
            K8sCommand.Delete.class,
            K8sCommand.Status.class
        },
        footer = {
            "%nExamples:",
            "  sluice k8s generate pipeline.yaml --image reg.example/sluice:1 --out k8s/",
            "  sluice k8s apply pipeline.yaml --image reg.example/sluice:1 --namespace data",
            "  sluice k8s status --namespace data"
        })
final class K8sCommand implements Runnable {
    @Mixin
    HelpOption help;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The pipeline argument, loaded without needing the secrets: generate never writes their values. */
    static final class Pipe {
        @Parameters(index = "0", paramLabel = "PIPELINE", description = "The pipeline file (YAML or JSON).")
        Path file;

        @Mixin
        ConnectionsFileOption connections;

        /**
         * The pipeline, validated. A {@code ${VARIABLE}} not set here gets the stand-in {@code unset-NAME}: its value
         * only matters inside the pods, which read it from the Secret.
         */
        Pipeline load() {
            Set<String> stoodIn = new TreeSet<>();
            PipelineLoader loader = new PipelineLoader(Components.discover(), name -> {
                String v = System.getenv(name);
                if (v != null) return v;
                stoodIn.add(name);
                return "unset-" + name;
            });
            try {
                return loader.withConnections(connections.file).load(file);
            } catch (ConfigException e) {
                if (stoodIn.isEmpty()) throw e;
                throw new UserError(
                        e.getMessage() + "\n  (" + String.join(", ", stoodIn) + " not set here, so validated as "
                                + "'unset-NAME'; set them to any value of the right form to generate)",
                        RunSummary.INVALID);
            }
        }

        Names names() {
            return Names.of(load().name());
        }
    }

    /** The namespace of the commands that talk to the cluster. */
    static final class Namespace {
        @Option(
                names = "--namespace",
                paramLabel = "NS",
                description = "The namespace (default: the kubeconfig's, else default).")
        String given;

        String in(KubernetesClient client) {
            if (given != null) return given;
            String configured = client.getNamespace();
            return configured != null ? configured : "default";
        }
    }

    /** What shapes the objects: the options of generate and apply. */
    static final class Shape {
        @Option(
                names = "--mode",
                paramLabel = "MODE",
                defaultValue = "pool",
                description = "pool: a Deployment of workers scaled by KEDA | jobs: the controller that starts one Job "
                        + "per split (default: ${DEFAULT-VALUE}).")
        GenerateOptions.Mode mode;

        @Option(
                names = "--image",
                paramLabel = "IMAGE",
                description = "The container image: sluice-dist/Dockerfile's, or one with its entry point and user "
                        + "(default: sluice:VERSION, the tag docs/kubernetes.md builds).")
        String image;

        @Option(
                names = "--volume-claim",
                paramLabel = "NAME",
                description = "A PersistentVolumeClaim mounted at the pipeline's folder, holding its local paths "
                        + "(ReadWriteMany for several pods). Needed when the pipeline reads or writes local paths.")
        String volumeClaim;

        @Option(
                names = "--cpu",
                paramLabel = "CPU",
                defaultValue = GenerateOptions.DEFAULT_CPU,
                description = "CPU request of each pod (default: ${DEFAULT-VALUE}).")
        String cpu;

        @Option(
                names = "--memory",
                paramLabel = "SIZE",
                defaultValue = GenerateOptions.DEFAULT_MEMORY,
                description = "Memory request and limit of each pod (default: ${DEFAULT-VALUE}).")
        String memory;

        @Option(
                names = "--parallelism",
                paramLabel = "N",
                defaultValue = "" + GenerateOptions.DEFAULT_PARALLELISM,
                description = "Splits a worker processes at the same time; KEDA aims for N open splits per worker "
                        + "(default: ${DEFAULT-VALUE}).")
        int parallelism;

        @Option(
                names = "--replicas",
                paramLabel = "N",
                defaultValue = "" + GenerateOptions.DEFAULT_REPLICAS,
                description = "The most workers KEDA scales the pool to; the fixed number when KEDA cannot count the "
                        + "ledger's splits (default: ${DEFAULT-VALUE}).")
        int replicas;

        @Option(
                names = "--grace-period",
                paramLabel = "DURATION",
                defaultValue = "10m",
                description = "How long a stopping pod may take to let its splits in flight commit; then it is "
                        + "killed and they run again elsewhere (default: ${DEFAULT-VALUE}).")
        String gracePeriod;

        @Option(
                names = "--health-port",
                paramLabel = "PORT",
                defaultValue = "" + GenerateOptions.DEFAULT_HEALTH_PORT,
                description = "The port of the worker's /healthz and /readyz, for its probes (default: "
                        + "${DEFAULT-VALUE}).")
        int healthPort;

        @Option(
                names = "--prometheus-url",
                paramLabel = "URL",
                description = "The Prometheus that scrapes the workers' run.metrics: with a Redis ledger, KEDA scales "
                        + "the pool (1 to --replicas) on the open splits the workers report there "
                        + "(docs/kubernetes.md#scaling-with-the-work). Default: none.")
        String prometheusUrl;

        GenerateOptions options(String namespace) {
            try {
                return new GenerateOptions(
                        mode,
                        image != null ? image : defaultImage(),
                        namespace,
                        volumeClaim,
                        cpu,
                        memory,
                        parallelism,
                        replicas,
                        Validator.parseDuration(gracePeriod),
                        healthPort,
                        prometheusUrl);
            } catch (IllegalArgumentException e) {
                throw new UserError(e.getMessage(), RunSummary.INVALID);
            }
        }

        private static String defaultImage() {
            String[] version = new BuildInfo().versionLine().split(" ");
            return "sluice:" + (version.length == 2 && !version[1].startsWith("(") ? version[1] : "latest");
        }
    }

    static Manifests.Generated generate(Pipeline p, Shape shape, String namespace, PrintWriter err) {
        try {
            Manifests.Generated g = Manifests.generate(PipelineFacts.of(p), shape.options(namespace));
            g.notes().forEach(n -> err.println("sluice: note: " + n));
            return g;
        } catch (ManifestException e) {
            throw new UserError(e.getMessage(), RunSummary.INVALID);
        }
    }

    /** A client of the cluster kubectl would talk to: KUBECONFIG, ~/.kube/config, or the pod's service account. */
    static KubernetesClient client() {
        return new KubernetesClientBuilder().build();
    }

    static UserError unreachable(KubernetesClientException e) {
        Throwable cause = e.getCause();
        while (cause != null && cause.getCause() != null) cause = cause.getCause();
        return new UserError(
                "Kubernetes: " + e.getMessage() + (cause != null ? " (" + cause + ")" : "")
                        + "; the cluster is the one kubectl uses (KUBECONFIG, ~/.kube/config, or the pod's service "
                        + "account)",
                RunSummary.SOME_DEAD);
    }

    @Command(
            name = "generate",
            description = "Write the pipeline's Kubernetes objects as YAML: a ConfigMap with the pipeline, a "
                    + "ServiceAccount (and in jobs mode a Role and RoleBinding), the pool's Deployment, "
                    + "PodDisruptionBudget and KEDA ScaledObject, or the Jobs controller. Secrets stay "
                    + "references (${VARIABLES}, and an exec image's secret_env, become secretKeyRefs). What to "
                    + "create besides (the Secrets) is said on stderr.",
            footer = {
                "%nExamples:",
                "  sluice k8s generate pipeline.yaml > k8s.yaml && kubectl apply -f k8s.yaml",
                "  sluice k8s generate pipeline.yaml --mode jobs --namespace data --out k8s/"
            })
    static final class Generate implements Callable<Integer> {
        @Mixin
        HelpOption help;

        @Mixin
        Pipe pipe;

        @Mixin
        Shape shape;

        @Option(
                names = "--namespace",
                paramLabel = "NS",
                defaultValue = "default",
                description = "The namespace of the objects (default: ${DEFAULT-VALUE}).")
        String namespace;

        @Option(
                names = "--out",
                paramLabel = "DIR",
                description = "Write one file per object into DIR (NN-kind-name.yaml, in apply order) instead of "
                        + "one stream to standard output.")
        Path out;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter err = spec.commandLine().getErr();
            Manifests.Generated g = generate(pipe.load(), shape, namespace, err);
            if (out == null) {
                spec.commandLine().getOut().print(ManifestYaml.all(g.objects()));
            } else {
                List<Path> files = ManifestYaml.write(g.objects(), out);
                err.println("sluice: wrote " + files.size() + " file(s) to " + out);
            }
            return 0;
        }
    }

    @Command(
            name = "apply",
            description = "Apply the objects generate writes with server-side apply (field manager sluice), then "
                    + "delete the objects labelled as this pipeline's that this version no longer has.",
            footer = {"%nExamples:", "  sluice k8s apply pipeline.yaml --image reg.example/sluice:1"})
    static final class Apply implements Callable<Integer> {
        @Mixin
        HelpOption help;

        @Mixin
        Pipe pipe;

        @Mixin
        Shape shape;

        @Mixin
        Namespace namespace;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (KubernetesClient client = client()) {
                String ns = namespace.in(client);
                Pipeline p = pipe.load();
                Manifests.Generated g =
                        generate(p, shape, ns, spec.commandLine().getErr());
                Cluster.Applied a = new Cluster(client).apply(g, Names.of(p.name()), ns);
                a.applied()
                        .forEach(o -> out.println("applied " + o
                                + (a.replaced().contains(o)
                                        ? " (replaced: " + "the server refused server-side apply)"
                                        : "")));
                a.pruned().forEach(o -> out.println("deleted " + o + " (no longer in the pipeline)"));
                return 0;
            } catch (KubernetesClientException e) {
                throw unreachable(e);
            } catch (ManifestException e) {
                throw new UserError(e.getMessage(), RunSummary.SOME_DEAD);
            }
        }
    }

    @Command(
            name = "delete",
            description = "Delete every object labelled as this pipeline's (app.kubernetes.io/instance). The "
                    + "ledger and the data stay.",
            footer = {"%nExamples:", "  sluice k8s delete pipeline.yaml --namespace data"})
    static final class Delete implements Callable<Integer> {
        @Mixin
        HelpOption help;

        @Mixin
        Pipe pipe;

        @Mixin
        Namespace namespace;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            try (KubernetesClient client = client()) {
                List<String> deleted = new Cluster(client).delete(pipe.names(), namespace.in(client));
                deleted.forEach(o -> spec.commandLine().getOut().println("deleted " + o));
                if (deleted.isEmpty())
                    spec.commandLine().getOut().println("nothing of pipeline " + pipe.file + " found");
                return 0;
            } catch (KubernetesClientException e) {
                throw unreachable(e);
            }
        }
    }

    @Command(
            name = "status",
            description = "The objects of a pipeline (or of every pipeline in the namespace) with their state, and "
                    + "their pods by phase. The splits themselves: sluice status PIPELINE.",
            footer = {"%nExamples:", "  sluice k8s status pipeline.yaml", "  sluice k8s status --namespace data"})
    static final class Status implements Callable<Integer> {
        @Mixin
        HelpOption help;

        @Parameters(
                index = "0",
                arity = "0..1",
                paramLabel = "PIPELINE",
                description = "The pipeline file; without it, every pipeline Sluice manages in the namespace.")
        Path file;

        @Mixin
        Namespace namespace;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            Names names = null;
            if (file != null) {
                Pipe pipe = new Pipe();
                pipe.file = file;
                names = pipe.names();
            }
            try (KubernetesClient client = client()) {
                List<String> lines = new Cluster(client).status(names, namespace.in(client));
                if (lines.isEmpty()) spec.commandLine().getOut().println("no objects of Sluice found");
                lines.forEach(spec.commandLine().getOut()::println);
                return 0;
            } catch (KubernetesClientException e) {
                throw unreachable(e);
            }
        }
    }
}
