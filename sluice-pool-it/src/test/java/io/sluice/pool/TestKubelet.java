package io.sluice.pool;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyRule;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.sluice.testkit.KubeletExpansion;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A stand-in for a Kubernetes cluster's nodes, on fabric8's mock API server in CRUD mode: no Kubernetes API server can
 * run on this machine (none is packaged for it; test frameworks that start one download it), so the mock stores and
 * serves objects, with watches, and this class does what the Job controller and a kubelet would. It watches Jobs;
 * for each new one it creates the Pod (the Job's template, with the {@code job-name} label), runs the pod's container
 * command as a local process ({@code sluice} is the release archive's {@code bin/sluice}, {@link Dist}) with the container's args and env (and its {@code envFrom} Secrets), {@code $(NAME)} and {@code $$} in them rewritten as a kubelet does ({@link KubeletExpansion}), and
 * writes the Pod's and the Job's status from its exit: phase, exit code, reason, {@code Complete}/{@code Failed}
 * conditions. Deleting a Job deletes its pods (garbage collection) and kills a process still running.
 *
 * <p>Per split it can simulate what a cluster does to a pod: OOMKilled (SIGKILL once the pod claimed its split,
 * exit 137), a deadline exceeded (the pod hangs with its claim, then is killed at the Job's
 * {@code activeDeadlineSeconds}), a crash (exit 1 before anything, with a line on stderr) and an image that cannot
 * be pulled (the pod waits in ImagePullBackOff). It serves the pods' logs from the processes' output, counts the API
 * requests of every client but its own (by kind too, and when each Job's create arrived), and records the most Jobs
 * unfinished at once. Public for benchmark B8 ({@code bench/b8}), which also runs its pods as in-JVM stand-ins ({@link
 * #standIn}).
 *
 * <p>Init containers run first, in order, each to its end, as a kubelet runs them; one that fails fails the pod (phase
 * {@code Failed}, its {@code initContainerStatuses} terminated with its exit code, the main container left waiting in
 * {@code PodInitializing}) and so the Job, and its log is served as that container's. <b>Volumes are emulated</b>, well
 * enough that a pod sees only what its volumes hold: each pod has a root folder of its own, a volume mounted at
 * {@code /m} is the folder {@code ROOT/m} (an {@code emptyDir} empty, a ConfigMap's or Secret's keys as files; two
 * containers mounting the same path share it, as containers of a pod share a volume; a {@code subPath} mount is a
 * link to that folder of the volume, made as its container starts), and every argument (not an env value) that names
 * a path under a mount is rewritten to the folder. Paths no mount covers are the machine's, as if the image had them
 * (the ledger file, the sink): not a sandbox, but nothing the pod is given names the controller's input folder.
 */
public final class TestKubelet implements AutoCloseable {
    public static final String NAMESPACE = "test";
    private static final String USER_AGENT = "test-kubelet";
    private static final Pattern SPLIT = Pattern.compile("\"sluice\\.io/split\"\\s*:\\s*\"([^\"]*)\"");
    private static final PatchContext MERGE = PatchContext.of(PatchType.JSON_MERGE);
    private static final Pattern LOG = Pattern.compile("/api/v1/namespaces/([^/]+)/pods/([^/?]+)/log(\\?.*)?");

    enum Behavior {
        RUN,
        CRASH,
        OOM,
        HANG_PAST_DEADLINE,
        IMAGE_PULL_BACK_OFF,
        /** The pod starts 15 s after its Job is created, every time: a node that takes long to come. */
        LATE,
        /** The same, for the split's first pod only. */
        LATE_ONCE
    }

    static final long LATE_MS = 15_000;

    /** One Job as it was created: name, uid, split, the controller that created it, when the kubelet saw it. */
    public record Created(String name, String uid, String split, String createdBy, Instant at) {}

    private final KubernetesMockServer server;
    private final KubernetesClient client;
    private final Path logs;
    private final Path kubeconfig;
    private final Map<String, Behavior> behaviors = new ConcurrentHashMap<>();
    private final Map<String, Process> running = new ConcurrentHashMap<>();
    private final Map<String, Path> podLogs = new ConcurrentHashMap<>();
    private final Path roots;
    private final Set<String> lateOnce = ConcurrentHashMap.newKeySet();
    private final Set<String> started = ConcurrentHashMap.newKeySet();
    private final List<Created> created = new CopyOnWriteArrayList<>();
    private final AtomicInteger maxUnfinished = new AtomicInteger();
    /**
     * Jobs created and not finished yet, by uid, as this kubelet knows them: added when it sees a Job, removed when
     * it decides the Job's end (before writing it), so the count never includes a Job the controller saw end. Watch
     * events of two clients are not ordered against each other on the mock, so counting its informer's cache could.
     */
    private final Set<String> unfinished = ConcurrentHashMap.newKeySet();
    /** Kept: java.util.logging holds loggers weakly, and a collected one forgets its level. */
    private static final java.util.logging.Logger MOCK_LOG = quiet();

    /** The mock server logs every request at INFO; a run of hundreds of Jobs needs none of that. */
    private static java.util.logging.Logger quiet() {
        java.util.logging.Logger l = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");
        l.setLevel(java.util.logging.Level.WARNING);
        return l;
    }

    private final AtomicLong requests = new AtomicLong();
    private final Map<String, AtomicLong> requestsByKind = new ConcurrentHashMap<>();
    /** When the API server received the first create of each split's Job (split id: from its annotation). */
    private final Map<String, Instant> jobPosted = new ConcurrentHashMap<>();

    private volatile PodStandIn standIn;
    private final ExecutorService pods = Executors.newVirtualThreadPerTaskExecutor();
    private volatile Predicate<String> claimed = s -> false;
    private volatile java.util.function.BooleanSupplier ledgerWritable = () -> true;
    private final SharedIndexInformer<Job> jobs;

    /**
     * What a pod of a {@link Behavior#RUN} Job does instead of running its container as a process: B8 measures the
     * controller and the API traffic, and 2,000 pod JVMs on 2 cores would swamp both. The stand-in does to the ledger
     * what a pod does (claims its split, completes it) and returns the container's exit code.
     */
    @FunctionalInterface
    public interface PodStandIn {
        int run(String splitId, String podName) throws Exception;
    }

    public TestKubelet(Path logs) throws IOException {
        this.logs = Files.createDirectories(logs);
        this.roots = Files.createDirectories(logs.resolveSibling("pod-roots"));
        KubernetesCrudDispatcher crud = new KubernetesCrudDispatcher();
        Dispatcher dispatcher = new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                if (!USER_AGENT.equals(request.getHeader("User-Agent"))) {
                    requests.incrementAndGet();
                    String kind = kind(request);
                    requestsByKind.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
                    if (kind.equals("create jobs")) {
                        // getBytes, not getUtf8Body: that one consumes the body the CRUD dispatcher reads next
                        Matcher split =
                                SPLIT.matcher(new String(request.getBody().getBytes(), StandardCharsets.UTF_8));
                        if (split.find()) jobPosted.putIfAbsent(split.group(1), Instant.now());
                    }
                }
                Matcher log = LOG.matcher(request.getPath());
                if ("GET".equals(request.getMethod()) && log.matches()) return podLog(log.group(2), log.group(3));
                return crud.dispatch(request);
            }

            @Override
            public void shutdown() {
                crud.shutdown();
            }
        };
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, true);
        server.init(InetAddress.getLoopbackAddress(), 0);
        Config config = new ConfigBuilder(server.createClient().getConfiguration())
                .withUserAgent(USER_AGENT)
                .withNamespace(NAMESPACE)
                .build();
        client = new KubernetesClientBuilder().withConfig(config).build();
        kubeconfig = logs.getParent().resolve("kubeconfig");
        Files.writeString(kubeconfig, """
                apiVersion: v1
                kind: Config
                clusters: [{ name: mock, cluster: { server: "%s", insecure-skip-tls-verify: true } }]
                users: [{ name: tester, user: { token: secret } }]
                contexts: [{ name: mock, context: { cluster: mock, user: tester, namespace: %s } }]
                current-context: mock
                """.formatted(client.getMasterUrl(), NAMESPACE));
        jobs = client.batch().v1().jobs().inNamespace(NAMESPACE).inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Job job) {
                seen(job);
            }

            @Override
            public void onUpdate(Job old, Job job) {} // its own status writes

            @Override
            public void onDelete(Job job, boolean unknown) {
                unfinished.remove(job.getMetadata().getUid());
                collect(job);
            }
        });
        relist.scheduleWithFixedDelay(this::relistJobs, 3, 3, java.util.concurrent.TimeUnit.SECONDS);
    }

    /**
     * A Job seen for the first time, by the watch or by the relist: recorded once, and its pod started. The mock's
     * watches lose an event now and then on a loaded machine (a killed controller's watch blocks the mock's event
     * loop: "VertxMockWebSocket write did not complete within 30s"), and a Job whose creation this kubelet missed never
     * got a pod, so a run waited for it for ever; a relist every few seconds finds it, as a real Job controller's
     * informer would after its watch broke.
     */
    private void seen(Job job) {
        if (!started.add(job.getMetadata().getUid())) return;
        created.add(new Created(
                job.getMetadata().getName(),
                job.getMetadata().getUid(),
                job.getMetadata().getAnnotations().get("sluice.io/split"),
                job.getMetadata().getAnnotations().get("sluice.io/created-by"),
                Instant.now()));
        unfinished.add(job.getMetadata().getUid());
        maxUnfinished.accumulateAndGet(unfinished.size(), Math::max);
        pods.submit(() -> run(job));
    }

    private final java.util.concurrent.ScheduledExecutorService relist =
            Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "test-kubelet-relist");
                t.setDaemon(true);
                return t;
            });

    private void relistJobs() {
        try {
            client.batch().v1().jobs().inNamespace(NAMESPACE).list().getItems().forEach(this::seen);
        } catch (RuntimeException e) {
            // the mock closing, or busy: the next relist tries again
        }
    }

    /**
     * The environment that points a {@code sluice} process's Kubernetes client at the mock: a kubeconfig file, as a
     * user outside the cluster has. The mock serves HTTPS with a certificate of its own, as an API server does (over
     * plain HTTP the JDK client's h2c upgrade goes unanswered); the kubeconfig skips its verification.
     */
    public Map<String, String> clientEnv() {
        return Map.of("KUBECONFIG", kubeconfig.toString());
    }

    public KubernetesClient client() {
        return client;
    }

    /** How the pods of the splits whose id contains {@code idPart} (a file's name) behave. */
    void behave(String idPart, Behavior b) {
        behaviors.put(idPart, b);
    }

    /** The folder of the pods' emulated file systems: {@code POD_NAME/m} is the volume mounted at {@code /m}. */
    Path podRoots() {
        return roots;
    }

    private Behavior behaviorOf(String splitId) {
        return behaviors.entrySet().stream()
                .filter(e -> splitId.contains(e.getKey()))
                .map(Map.Entry::getValue)
                .findFirst()
                .orElse(Behavior.RUN);
    }

    /**
     * Tells whether a split is claimed now (read from the ledger by the test): OOM and hangs wait for it. A hang is a
     * SIGSTOP, taken again until it did not land inside a write transaction of the ledger ({@code ledgerWritable}).
     */
    void claimedWhen(Predicate<String> claimed, java.util.function.BooleanSupplier ledgerWritable) {
        this.claimed = claimed;
        this.ledgerWritable = ledgerWritable;
    }

    public List<Created> created() {
        return List.copyOf(created);
    }

    public int maxUnfinished() {
        return maxUnfinished.get();
    }

    /** API requests of every client but this kubelet's, watches included as one each. */
    long requests() {
        return requests.get();
    }

    /**
     * The same requests by kind, "VERB resource" (create, get, list, watch, update, patch, delete; a subresource after
     * a slash: {@code get pods/log}): a watch counts one when it opens, its events are not requests.
     */
    public Map<String, Long> requestsByKind() {
        Map<String, Long> out = new java.util.TreeMap<>();
        requestsByKind.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    /** When the API server received the first create request of each split's Job, by split id. */
    public Map<String, Instant> jobPosted() {
        return Map.copyOf(jobPosted);
    }

    /** Pods of Jobs that {@link Behavior#RUN} run {@code standIn} in this JVM instead of a process; null: processes. */
    public void standIn(PodStandIn standIn) {
        this.standIn = standIn;
    }

    private static final Pattern RESOURCE =
            Pattern.compile("/apis?/(?:[^/]+/)?v1/(?:namespaces/[^/]+/)?([a-z]+)(/[^/?]+)?(/[a-z]+)?(\\?.*)?");

    private static String kind(RecordedRequest request) {
        Matcher m = RESOURCE.matcher(request.getPath());
        if (!m.matches()) return request.getMethod() + " " + request.getPath();
        String query = m.group(4) == null ? "" : m.group(4);
        String verb = switch (request.getMethod()) {
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> m.group(2) == null ? "deletecollection" : "delete";
            default -> query.contains("watch=true") ? "watch" : m.group(2) == null ? "list" : "get";
        };
        return verb + " " + m.group(1) + (m.group(3) == null ? "" : m.group(3));
    }

    /** Forgets what was counted and created: each test starts afresh on the shared server. */
    void reset() {
        created.clear();
        maxUnfinished.set(0);
        unfinished.clear();
        requests.set(0);
        requestsByKind.clear();
        jobPosted.clear();
        standIn = null;
        behaviors.clear();
        lateOnce.clear();
        claimed = s -> false;
        ledgerWritable = () -> true;
    }

    private void run(Job job) {
        String jobName = job.getMetadata().getName();
        String podName = jobName + "-" + Long.toString(System.nanoTime() % 60_466_176L, 36);
        String split = job.getMetadata().getAnnotations().get("sluice.io/split");
        Behavior behavior = behaviorOf(split);
        try {
            Map<String, String> labels =
                    new HashMap<>(job.getSpec().getTemplate().getMetadata().getLabels());
            labels.put("job-name", jobName);
            labels.put("batch.kubernetes.io/job-name", jobName);
            Pod pod = new PodBuilder()
                    .withNewMetadata()
                    .withName(podName)
                    .withNamespace(NAMESPACE)
                    .withLabels(labels)
                    .withAnnotations(job.getSpec().getTemplate().getMetadata().getAnnotations())
                    .withOwnerReferences(new OwnerReferenceBuilder()
                            .withApiVersion("batch/v1")
                            .withKind("Job")
                            .withName(jobName)
                            .withUid(job.getMetadata().getUid())
                            .withController(true)
                            .build())
                    .endMetadata()
                    .withSpec(job.getSpec().getTemplate().getSpec())
                    .build();
            client.pods().inNamespace(NAMESPACE).resource(pod).create();
            String startTime = Instant.now().toString();
            jobStatus(jobName, new JobStatusBuilder().withActive(1).withStartTime(startTime));
            if (behavior == Behavior.IMAGE_PULL_BACK_OFF) {
                podStatus(
                        podName,
                        "Pending",
                        new ContainerStateBuilder()
                                .withNewWaiting()
                                .withReason("ImagePullBackOff")
                                .withMessage("Back-off pulling image \""
                                        + container(job).getImage() + "\"")
                                .endWaiting()
                                .build(),
                        null);
                return; // as in a cluster: it waits until someone deletes the Job
            }
            PodStandIn body = standIn;
            if (body != null && behavior == Behavior.RUN) {
                podStatus(podName, "Running", running(startTime), null);
                finish(job, podName, body.run(split, podName), null, null, null);
                return;
            }
            if (behavior == Behavior.LATE || (behavior == Behavior.LATE_ONCE && lateOnce.add(split)))
                Thread.sleep(LATE_MS);
            Path root = mountVolumes(job, podName);
            var initContainers = job.getSpec().getTemplate().getSpec().getInitContainers();
            for (var init : initContainers == null ? List.<Container>of() : initContainers) {
                Path initLog = logs.resolve(podName + "." + init.getName() + ".log");
                podLogs.put(podName + "/" + init.getName(), initLog);
                subPaths(job, init, root);
                Process ip = start(init, podName, Behavior.RUN, initLog, root);
                running.put(jobName, ip);
                int exit = ip.waitFor();
                running.remove(jobName);
                if (exit != 0) {
                    initFailed(job, podName, init.getName(), exit);
                    return;
                }
            }
            Path log = logs.resolve(podName + ".log");
            podLogs.put(podName, log);
            subPaths(job, container(job), root);
            Process p = start(container(job), podName, behavior, log, root);
            running.put(jobName, p);
            podStatus(podName, "Running", running(startTime), null);
            Long deadline = job.getSpec().getActiveDeadlineSeconds();
            String reason = null;
            String podReason = null;
            String jobReason = null;
            if (behavior == Behavior.OOM || behavior == Behavior.HANG_PAST_DEADLINE) {
                while (p.isAlive() && !claimed.test(split)) Thread.sleep(10);
                if (behavior == Behavior.OOM) {
                    p.destroyForcibly().waitFor(); // ended now, whatever the deadline
                    reason = "OOMKilled";
                } else {
                    for (int i = 0; i < 100; i++) { // hangs, holding its claim (not the ledger's write lock)
                        signal(p, "STOP");
                        if (ledgerWritable.getAsBoolean()) break;
                        signal(p, "CONT");
                        Thread.sleep(20);
                    }
                }
            }
            boolean ended = deadline == null
                    ? p.waitFor(10, TimeUnit.MINUTES)
                    : p.waitFor(Math.max(0, deadline * 1000 - millisSince(startTime)), TimeUnit.MILLISECONDS);
            if (!ended) {
                p.destroyForcibly();
                podReason = "DeadlineExceeded";
                jobReason = "DeadlineExceeded";
            }
            int exit = p.waitFor();
            running.remove(jobName);
            finish(job, podName, exit, reason, podReason, jobReason);
        } catch (Exception e) {
            // the Job was deleted meanwhile (its objects are gone), or the test ended
            if (!(e instanceof io.fabric8.kubernetes.client.KubernetesClientException)) {
                System.err.println("test kubelet: " + jobName + ": " + e);
            }
        }
    }

    private static ContainerState running(String startTime) {
        return new ContainerStateBuilder()
                .withNewRunning()
                .withStartedAt(startTime)
                .endRunning()
                .build();
    }

    /** Writes the ended pod's status and its Job's, from the container's exit and the reasons found. */
    private void finish(Job job, String podName, int exit, String reason, String podReason, String failure) {
        String jobName = job.getMetadata().getName();
        unfinished.remove(job.getMetadata().getUid());
        boolean ok = exit == 0 && podReason == null;
        String jobReason =
                ok || failure != null ? failure : failJob(job, exit) ? "PodFailurePolicy" : "BackoffLimitExceeded";
        podStatus(
                podName,
                ok ? "Succeeded" : "Failed",
                new ContainerStateBuilder()
                        .withNewTerminated()
                        .withExitCode(exit)
                        .withReason(ok ? "Completed" : reason == null ? "Error" : reason)
                        .withFinishedAt(Instant.now().toString())
                        .endTerminated()
                        .build(),
                podReason);
        String end = Instant.now().toString();
        var s = new JobStatusBuilder()
                .withActive(0)
                .withConditions(new JobConditionBuilder()
                        .withType(ok ? "Complete" : "Failed")
                        .withStatus("True")
                        .withReason(jobReason)
                        .withLastTransitionTime(end)
                        .build());
        if (ok) s.withSucceeded(1).withCompletionTime(end);
        else s.withFailed(1);
        jobStatus(jobName, s);
    }

    /**
     * Sets the fields of {@code status} in the Job's status, the others kept: one merge patch, no read first (these
     * writes were most of the mock API server's work, which B8 needs for the controller).
     */
    private void jobStatus(String jobName, JobStatusBuilder status) {
        client.batch()
                .v1()
                .jobs()
                .inNamespace(NAMESPACE)
                .withName(jobName)
                .subresource("status")
                .patch(MERGE, Serialization.asJson(Map.of("status", status.build())));
    }

    private static long millisSince(String instant) {
        return java.time.Duration.between(Instant.parse(instant), Instant.now()).toMillis();
    }

    /** Whether the Job's pod failure policy fails the Job at once on this exit code. */
    private static boolean failJob(Job job, int exit) {
        if (job.getSpec().getPodFailurePolicy() == null) return false;
        for (PodFailurePolicyRule r : job.getSpec().getPodFailurePolicy().getRules()) {
            if ("FailJob".equals(r.getAction())
                    && r.getOnExitCodes() != null
                    && r.getOnExitCodes().getValues().contains(exit)) return true;
        }
        return false;
    }

    private static io.fabric8.kubernetes.api.model.Container container(Job job) {
        return job.getSpec().getTemplate().getSpec().getContainers().getFirst();
    }

    /**
     * What a kubelet does when an init container fails in a pod that is never restarted: the pod fails, with the
     * init container's status terminated and the main one still waiting; the Job fails (backoff limit 0).
     */
    private void initFailed(Job job, String podName, String init, int exit) {
        unfinished.remove(job.getMetadata().getUid());
        String end = Instant.now().toString();
        client.pods().inNamespace(NAMESPACE).withName(podName).editStatus(p -> {
            p.setStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder()
                    .withPhase("Failed")
                    .withInitContainerStatuses(new ContainerStatusBuilder()
                            .withName(init)
                            .withState(new ContainerStateBuilder()
                                    .withNewTerminated()
                                    .withExitCode(exit)
                                    .withReason("Error")
                                    .withFinishedAt(end)
                                    .endTerminated()
                                    .build())
                            .build())
                    .withContainerStatuses(new ContainerStatusBuilder()
                            .withName("sluice")
                            .withState(new ContainerStateBuilder()
                                    .withNewWaiting()
                                    .withReason("PodInitializing")
                                    .endWaiting()
                                    .build())
                            .build())
                    .build());
            return p;
        });
        client.batch()
                .v1()
                .jobs()
                .inNamespace(NAMESPACE)
                .withName(job.getMetadata().getName())
                .editStatus(j -> {
                    j.setStatus(new io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder(j.getStatus())
                            .withActive(0)
                            .withFailed(1)
                            .withConditions(new JobConditionBuilder()
                                    .withType("Failed")
                                    .withStatus("True")
                                    .withReason("BackoffLimitExceeded")
                                    .withLastTransitionTime(end)
                                    .build())
                            .build());
                    return j;
                });
    }

    /**
     * Makes the pod's volumes folders under its root: each mount path of each container is {@code ROOT/PATH}, an
     * {@code emptyDir} created empty, a ConfigMap's or a Secret's keys written into it as files.
     */
    private Path mountVolumes(Job job, String podName) throws IOException {
        Path root = Files.createDirectories(roots.resolve(podName));
        var spec = job.getSpec().getTemplate().getSpec();
        Map<String, Volume> volumes = new HashMap<>();
        if (spec.getVolumes() != null) for (Volume v : spec.getVolumes()) volumes.put(v.getName(), v);
        List<Container> all = new ArrayList<>();
        if (spec.getInitContainers() != null) all.addAll(spec.getInitContainers());
        all.addAll(spec.getContainers());
        for (Container c : all) {
            if (c.getVolumeMounts() == null) continue;
            for (VolumeMount m : c.getVolumeMounts()) {
                Volume v = volumes.get(m.getName());
                if (v == null) throw new IOException("mount of undeclared volume " + m.getName());
                if (m.getSubPath() != null) continue; // linked when its container starts (subPaths)
                Path at = Files.createDirectories(inRoot(root, m.getMountPath()));
                Map<String, String> data = new HashMap<>();
                if (v.getConfigMap() != null) {
                    ConfigMap cm = client.configMaps()
                            .inNamespace(NAMESPACE)
                            .withName(v.getConfigMap().getName())
                            .get();
                    // as a kubelet: an optional one that is not there is an empty folder; a required one, a pod
                    // that waits (this thread ends, the pod stays Pending and its Job active)
                    if (cm == null && !Boolean.TRUE.equals(v.getConfigMap().getOptional()))
                        throw new IOException("no ConfigMap " + v.getConfigMap().getName());
                    if (cm != null) data.putAll(cm.getData());
                } else if (v.getSecret() != null) {
                    data.putAll(secretData(v.getSecret().getSecretName()));
                } else if (v.getEmptyDir() == null) {
                    throw new IOException(
                            "volume " + v.getName() + ": only emptyDir, configMap and secret are emulated");
                }
                for (var e : data.entrySet()) Files.writeString(at.resolve(e.getKey()), e.getValue());
            }
        }
        return root;
    }

    /**
     * A mount of a volume's {@code subPath}: as a kubelet does, the folder is created in the volume (where another
     * container mounts the volume whole, else under {@code ROOT/.volumes}), and the container's mount path is a
     * symbolic link to it, made when the container starts (init containers mounting other subPaths at the same
     * path run one after the other). As a runtime does, the shorter mount paths go first, so a mount nested in another
     * (a subPath's folder mounted inside the mount of its parent folder) is seen through it: there, it already is.
     */
    private static void subPaths(Job job, Container c, Path root) throws IOException {
        if (c.getVolumeMounts() == null) return;
        var spec = job.getSpec().getTemplate().getSpec();
        List<Container> all = new ArrayList<>(spec.getContainers());
        if (spec.getInitContainers() != null) all.addAll(spec.getInitContainers());
        List<VolumeMount> byDepth = c.getVolumeMounts().stream()
                .sorted(java.util.Comparator.comparingInt(
                        (VolumeMount m) -> Path.of(m.getMountPath()).getNameCount()))
                .toList();
        for (VolumeMount m : byDepth) {
            if (m.getSubPath() == null) continue;
            Path volume = all.stream()
                    .flatMap(o -> o.getVolumeMounts() == null
                            ? java.util.stream.Stream.empty()
                            : o.getVolumeMounts().stream())
                    .filter(o -> o.getName().equals(m.getName()) && o.getSubPath() == null)
                    .map(o -> inRoot(root, o.getMountPath()))
                    .findFirst()
                    .orElse(root.resolve(".volumes").resolve(m.getName()));
            Path target = Files.createDirectories(volume.resolve(m.getSubPath()));
            Path link = inRoot(root, m.getMountPath());
            if (Files.exists(link) && Files.isSameFile(link, target)) continue; // nested in the mount of its parent
            Files.createDirectories(link.getParent());
            Files.deleteIfExists(link);
            Files.createSymbolicLink(link, target);
        }
    }

    private static Path inRoot(Path root, String podPath) {
        return root.resolve(podPath.replaceFirst("^/+", ""));
    }

    /** A container's argument as the emulated pod sees it: a path under one of its mounts, in the pod's root. */
    private static String inPod(Container c, Path root, String arg) {
        if (c.getVolumeMounts() == null) return arg;
        for (VolumeMount m : c.getVolumeMounts()) {
            String at = m.getMountPath();
            if (arg.equals(at) || arg.startsWith(at.endsWith("/") ? at : at + "/"))
                return inRoot(root, arg).toString();
        }
        return arg;
    }

    private Process start(Container c, String podName, Behavior behavior, Path log, Path root) throws IOException {
        List<String> cmd = new ArrayList<>();
        if (behavior == Behavior.CRASH) {
            cmd.addAll(List.of("sh", "-c", "echo 'simulated crash: boom' >&2; exit 1"));
        } else if (c.getCommand() == null || c.getCommand().isEmpty()) {
            cmd.add(Dist.home().resolve("bin/sluice").toString()); // the image's entry point: the release archive's
        } else {
            cmd.addAll(c.getCommand());
        }
        // the container's own variables, each env value expanded with those before it, as a kubelet does
        Map<String, String> declared = new HashMap<>();
        if (c.getEnvFrom() != null) {
            for (EnvFromSource from : c.getEnvFrom()) {
                if (from.getSecretRef() == null) continue;
                declared.putAll(secretData(from.getSecretRef().getName()));
            }
        }
        if (c.getEnv() != null)
            for (EnvVar v : c.getEnv())
                if (v.getValue() != null) declared.put(v.getName(), KubeletExpansion.expand(v.getValue(), declared));
        if (behavior != Behavior.CRASH) {
            // a kubelet rewrites $(NAME) and $$ in the command and args too
            for (int i = 0; i < cmd.size(); i++) cmd.set(i, KubeletExpansion.expand(cmd.get(i), declared));
            if (c.getArgs() != null)
                for (String arg : c.getArgs()) cmd.add(inPod(c, root, KubeletExpansion.expand(arg, declared)));
        }
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Map<String, String> env = pb.environment();
        env.putAll(declared);
        env.put("HOSTNAME", podName);
        env.put("JAVA_HOME", System.getProperty("java.home")); // the image's Java
        env.put("SLUICE_JAVA_OPTS", "-Xmx256m"); // small pods: many run at once
        return pb.start();
    }

    /** A Secret's keys and their values, decoded, as a kubelet gives them to a container. */
    private Map<String, String> secretData(String name) throws IOException {
        Secret s = client.secrets().inNamespace(NAMESPACE).withName(name).get();
        if (s == null) throw new IOException("no Secret " + name);
        Map<String, String> out = new HashMap<>();
        s.getData().forEach((k, v) -> out.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
        return out;
    }

    private static void signal(Process p, String signal) throws Exception {
        new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid()))
                .inheritIO()
                .start()
                .waitFor();
    }

    private void podStatus(String podName, String phase, ContainerState state, String reason) {
        var status = new io.fabric8.kubernetes.api.model.PodStatusBuilder()
                .withPhase(phase)
                .withReason(reason)
                .withContainerStatuses(new ContainerStatusBuilder()
                        .withName("sluice")
                        .withState(state)
                        .build())
                .build();
        client.pods()
                .inNamespace(NAMESPACE)
                .withName(podName)
                .subresource("status")
                .patch(MERGE, Serialization.asJson(Map.of("status", status)));
    }

    /** What the garbage collector and the kubelet do when a Job is deleted: its pods go, a running one is killed. */
    private void collect(Job job) {
        Process p = running.remove(job.getMetadata().getName());
        if (p != null) p.destroyForcibly();
        client.pods()
                .inNamespace(NAMESPACE)
                .withLabel("job-name", job.getMetadata().getName())
                .delete();
    }

    private MockResponse podLog(String pod, String query) {
        int tail = Integer.MAX_VALUE;
        String container = "sluice";
        if (query != null) {
            for (String kv : query.substring(1).split("&")) {
                String[] p = kv.split("=", 2);
                if (p[0].equals("tailLines")) tail = Integer.parseInt(URLDecoder.decode(p[1], StandardCharsets.UTF_8));
                if (p[0].equals("container")) container = URLDecoder.decode(p[1], StandardCharsets.UTF_8);
            }
        }
        Path log = podLogs.get(container.equals("sluice") ? pod : pod + "/" + container);
        if (log == null || !Files.exists(log)) return new MockResponse().setResponseCode(404);
        try {
            List<String> lines = Files.readAllLines(log);
            String body = String.join("\n", lines.subList(Math.max(0, lines.size() - tail), lines.size())) + "\n";
            return new MockResponse().setResponseCode(200).setBody(body);
        } catch (IOException e) {
            return new MockResponse().setResponseCode(500).setBody(e.toString());
        }
    }

    @Override
    public void close() {
        relist.shutdownNow();
        jobs.close();
        running.values().forEach(Process::destroyForcibly);
        pods.shutdownNow();
        client.close();
        try {
            server.destroy();
        } catch (IllegalStateException e) {
            // fabric8's mock server can time out closing while a watch of a killed controller drains its executor on
            // the event loop ("Thread blocked"); every test has asserted by now, and the JVM ends it anyway
            System.err.println("test kubelet: the mock API server did not close in time: " + e.getMessage());
        }
    }
}
