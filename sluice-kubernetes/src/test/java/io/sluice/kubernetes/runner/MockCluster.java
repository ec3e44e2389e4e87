package io.sluice.kubernetes.runner;

import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.sluice.config.Options;
import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.Components;
import io.sluice.pipeline.Pipeline;
import io.sluice.pipeline.PipelineLoader;
import io.sluice.runner.RunListener;
import io.sluice.runner.RunSummary;
import io.sluice.spi.Claim;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

/**
 * The kubernetes runner's controller, in this JVM, against fabric8's mock API server in CRUD mode: no real API server
 * can run here. The mock stores Jobs and Pods and serves watches, but nothing runs them: a test plays the Job
 * controller and the kubelet by writing the Jobs' and Pods' status itself, and plays a split's pod through the
 * pipeline's ledger (a memory ledger, shared with the controller). {@link #refuse} makes the API server answer some
 * requests with an error, as RBAC, an admission webhook or a policy engine would.
 */
final class MockCluster implements AutoCloseable {
    static final String NS = "test";
    private static final PatchContext MERGE = PatchContext.of(PatchType.JSON_MERGE);
    /** Kept: java.util.logging holds loggers weakly. The mock logs every request at INFO. */
    private static final java.util.logging.Logger MOCK_LOG = quiet();

    private static java.util.logging.Logger quiet() {
        java.util.logging.Logger l = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");
        l.setLevel(java.util.logging.Level.WARNING);
        return l;
    }

    private final KubernetesMockServer server;
    private final KubernetesClient client;
    private volatile Function<RecordedRequest, MockResponse> refusal = r -> null;
    /** Requests answered by {@link #refuse} or {@link #answer} instead of the CRUD mock. */
    final java.util.concurrent.atomic.AtomicInteger refused = new java.util.concurrent.atomic.AtomicInteger();

    private final ExecutorService controller = Executors.newSingleThreadExecutor();
    final List<String> infos = new CopyOnWriteArrayList<>();
    final List<String> failures = new CopyOnWriteArrayList<>();
    Assembly assembly;
    private KubernetesRunner runner;
    /** How long the controller lets a Job be without a pod before it reads why; a test shortens the minute. */
    java.time.Duration podPatience = JobOutcome.POD_CREATE_PATIENCE;

    MockCluster() throws IOException {
        KubernetesCrudDispatcher crud = new KubernetesCrudDispatcher();
        Dispatcher dispatcher = new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                MockResponse answer = refusal.apply(request);
                if (answer == null) answer = eventsOf(request);
                else refused.incrementAndGet();
                return answer == null ? watched(crud.dispatch(request)) : answer;
            }

