package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.spi.Ledger;
import io.sluice.spi.SplitInfo;
import io.sluice.spi.SplitState;
import io.sluice.testkit.TestCertificates;
import io.sluice.testkit.Workspace;
import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code run.runner: kubernetes} end to end, with real processes: the controller is {@code sluice run} in a child JVM,
 * and every Job's pod is {@code sluice run PIPELINE --split ID} from the release archive ({@link Dist}: run these tests
 * with {@code package}), all on one SQLite ledger file.
 *
 * <p>No Kubernetes API server runs here (none can be had on this machine): fabric8's mock API server in CRUD mode
 * stands in for it, storing the Jobs and Pods and serving watches, and a {@link TestKubelet} does what the cluster's
 * Job controller and kubelets would: it runs each Job's pod as a local process and writes the Pod's and Job's status
 * from its exit (or simulates OOMKilled, a deadline exceeded, a crash, an image that cannot be pulled). One mock
 * server serves every test of the class; each test has a pipeline (and so Job labels) of its own.
 */
class KubernetesJobsTest {
    @TempDir
    static Path shared;

    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS) // a failed test's logs stay
    Path tmp;

    private static TestKubelet kubelet;

    @BeforeAll
    static void startCluster() throws Exception {
        kubelet = new TestKubelet(shared.resolve("pods"));
    }

    @AfterAll
    static void stopCluster() {
        if (kubelet != null) kubelet.close();
    }

    @BeforeEach
    void afresh() {
        kubelet.reset();
    }

    private static String runner(int maxActive, String more) {
        return """
                runner: kubernetes
                lease: 3s
                kubernetes:
                  image: sluice:test
                  namespace: %s
                  max_active: %d
                %s""".formatted(TestKubelet.NAMESPACE, maxActive, more.indent(2));
    }

    private Map<String, String> env(Scenario s) {
        Map<String, String> env = new HashMap<>(s.env());
        env.putAll(kubelet.clientEnv());
        return env;
    }

    private Procs.Proc controller(Scenario s, String name) throws Exception {
        return controller(s, name, Map.of());
    }

    private Procs.Proc controller(Scenario s, String name, Map<String, String> more) throws Exception {
        Files.createDirectories(s.logs);
        Map<String, String> env = env(s);
        env.putAll(more);
        return Procs.sluice(
                name, s.logs.resolve(name + ".log"), env, "run", s.pipeline.toString(), "--progress", "log");
    }

    /**
     * 40 files, {@code max_active: 8}: one Job per split, never more than 8 unfinished at once, every row once (each
     * pod is a JVM of its own here: 40 fill the 8 slots five times over, and each pod costs the suite a JVM start).
     */
    @Test
    void fortySplitsEightJobsAtATime() throws Exception {
        Scenario s = new Scenario(tmp, Backend.sqlite(tmp.resolve("ledger.db")), "k8s40", runner(8, ""));
        s.writeFiles(0, 40);
        Procs.Proc c = controller(s, "controller");
        assertThat(c.exitCode(900)).as("controller's exit; log:%n%s", c.tail()).isZero();
        List<TestKubelet.Created> jobs = kubelet.created();
        assertThat(jobs).as("one Job per split").hasSize(40);
        assertThat(jobs.stream().map(TestKubelet.Created::split).distinct()).hasSize(40);
        assertThat(kubelet.maxUnfinished()).as("Jobs unfinished at once").isBetween(2, 8);
        s.assertExactlyOnce();
        // the progress line counts the splits the Jobs did, as a local run's does (it said 0/0)
        assertThat(Files.readString(s.logs.resolve("controller.log")))
                .containsPattern("k8s40: [1-9][0-9]*/40 split\\(s\\) done, [0-9] in flight, rows [1-9]");
        assertThat(kubelet.client()
                        .batch()
                        .v1()
                        .jobs()
                        .inNamespace(TestKubelet.NAMESPACE)
                        .list()
                        .getItems())
                .as("finished Jobs deleted")
                .noneMatch(j -> j.getMetadata().getName().startsWith("sluice-k8s40-"));
    }

    /**
     * An aggregate in Jobs mode: each pod merges after its split (one merge at a time, or leaving the work to a newer
     * one), and the controller merges once more at the end of its {@code once} run, so the totals count every split
     * whatever happened to the pods' merges.
     */
    @Test
    void anAggregatesTotalsCountEverySplitAndTheControllerMergesLast() throws Exception {
        Workspace ws = Workspace.in(tmp.resolve("ws"));
        Map<String, Long> expected = new TreeMap<>();
        for (int f = 0; f < 12; f++) {
            StringBuilder csv = new StringBuilder("grp,v\n");
            for (int r = 0; r < 3; r++) {
                String grp = "g" + (f + r) % 4;
                csv.append(grp).append(',').append(f * 10 + r).append('\n');
                expected.merge(grp, (long) f * 10 + r, Long::sum);
            }
            ws.input("f" + f + ".csv", csv.toString());
        }
        Path pipeline = ws.pipeline(
                """
                pipeline: k8sagg
                source:
                  files: { path: in, include: "*.csv", pack: { max_files: 1 } }
                steps:
                  - aggregate: { group_by: [grp], measures: { total: sum(v) } }
                sink:
                  files: { path: out, format: csv }
                state: { sqlite: "%s" }
                run:
                %s""".formatted(tmp.resolve("ledger.db"), runner(4, "").indent(2)));
        Path logs = Files.createDirectories(tmp.resolve("logs"));
        Procs.Proc c = Procs.sluice(
                "controller",
                logs.resolve("controller.log"),
                kubelet.clientEnv(),
                "run",
                pipeline.toString(),
                "--progress",
                "log");
        assertThat(c.exitCode(600)).as("controller's exit; log:%n%s", c.tail()).isZero();
        assertThat(kubelet.created()).as("one Job per split").hasSize(12);
        List<String> want = expected.entrySet().stream()
                .map(e -> e.getKey() + "|" + e.getValue())
                .toList();
        assertThat(ws.outputRows("grp, total", "csv")).containsExactlyElementsOf(want);
        assertThat(c.logText()).as("the controller's own merge").contains("totals rebuilt: 4 row(s)");
    }

    /**
     * The controller SIGKILLed 10 times while Jobs run, and started again each time: the new one adopts the Jobs that
     * exist (no duplicate Job, none orphaned), and every split is done once.
     */
    @Test
    void controllerKilledTenTimes() throws Exception {
        Scenario s = new Scenario(tmp, Backend.sqlite(tmp.resolve("ledger.db")), "k8skill", runner(6, ""));
        s.writeFiles(0, 60);
        java.util.Random random = new java.util.Random(11);
        for (int i = 0; i < 10; i++) {
            Procs.Proc c = controller(s, "controller-" + i);
            int before = kubelet.created().size();
            long until = System.nanoTime() + 60_000_000_000L;
            // killed once it has created Jobs of its own (or adopted all there are), at a random moment after
            while (kubelet.created().size() == before
                    && System.nanoTime() < until
                    && c.process().isAlive()) Thread.sleep(20);
            Thread.sleep(random.nextInt(1500));
            c.kill();
        }
        Procs.Proc last = controller(s, "controller-last");
        assertThat(last.exitCode(600))
                .as("last controller's exit; log:%n%s", last.tail())
                .isZero();
        Map<String, Long> jobsPerSplit = kubelet.created().stream()
                .collect(Collectors.groupingBy(TestKubelet.Created::split, Collectors.counting()));
        assertThat(jobsPerSplit)
                .as("Jobs per split")
                .hasSize(60)
                .allSatisfy((split, n) -> assertThat(n).as("Jobs of %s", split).isEqualTo(1));
        assertThat(kubelet.maxUnfinished()).isLessThanOrEqualTo(6);
        Scenario.Outcome o = s.assertExactlyOnce();
        assertThat(o.retaken())
                .as("no split claimed twice: each Job's pod claimed its split once")
                .isZero();
    }

    /**
     * Failing pods, each split with {@code retries.max: 1}: a pod that exits 1 at once (retried, then dead with its
     * log's last lines), one OOMKilled while it holds its claim, one killed at the Job's deadline while it hangs with
     * its claim, one whose image cannot be pulled; the others are done. Each failure's reason is in the ledger and in
     * {@code sluice status}, and each failed pod counts one attempt.
     */
    @Test
    void failingPodsAreRecordedRetriedThenDead() throws Exception {
        Path ledgerFile = tmp.resolve("ledger.db");
        // the deadline also bounds the pods that succeed: 8 JVMs starting at once on 2 busy cores took more than 12 s
        Scenario s =
                new Scenario(tmp, Backend.sqlite(ledgerFile), "k8sfail", runner(8, "active_deadline_seconds: 20s"));
        // one retry: each failing split is dead after two pods
        Files.writeString(
                s.pipeline, Files.readString(s.pipeline).replace("retries: { max: 20,", "retries: { max: 1,"));
        s.writeFiles(0, 2);
        for (String big : List.of("oom", "hang")) bigFile(s.ws.in().resolve("d0/" + big + ".csv"));
        Files.writeString(s.ws.in().resolve("d0/crash.csv"), "id,grp,v\n1,g1,1\n");
        Files.writeString(s.ws.in().resolve("d0/image.csv"), "id,grp,v\n2,g2,2\n");
        for (String f : List.of("crash", "image"))
            Files.setLastModifiedTime(
                    s.ws.in().resolve("d0/" + f + ".csv"), FileTime.fromMillis(System.currentTimeMillis() - 60_000));
        try (Ledger ledger = Backend.sqlite(ledgerFile).open("k8sfail")) {
            // split ids hold the file's key (rule 1: derived from the input), so the kubelet knows its victims
            kubelet.behave("crash.csv", TestKubelet.Behavior.CRASH);
            kubelet.behave("oom.csv", TestKubelet.Behavior.OOM);
            kubelet.behave("hang.csv", TestKubelet.Behavior.HANG_PAST_DEADLINE);
            kubelet.behave("image.csv", TestKubelet.Behavior.IMAGE_PULL_BACK_OFF);
            Backend backend = Backend.sqlite(ledgerFile);
            kubelet.claimedWhen(
                    id -> ledger.splits(EnumSet.of(SplitState.CLAIMED), 100).stream()
                            .anyMatch(i -> i.id().equals(id)),
                    backend::writable);
            Procs.Proc c = controller(s, "controller");
            assertThat(c.exitCode(600))
                    .as("some split dead: exit 1; log:%n%s", c.tail())
                    .isEqualTo(1);
            Map<String, SplitInfo> byFile = ledger.splits(EnumSet.allOf(SplitState.class), 100).stream()
                    .collect(Collectors.toMap(i -> fileOf(i.id()), i -> i));
            assertThat(byFile.get("crash.csv")).satisfies(i -> {
                assertThat(i.state()).isEqualTo(SplitState.DEAD);
                assertThat(i.attempts()).as("one attempt per pod").isEqualTo(2);
                assertThat(i.lastError()).contains("Error (exit code 1)").contains("simulated crash: boom");
            });
            assertThat(byFile.get("oom.csv")).satisfies(i -> {
                assertThat(i.state()).isEqualTo(SplitState.DEAD);
                assertThat(i.attempts()).isEqualTo(2);
                assertThat(i.lastError()).contains("OOMKilled (exit code 137)");
            });
            assertThat(byFile.get("hang.csv")).satisfies(i -> {
                assertThat(i.state()).isEqualTo(SplitState.DEAD);
                assertThat(i.attempts()).isEqualTo(2);
                assertThat(i.lastError()).contains("DeadlineExceeded");
            });
            assertThat(byFile.get("image.csv")).satisfies(i -> {
                assertThat(i.state()).isEqualTo(SplitState.DEAD);
                assertThat(i.attempts()).isEqualTo(2);
                assertThat(i.lastError()).contains("ImagePullBackOff");
            });
            assertThat(byFile.values().stream().filter(i -> i.state() == SplitState.DONE))
                    .as("the two other splits done; all splits: %s; controller log:%n%s", byFile, c.tail())
                    .hasSize(2);
            Procs.Proc status =
                    Procs.sluice("status", s.logs.resolve("status.log"), s.env(), "status", s.pipeline.toString());
            status.exitCode(120);
            assertThat(status.logText())
                    .contains("OOMKilled")
                    .contains("DeadlineExceeded")
                    .contains("ImagePullBackOff")
                    .contains("exit code 1");
        }
    }

    /**
     * A pod that cannot load the pipeline (here a variable the controller has and its Secret does not) exits 2 before
     * it claims anything. Its attempt is recorded with the reason from its log, retried, then dead, and the {@code once}
     * run ends: it does not start a new Job for the split after every such pod, for ever, with nothing in the ledger.
     */
    @Test
    void aPodThatCannotLoadThePipelineCountsAnAttemptThenTheSplitIsDead() throws Exception {
        Path ledgerFile = tmp.resolve("ledger.db");
        Scenario s = new Scenario(tmp, Backend.sqlite(ledgerFile), "k8snovar", runner(2, ""));
        Files.writeString(
                s.pipeline,
                Files.readString(s.pipeline)
                        .replace("path: out,", "path: \"${K8SNOVAR_OUT}\",")
                        .replace("retries: { max: 20,", "retries: { max: 1,"));
        s.writeFiles(0, 1);
        Procs.Proc c = controller(s, "controller", Map.of("K8SNOVAR_OUT", "out"));
        assertThat(c.exitCode(180))
                .as("the split is dead: exit 1; log:%n%s", c.tail())
                .isEqualTo(1);
        try (Ledger ledger = Backend.sqlite(ledgerFile).open("k8snovar")) {
            List<SplitInfo> splits = ledger.splits(EnumSet.allOf(SplitState.class), 10);
            assertThat(splits).singleElement().satisfies(i -> {
                assertThat(i.state()).isEqualTo(SplitState.DEAD);
                assertThat(i.attempts()).as("one attempt per pod").isEqualTo(2);
                assertThat(i.lastError())
                        .contains("exit code 2")
                        .contains("K8SNOVAR_OUT")
                        .contains("env_from_secrets");
            });
        }
        assertThat(kubelet.created()).as("one Job per attempt").hasSize(2);
    }

    /**
     * A {@code config_map} that is not there (a typo, or not applied yet): each pod starts without the pipeline file
     * and fails naming it, recorded with a hint, then dead, and the run ends; it does not wait to mount it for ever
     * with its Job unfinished, holding a place of {@code max_active} with nothing in the ledger.
     */
    @Test
    void aConfigMapThatIsNotThereFailsThePodsNamingTheFile() throws Exception {
        Path ledgerFile = tmp.resolve("ledger.db");
        Scenario s = new Scenario(
                tmp,
                Backend.sqlite(ledgerFile),
                "k8snocm",
                runner(2, "config_map: k8snocm-typo\npipeline_file: /etc/sluice/pipeline.yaml"));
        Files.writeString(
                s.pipeline, Files.readString(s.pipeline).replace("retries: { max: 20,", "retries: { max: 1,"));
        s.writeFiles(0, 1);
        Procs.Proc c = controller(s, "controller");
        assertThat(c.exitCode(180))
                .as("the split is dead: exit 1; log:%n%s", c.tail())
                .isEqualTo(1);
        try (Ledger ledger = Backend.sqlite(ledgerFile).open("k8snocm")) {
            assertThat(ledger.splits(EnumSet.allOf(SplitState.class), 10))
                    .singleElement()
                    .satisfies(i -> {
                        assertThat(i.state()).isEqualTo(SplitState.DEAD);
                        assertThat(i.attempts()).isEqualTo(2);
                        assertThat(i.lastError())
                                .contains("exit code 2")
                                .contains("/etc/sluice/pipeline.yaml")
                                .contains("run.kubernetes.config_map");
                    });
        }
    }

    /**
     * A file whose name holds {@code $$} and {@code $(NAME)}, which a kubelet rewrites in a container's args: its Job's
     * pod still gets the split id as the ledger has it, and the split is done like the others.
     */
    @Test
    void aSplitNamedWithDollarSignsIsDone() throws Exception {
        Scenario s = new Scenario(tmp, Backend.sqlite(tmp.resolve("ledger.db")), "k8sdollar", runner(2, ""));
        s.writeFiles(0, 2);
        Path in = s.ws.in();
        Files.move(in.resolve("d1/f1.csv"), in.resolve("d1/price$$list $(HOME).csv"));
        Procs.Proc c = controller(s, "controller");
        assertThat(c.exitCode(180)).as("controller's exit; log:%n%s", c.tail()).isZero();
        assertThat(kubelet.created()).as("one Job per split").hasSize(2);
        s.assertExactlyOnce();
    }

    /** Two controllers of one pipeline at once: the leader lease lets one of them create every Job. */
    @Test
    void twoControllersOneCreatesTheJobs() throws Exception {
        Scenario s = new Scenario(tmp, Backend.sqlite(tmp.resolve("ledger.db")), "k8stwo", runner(4, ""));
        s.writeFiles(0, 16);
        Procs.Proc a = controller(s, "a");
        Procs.Proc b = controller(s, "b");
        assertThat(a.exitCode(600)).as("a's exit; log:%n%s", a.tail()).isZero();
        assertThat(b.exitCode(600)).as("b's exit; log:%n%s", b.tail()).isZero();
        List<TestKubelet.Created> jobs = kubelet.created();
        assertThat(jobs).hasSize(16);
        assertThat(jobs.stream().map(TestKubelet.Created::createdBy).distinct())
                .as("the controllers that created Jobs")
                .hasSize(1);
        s.assertExactlyOnce();
    }

    /**
     * A pipeline whose pods cannot read its input folder: the controller serves each split's files
     * ({@code file_server}), and each Job's pod, whose pipeline file comes from a ConfigMap mounted at
     * {@code /etc/sluice} in its own emulated file system ({@link TestKubelet}), downloads them in its init container
     * into the {@code emptyDir} at {@code /etc/sluice/in}, where its pipeline's relative {@code path: in} points. The
     * sink and the ledger are absolute paths, shared as a cluster's object store and database would be.
     */
    private Scenario served(String name, int files, String scheme, String fileServer) throws Exception {
        return served(name, files, scheme, fileServer, yaml -> yaml);
    }

    /** The same, with the pipeline file changed by {@code change} before the pods get it. */
    private Scenario served(
            String name, int files, String scheme, String fileServer, java.util.function.UnaryOperator<String> change)
            throws Exception {
        int port = Servers.freePort();
        String options = """
                config_map: %s-pipeline
                pipeline_file: /etc/sluice/pipeline.yaml
                env_from_secrets: [%s-env]
                file_server: { port: %d, public_url: "%s://127.0.0.1:%d", %s }
                """.formatted(name, name, port, scheme, port, fileServer);
        Scenario s = new Scenario(tmp, Backend.sqlite(tmp.resolve("ledger.db")), name, runner(4, options));
        String yaml = change.apply(Files.readString(s.pipeline).replace("path: out,", "path: \"" + s.ws.out() + "\","));
        Files.writeString(s.pipeline, yaml);
        create(new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
                .withNewMetadata()
                .withName(name + "-pipeline")
                .endMetadata()
                .addToData("pipeline.yaml", yaml)
                .build());
        create(new io.fabric8.kubernetes.api.model.SecretBuilder()
                .withNewMetadata()
                .withName(name + "-env")
                .endMetadata()
                .addToData(
                        "FILES_TLS_PASSWORD",
                        java.util.Base64.getEncoder()
                                .encodeToString(TLS_PASSWORD.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .build());
        s.writeFiles(0, files);
        return s;
    }

    /**
     * A ConfigMap or a Secret (values base64, as the API holds them) in the test's namespace. Create or update: the
     * mock server's event loop can stall while an earlier test's controller's watches close, and the client then
     * sends its POST again, which finds the object its first POST made.
     */
    private static void create(io.fabric8.kubernetes.api.model.HasMetadata o) {
        kubelet.client()
                .resource(o)
                .inNamespace(TestKubelet.NAMESPACE)
                .createOr(io.fabric8.kubernetes.client.dsl.NonDeletingOperation::update);
    }

    /** The input folders of the pipeline's pods, in their emulated file systems: what their init containers fetched. */
    private static Map<String, Path> podInputs(String pipeline) throws Exception {
        try (var roots = Files.list(kubelet.podRoots())) {
            return roots.filter(r -> r.getFileName().toString().startsWith("sluice-" + pipeline + "-"))
                    .collect(Collectors.toMap(r -> r.getFileName().toString(), r -> r.resolve("etc/sluice/in")));
        }
    }

    private static final String TLS_PASSWORD = "files-keystore-pass";

    /**
     * 8 files through Jobs whose pods cannot read the input folder: each pod's init container ({@code sluice fetch})
     * downloads its split's file from the controller's file server over HTTPS (a self-signed certificate, trusted
     * through the ConfigMap {@code tls.ca_config_map} names), with the size and modification time it was planned with,
     * and the split runs over that copy. Every row once in the sink; each pod holds its own split's file only.
     */
    @Test
    void podsReadTheirSplitsFilesFromTheControllersFileServer() throws Exception {
        TestCertificates.Pair tls =
                TestCertificates.localhost(Files.createDirectories(tmp.resolve("tls")), TLS_PASSWORD);
        Scenario s = served("k8sfiles", 8, "https", """
                url_lifetime: 10m,
                tls: { keystore: "%s", password: "${FILES_TLS_PASSWORD}", ca_config_map: k8sfiles-ca }""".formatted(tls.keystore()));
        create(new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
                .withNewMetadata()
                .withName("k8sfiles-ca")
                .endMetadata()
                .addToData("ca.crt", Files.readString(tls.certificate()))
                .build());
        Procs.Proc c = controller(s, "controller", Map.of("FILES_TLS_PASSWORD", TLS_PASSWORD));
        assertThat(c.exitCode(600)).as("controller's exit; log:%n%s", c.tail()).isZero();
        assertThat(c.logText()).contains("file server: ").contains(" at https://127.0.0.1:");
        s.assertExactlyOnce();
        Map<String, Path> pods = podInputs("k8sfiles");
        assertThat(pods).as("one pod per split").hasSize(8);
        Map<String, Path> fetched = new HashMap<>();
        for (Path in : pods.values()) {
            try (var files = Files.walk(in)) {
                List<Path> own = files.filter(Files::isRegularFile).toList();
                assertThat(own)
                        .as("what the pod's init container put in %s", in)
                        .hasSize(1);
                fetched.put(in.relativize(own.getFirst()).toString(), own.getFirst());
            }
        }
        assertThat(fetched).as("every input fetched by one pod").hasSize(8);
        fetched.forEach((key, copy) -> {
            Path original = s.ws.in().resolve(key);
            try {
                assertThat(copy).hasSameBinaryContentAs(original);
                assertThat(Files.getLastModifiedTime(copy)).isEqualTo(Files.getLastModifiedTime(original));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    /**
     * The exec step's {@code image:} in Jobs mode: each pod runs the image's command in an init container on its
     * downloaded input, writing into its own output folder (a subPath of an {@code emptyDir}), and the pod's Sluice
     * commits those files under its claim. The test kubelet runs the "image" as a local {@code sh}; a command that
     * fails is the split's failure with its standard error, retried, then dead; one that writes beside its {@code
     * {output_dir}} fails its split once, as a local run does.
     */
    @Test
    void anExecImageRunsInAnInitContainerAndItsFilesAreTheSplitsOutput() throws Exception {
        String script = "if grep -q BAD \"$0\"; then echo \"cannot rebuild $0\" >&2; exit 3; fi; "
                + "if grep -q STRAY \"$0\"; then echo astray > \"$1/../stray.txt\"; fi; "
                + "tr a-z A-Z < \"$0\" > \"$1/upper.txt\"; mkdir -p \"$1/meta\"; echo \"$2\" > \"$1/meta/key\"";
        Scenario s = served(
                "k8sexec",
                3,
                "http",
                "url_lifetime: 10m",
                yaml -> yaml.replace(
                                "  - sql: SELECT id, grp, v FROM input",
                                "  - exec: { image: \"registry.example/rebuild:1.4\", command: [sh, -c, '" + script
                                        + "', \"{input}\", \"{output_dir}\", \"{key}\"] }")
                        .replace(", format: csv", "")
                        .replace("retries: { max: 20,", "retries: { max: 1,"));
        s.ws.input("d9/bad.csv", "id,grp,v\nBAD\n"); // settled: dated a minute back
        s.ws.input("d8/stray.csv", "id,grp,v\nSTRAY\n");

        Procs.Proc c = controller(s, "controller");
        assertThat(c.exitCode(600))
                .as("the bad input's split is dead: exit 1; log:%n%s", c.tail())
                .isEqualTo(1);

        try (Ledger ledger = s.backend.open("k8sexec")) {
            Map<String, SplitInfo> byFile = ledger.splits(EnumSet.allOf(SplitState.class), 100).stream()
                    .collect(Collectors.toMap(i -> i.id().replaceAll(".*?([^/]+\\.csv).*", "$1"), i -> i));
            assertThat(byFile).as("splits by the file they hold").hasSize(5);
            assertThat(byFile.get("stray.csv")).satisfies(i -> {
                assertThat(i.state()).isEqualTo(SplitState.DEAD);
                assertThat(i.attempts())
                        .as("a file written beside {output_dir} is seen in the pod, as in a local run: not retried")
                        .isEqualTo(1);
                assertThat(i.lastError()).contains("wrote stray.txt for split", "outside its output folder");
            });
            assertThat(byFile.get("bad.csv")).satisfies(i -> {
                assertThat(i.state()).isEqualTo(SplitState.DEAD);
                assertThat(i.attempts()).isEqualTo(2);
                assertThat(i.lastError())
                        .contains("init container exec-0")
                        .contains("exit code 3")
                        .contains("cannot rebuild")
                        .doesNotContain("could not download");
            });
            Map<String, String> outputs = new HashMap<>(); // the input's key, as the command got it: its output
            try (var out = Files.walk(s.ws.out())) {
                for (Path upper : out.filter(p -> p.endsWith("upper.txt")).toList()) {
                    String key =
                            Files.readString(upper.resolveSibling("meta/key")).strip();
                    assertThat(outputs.put(key, Files.readString(upper)))
                            .as("one output of %s", key)
                            .isNull();
                }
            }
            assertThat(outputs).hasSize(3);
            for (int f = 0; f < 3; f++) {
                String key = "d" + f + "/f" + f + ".csv";
                assertThat(byFile.get("f" + f + ".csv").state()).isEqualTo(SplitState.DONE);
                assertThat(outputs.get(key))
                        .isEqualTo(Files.readString(s.ws.in().resolve(key)).toUpperCase(java.util.Locale.ROOT));
            }
        }
    }

    /**
     * URLs that expire before the pod starts: a split whose first pod comes late fails its download ({@code 403
     * expired}), is retried with a new Job and new URLs, and is done; one whose pods always come late is dead, with
     * the reason and what to change in the ledger. Each failed download counts one attempt.
     */
    @Test
    void expiredUrlsFailTheDownloadThenANewJobGetsNewOnes() throws Exception {
        Scenario s = served("k8sexp", 4, "http", "url_lifetime: 10s");
        Files.writeString(
                s.pipeline, Files.readString(s.pipeline).replace("retries: { max: 20,", "retries: { max: 1,"));
        kubelet.behave("f1.csv", TestKubelet.Behavior.LATE_ONCE);
        kubelet.behave("f2.csv", TestKubelet.Behavior.LATE);
        Procs.Proc c = controller(s, "controller");
        assertThat(c.exitCode(600))
                .as("a split dead: exit 1; log:%n%s", c.tail())
                .isEqualTo(1);
        try (Ledger ledger = s.backend.open("k8sexp")) {
            Map<String, SplitInfo> byFile = ledger.splits(EnumSet.allOf(SplitState.class), 100).stream()
                    .collect(Collectors.toMap(i -> i.id().replaceAll(".*(f\\d+\\.csv).*", "$1"), i -> i));
            assertThat(byFile.get("f0.csv").state()).isEqualTo(SplitState.DONE);
            assertThat(byFile.get("f3.csv").state()).isEqualTo(SplitState.DONE);
            assertThat(byFile.get("f1.csv")).satisfies(i -> {
                assertThat(i.state()).as("done by its second Job's pod").isEqualTo(SplitState.DONE);
                assertThat(i.attempts()).isEqualTo(2);
            });
            assertThat(byFile.get("f2.csv")).satisfies(i -> {
                assertThat(i.state()).isEqualTo(SplitState.DEAD);
                assertThat(i.attempts()).as("one attempt per pod").isEqualTo(2);
                assertThat(i.lastError())
                        .contains("Init:Error (exit code 1)")
                        .contains("expired")
                        .contains("run.kubernetes.file_server.url_lifetime")
                        .contains("f2.csv");
            });
        }
    }

    private static String fileOf(String splitId) {
        return List.of("crash.csv", "oom.csv", "hang.csv", "image.csv").stream()
                .filter(splitId::contains)
                .findFirst()
                .orElse(splitId);
    }

    /** A file of many rows: its split runs long enough for the kubelet to act while the pod holds its claim. */
    private static void bigFile(Path file) throws Exception {
        try (BufferedWriter w = Files.newBufferedWriter(file)) {
            w.write("id,grp,v\n");
            for (int i = 0; i < 300_000; i++) w.write((1_000_000 + i) + ",g" + i % 7 + "," + i + "\n");
        }
        Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() - 60_000));
    }
}