            @Override
            public void shutdown() {
                crud.shutdown();
            }
        };
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        client = server.createClient();
    }

    /** The watches the CRUD mock serves now, for {@link #endWatches}. */
    private final List<io.fabric8.mockwebserver.http.WebSocket> watches = new CopyOnWriteArrayList<>();

    /** A watch's answer, its web socket kept for {@link #endWatches}; any other answer as it is. */
    private MockResponse watched(MockResponse answer) {
        io.fabric8.mockwebserver.http.WebSocketListener served = answer.getWebSocketListener();
        if (served == null) return answer;
        return answer.withWebSocketUpgrade(new io.fabric8.mockwebserver.http.WebSocketListener() {
            @Override
            public void onOpen(io.fabric8.mockwebserver.http.WebSocket ws, io.fabric8.mockwebserver.http.Response r) {
                watches.add(ws);
                served.onOpen(ws, r);
            }

            @Override
            public void onBeforeAccept(
                    io.fabric8.mockwebserver.http.WebSocket ws, io.fabric8.mockwebserver.http.Response r) {
                served.onBeforeAccept(ws, r);
            }

            @Override
            public void onMessage(io.fabric8.mockwebserver.http.WebSocket ws, String text) {
                served.onMessage(ws, text);
            }

            @Override
            public void onMessage(io.fabric8.mockwebserver.http.WebSocket ws, byte[] bytes) {
                served.onMessage(ws, bytes);
            }

            @Override
            public void onClosing(io.fabric8.mockwebserver.http.WebSocket ws, int code, String reason) {
                served.onClosing(ws, code, reason);
            }

            @Override
            public void onFailure(
                    io.fabric8.mockwebserver.http.WebSocket ws, Throwable t, io.fabric8.mockwebserver.http.Response r) {
                watches.remove(ws);
                offTheEventLoop(() -> served.onFailure(ws, t, r));
            }

            @Override
            public void onClosed(io.fabric8.mockwebserver.http.WebSocket ws, int code, String reason) {
                watches.remove(ws);
                offTheEventLoop(() -> served.onClosed(ws, code, reason));
            }
        });
    }

    /**
     * Runs the mock's end of a watch on a thread of its own: fabric8's {@code WatchEventsListener.onClosed} waits for
     * its event sender to stop, on the server's only event loop, and a send queued behind it waited for that loop: the
     * whole API server stood still for 30 s (seen in CI: WatchRefusedTest's lists unanswered, "Thread blocked").
     */
    private static void offTheEventLoop(Runnable end) {
        Thread.ofPlatform().daemon().name("mock-watch-end").start(end);
    }

    /**
     * Waits for the controller's two watches (Jobs, pods) to be open: its informers open them a moment after their
     * first list, and a busy machine stretches that moment past the first Job's creation.
     */
    void awaitWatches() throws InterruptedException {
        long until = System.currentTimeMillis() + 30_000;
        while (watches.size() < 2 && System.currentTimeMillis() < until) Thread.sleep(20);
    }

    /**
     * Ends every watch the API server serves with an ERROR event carrying a Status of {@code code}, as a real one does
     * when it ends a watch it no longer allows.
     */
    int endWatches(int code, String reason, String message) {
        String event = "{\"type\":\"ERROR\",\"object\":" + status(code, reason, message) + "}";
        for (io.fabric8.mockwebserver.http.WebSocket ws : watches) ws.send(event);
        return watches.size();
    }

    /** The events {@link #podRefused} recorded. */
    private final List<io.fabric8.kubernetes.api.model.Event> events = new CopyOnWriteArrayList<>();

    /**
     * A list of events by {@code fieldSelector=involvedObject.name=NAME}, answered as a real API server does: the CRUD
     * mock filters by no field but a name and a namespace, and answers nothing to the others.
     */
    private MockResponse eventsOf(RecordedRequest r) {
        String path = r.getPath();
        String selector = "fieldSelector=involvedObject.name%3D";
        if (!r.getMethod().equals("GET") || !path.contains("/events?") || !path.contains(selector)) return null;
        String rest = path.substring(path.indexOf(selector) + selector.length());
        String name = java.net.URLDecoder.decode(rest.split("&", 2)[0], java.nio.charset.StandardCharsets.UTF_8);
        var list = new io.fabric8.kubernetes.api.model.EventListBuilder()
                .withNewMetadata()
                .withResourceVersion("1")
                .endMetadata()
                .withItems(events.stream()
                        .filter(e -> name.equals(e.getInvolvedObject().getName()))
                        .toList())
                .build();
        return new MockResponse().setResponseCode(200).setBody(Serialization.asJson(list));
    }

    KubernetesClient client() {
        return client;
    }

    /** Requests {@code when} matches get {@code code} with a Status carrying {@code reason} and {@code message}. */
    void refuse(String method, String pathPart, int code, String reason, String message) {
        String body = status(code, reason, message);
        refusal = r -> r.getMethod().equals(method) && r.getPath().contains(pathPart)
                ? new MockResponse().setResponseCode(code).setBody(body)
                : null;
    }

    /**
     * Answers every request as {@code answer} says, or as the CRUD mock does where it says null. The CRUD mock stores
     * a {@code SelfSubjectAccessReview} and returns it without a decision; a test answers it as RBAC would.
     */
    void answer(Function<RecordedRequest, MockResponse> answer) {
        refusal = answer;
    }

    static String status(int code, String reason, String message) {
        return Serialization.asJson(Map.of(
                "kind",
                "Status",
                "apiVersion",
                "v1",
                "status",
                "Failure",
                "reason",
                reason,
                "message",
                message,
                "code",
                code));
    }

    void refuseNothing() {
        refusal = r -> null;
    }

    /**
     * A pipeline {@code refusals} over one settled file in {@code dir/in}, with a memory ledger and
     * {@code run.runner: kubernetes} in namespace {@value #NS}; {@code run} is the rest of the {@code run:} block
     * ({@code mode: once} unless it sets a mode).
     */
    Pipeline pipeline(Path dir, String run) throws IOException {
        return pipeline(dir, "", run);
    }

    /** {@link #pipeline(Path, String)} with {@code kubernetes}, more entries of {@code run.kubernetes} ({@code a: 1,}). */
    Pipeline pipeline(Path dir, String kubernetes, String run) throws IOException {
        Path in = Files.createDirectories(dir.resolve("in"));
        Path file = Files.writeString(in.resolve("a.csv"), "id\n1\n");
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().minusSeconds(3600))); // settled
        Path yaml = Files.writeString(dir.resolve("refusals.yaml"), """
                pipeline: refusals
                source: { files: { path: in } }
                sink: { files: { path: out } }
                state: { memory: {} }
                run:
                  runner: kubernetes
                  kubernetes: { %s image: "sluice:test", namespace: %s }
                %s""".formatted(
                        kubernetes, NS, (run.contains("mode:") ? run : "mode: once\n" + run).indent(2)));
        return new PipelineLoader(Components.discover(), Map.<String, String>of()::get).load(yaml);
    }

    /**
     * While set, every call the controller makes to its ledger throws this, as a ledger that is down (a plain
     * LedgerException) or that answers and refuses (a LedgerRefusedException: a rotated password, a revoked
     * privilege) does; the test's own calls (as the pods') still go through.
     */
    volatile io.sluice.spi.LedgerException ledgerFailure;

    /** The done and dead splits the controller's listings of the ledger ({@code splits(states, limit)}) returned. */
    final java.util.concurrent.atomic.AtomicLong endedListed = new java.util.concurrent.atomic.AtomicLong();

    /** The controller's ledger: the pipeline's, failing while {@link #ledgerFailure} is set. */
    private io.sluice.spi.Ledger refusable(io.sluice.spi.Ledger ledger) {
        return (io.sluice.spi.Ledger) java.lang.reflect.Proxy.newProxyInstance(
                io.sluice.spi.Ledger.class.getClassLoader(),
                new Class<?>[] {io.sluice.spi.Ledger.class},
                (proxy, method, args) -> {
                    io.sluice.spi.LedgerException failure = ledgerFailure;
                    if (failure != null && method.getDeclaringClass() != Object.class) throw failure;
                    try {
                        Object out = method.invoke(ledger, args);
                        if (method.getName().equals("splits") && out instanceof List<?> infos)
                            infos.stream()
                                    .map(io.sluice.spi.SplitInfo.class::cast)
                                    .filter(i -> i.state() == io.sluice.spi.SplitState.DONE
                                            || i.state() == io.sluice.spi.SplitState.DEAD)
                                    .forEach(i -> endedListed.incrementAndGet());
                        return out;
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    /** Starts the controller ({@code sluice run} of the pipeline) on a client of its own; it closes that client. */
    Future<RunSummary> start(Pipeline p) {
        assemble(p);
        return start();
    }

    /** Opens the pipeline's parts and ledger ({@link #assembly}) for a test to write to before {@link #start()}. */
    void assemble(Pipeline p) {
        assembly = Assembly.of(p, Components.discover(), Clock.systemUTC());
    }

    /** Starts the controller of the pipeline {@link #assemble} opened, on its ledger. */
    Future<RunSummary> start() {
        Pipeline p = assembly.pipeline();
        Assembly controllers = new Assembly(
                p,
                assembly.source(),
                assembly.steps(),
                assembly.sink(),
                refusable(assembly.ledger()),
                assembly.ledgerName());
        Options o = (Options) p.run().runner().orElseThrow().value();
        RunListener listener = new RunListener() {
            @Override
            public void info(String message) {
                infos.add(message);
            }

            @Override
            public void failed(Claim claim, String error, long retryInMillis) {
                failures.add(error);
            }
        };
        runner = new KubernetesRunner(
                JobOptions.of(o),
                FileServing.of(o, p.file(), p.source()),
                controllers,
                Clock.systemUTC(),
                "controller",
                listener,
                server.createClient(),
                podPatience);
        return controller.submit(runner::run);
    }

    /** The controller's live counters, as its progress line and Prometheus endpoint read them. */
    io.sluice.runner.RunStats stats() {
        return runner.stats();
    }

    /** Asks the controller to stop, as its SIGTERM does; {@link #start}'s future then gives its summary. */
    void stop() {
        runner.requestStop();
    }

    /** The Jobs of the namespace now. */
    List<Job> jobs() {
        return client.batch().v1().jobs().inNamespace(NS).list().getItems();
    }

    /** Waits for a Job other than the ones named in {@code seen} (by uid) to exist, and returns it. */
    Job awaitJob(java.util.Set<String> seenUids) throws InterruptedException {
        long until = System.currentTimeMillis() + 20_000;
        while (System.currentTimeMillis() < until) {
            for (Job j : jobs()) if (!seenUids.contains(j.getMetadata().getUid())) return j;
            Thread.sleep(50);
        }
        throw new AssertionError("no new Job within 20 s; Jobs: "
                + jobs().stream().map(j -> j.getMetadata().getName()).toList() + "; controller said: " + infos
                + "; failures: " + failures + "; splits: "
                + assembly.ledger().splits(java.util.EnumSet.allOf(io.sluice.spi.SplitState.class), 10));
    }

    /** Waits for {@code job} to be gone (the controller deletes a Job once it recorded its end). */
    void awaitGone(Job job) throws InterruptedException {
        String uid = job.getMetadata().getUid();
        long until = System.currentTimeMillis() + 20_000;
        while (System.currentTimeMillis() < until) {
            if (jobs().stream().noneMatch(j -> uid.equals(j.getMetadata().getUid()))) return;
            Thread.sleep(50);
        }
        throw new AssertionError("Job " + job.getMetadata().getName() + " not deleted within 20 s; controller said: "
                + infos + "; failures: " + failures);
    }

    /**
     * What a Job's pod does for its split, through the ledger: claims it, commits 5 rows in, 4 out and 1 rejected, and
     * the Job completes.
     */
    void podDoes(Job job) throws Exception {
        io.sluice.spi.Ledger ledger = assembly.ledger();
        Claim claim = ledger.claim(splitOf(job), "pod-" + job.getMetadata().getUid(), java.time.Duration.ofMinutes(1))
                .orElseThrow();
        ledger.complete(claim, new io.sluice.spi.Completion(5, 4, 1, List.of(), "v1"));
        completeJob(job.getMetadata().getName());
    }

    /** The id of the split {@code job} runs. */
    static String splitOf(Job job) {
        return job.getMetadata().getAnnotations().get(JobNames.SPLIT_ANNOTATION);
    }

    /** What the Job controller writes when a Job's pod failed: the condition Failed with {@code reason}. */
    void failJob(String name, String reason) {
        jobStatus(
                name,
                new JobStatusBuilder()
                        .withActive(0)
                        .withFailed(1)
                        .withConditions(new JobConditionBuilder()
                                .withType("Failed")
                                .withStatus("True")
                                .withReason(reason)
                                .withLastTransitionTime(Instant.now().toString())
                                .build()));
    }

    void completeJob(String name) {
        String now = Instant.now().toString();
        jobStatus(
                name,
                new JobStatusBuilder()
                        .withActive(0)
                        .withSucceeded(1)
                        .withCompletionTime(now)
                        .withConditions(new JobConditionBuilder()
                                .withType("Complete")
                                .withStatus("True")
                                .withLastTransitionTime(now)
                                .build()));
    }

    /**
     * What the Job controller creates for a Job: its pod, running on {@code node}; with {@code deletedAt}, a pod being
     * deleted (its deletionTimestamp: the delete's time plus its grace period) whose kubelet never reported its end.
     */
    Pod runningPod(Job job, String name, String node, Instant deletedAt) {
        Pod pod = podOf(job, name)
                // what keeps a deleted pod in a cluster until its kubelet reports it gone; here, the mock
                .editMetadata()
                .withFinalizers(deletedAt == null ? List.of() : List.of("test.sluice.io/lost-node"))
                .endMetadata()
                .editSpec()
                .withNodeName(node)
                .endSpec()
                .withNewStatus()
                .withPhase("Running")
                .endStatus()
                .build();
        Pod created = client.pods().inNamespace(NS).resource(pod).create();
        if (deletedAt == null) return created;
        // the mock drops a deletionTimestamp sent with a create, and sets its own (now) on a delete: a patch sets it
        return client.pods()
                .inNamespace(NS)
                .withName(name)
                .patch(
                        MERGE,
                        Serialization.asJson(Map.of(
                                "metadata",
                                Map.of("deletionTimestamp", deletedAt.toString(), "deletionGracePeriodSeconds", 30))));
    }

    /**
     * What the scheduler leaves of a pod no node fits: Pending, its condition PodScheduled False with {@code reason}
     * and {@code message}, and no event of the Job's.
     */
    void unscheduledPod(Job job, String name, String reason, String message) {
        Pod pod = podOf(job, name)
                .withNewStatus()
                .withPhase("Pending")
                .addNewCondition()
                .withType("PodScheduled")
                .withStatus("False")
                .withReason(reason)
                .withMessage(message)
                .endCondition()
                .endStatus()
                .build();
        client.pods().inNamespace(NS).resource(pod).create();
    }

    /** The pod the Job controller makes for {@code job}: its labels, its owner and the Job's pod spec. */
    private static PodBuilder podOf(Job job, String name) {
        return new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(NS)
                .withLabels(Map.of(
                        JobNames.JOB_NAME_LABEL,
                        job.getMetadata().getName(),
                        JobNames.PIPELINE_LABEL,
                        job.getMetadata().getLabels().get(JobNames.PIPELINE_LABEL)))
                .withOwnerReferences(new OwnerReferenceBuilder()
                        .withApiVersion("batch/v1")
                        .withKind("Job")
                        .withName(job.getMetadata().getName())
                        .withUid(job.getMetadata().getUid())
                        .withController(true)
                        .build())
                .endMetadata()
                .withSpec(job.getSpec().getTemplate().getSpec());
    }

    /**
     * What the kubelet writes when a pod's init container {@code container} exited with {@code exitCode}: the pod
     * failed, its main container never started.
     */
    void failedInit(Job job, String pod, String container, int exitCode) {
        runningPod(job, pod, "node-1", null);
        Map<String, Object> terminated = Map.of(
                "name", container, "state", Map.of("terminated", Map.of("exitCode", exitCode, "reason", "Error")));
        client.pods()
                .inNamespace(NS)
                .withName(pod)
                .subresource("status")
                .patch(
                        MERGE,
                        Serialization.asJson(Map.of(
                                "status", Map.of("phase", "Failed", "initContainerStatuses", List.of(terminated)))));
    }

    /**
     * What a real API server shows of a Job whose pod it refuses (Pod Security enforced on the namespace, an admission
     * webhook, a service account that is not there): the Job with no pod and no condition, and the Job controller's
     * {@code FailedCreate} event carrying {@code message}, as it records its refused tries (counted, seen first
     * {@code ago} and last now).
     */
    void podRefused(Job job, java.time.Duration ago, String message) {
        Instant now = Instant.now();
        events.add(new io.fabric8.kubernetes.api.model.EventBuilder()
                .withNewMetadata()
                .withName(job.getMetadata().getName() + "." + Long.toHexString(System.nanoTime()))
                .withNamespace(NS)
                .endMetadata()
                .withNewInvolvedObject()
                .withKind("Job")
                .withApiVersion("batch/v1")
                .withNamespace(NS)
                .withName(job.getMetadata().getName())
                .withUid(job.getMetadata().getUid())
                .endInvolvedObject()
                .withType("Warning")
                .withReason("FailedCreate")
                .withMessage(message)
                .withCount(5)
                .withFirstTimestamp(now.minus(ago).toString())
                .withLastTimestamp(now.toString())
                .withNewSource("job-controller", null)
                .build());
    }

    void jobStatus(String name, JobStatusBuilder status) {
        client.batch()
                .v1()
                .jobs()
                .inNamespace(NS)
                .withName(name)
                .subresource("status")
                .patch(MERGE, Serialization.asJson(Map.of("status", status.build())));
    }

    @Override
    public void close() throws Exception {
        if (runner != null) runner.requestStop();
        controller.shutdownNow();
        if (assembly != null) assembly.close();
        client.close();
        try {
            server.destroy();
        } catch (IllegalStateException e) {
            // fabric8's mock server can time out closing while a watch of a stopped controller drains its executor on
            // the event loop ("Thread blocked", seen under CI load); the test has asserted by now (as TestKubelet)
            System.err.println("mock cluster: the mock API server did not close in time: " + e.getMessage());
        }
    }
}
