package io.sluice.kubernetes.runner;

import io.sluice.config.Field;
import io.sluice.config.Options;
import io.sluice.config.Secret;
import io.sluice.config.Type;
import io.sluice.kubernetes.files.FileServer;
import io.sluice.kubernetes.files.SigningKey;
import io.sluice.kubernetes.files.SplitFiles;
import io.sluice.spi.Folders;
import io.sluice.spi.ledger.PlanStore;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * {@code run.kubernetes.file_server}: the controller serves each split's own input files to its Job's pod, which
 * downloads them in an init container ({@code sluice fetch}) into an {@code emptyDir} at the source's folder, for
 * inputs on a volume only the controller mounts.
 *
 * @param root       the files source's folder on the controller
 * @param podFolder  the same folder as the Job's pod resolves it (from {@code pipeline_file}'s folder)
 * @param keyFile    the signing key (base64); empty: one generated at the controller's start
 * @param keystore   TLS: a PKCS12 keystore; empty: plain HTTP
 * @param caConfigMap a ConfigMap whose {@code ca.crt} the pods trust the server's certificate with
 */
record FileServing(
        Path root,
        String podFolder,
        int port,
        Optional<URI> publicUrl,
        Optional<Path> keyFile,
        Duration urlLifetime,
        Optional<Path> keystore,
        Optional<Secret> password,
        Optional<String> caConfigMap) {

    /** Where the pods find the server's certificate: {@code ca_config_map} is mounted there in the init container. */
    static final String CA_FOLDER = "/etc/sluice/files-ca";

    static final String CA_KEY = "ca.crt";

    static final Field<Long> PORT = Field.optional(
            "port", new Type.Int(1, 65_535), 8443L, "The port the controller serves the files on (all interfaces).");
    static final Field<String> PUBLIC_URL = Field.computed(
            "public_url",
            Type.STRING,
            "`http://IP:PORT` (`https` with `tls`), the controller's own address (in a pod, its IP)",
            "How the Jobs' pods reach the server, e.g. the Service `sluice k8s generate` writes: "
                    + "`https://NAME-files.NAMESPACE.svc:8443`.");
    static final Field<java.nio.file.Path> KEY_FILE = Field.computed(
            "key_file",
            Type.PATH,
            "a key generated at the controller's start: its URLs die with it, and other controllers cannot serve them",
            "A file holding the URL-signing key, 32 random bytes as base64 (a Kubernetes Secret mounted as a volume), "
                    + "so that a restarted controller, or several, sign alike. Read by the controller only.");
    static final Field<java.time.Duration> URL_LIFETIME = Field.optional(
            "url_lifetime",
            Type.DURATION,
            Duration.ofHours(1),
            "How long a Job's signed URLs are valid from the Job's creation: cover its wait for a node and the "
                    + "download. A pod that starts later fails its download; the split's next Job gets new URLs.");
    static final Field<java.nio.file.Path> KEYSTORE = Field.required(
            "keystore",
            Type.PATH,
            "A PKCS12 keystore with the server's key and certificate. Read by the controller only.");
    static final Field<Secret> PASSWORD = Field.required(
            "password",
            Type.SECRET,
            "The keystore's password, as `${VARIABLE}`: the pods load the pipeline too, so give them the variable "
                    + "(`env_from_secrets`) as well.");
    static final Field<String> CA_CONFIG_MAP = Field.computed(
            "ca_config_map",
            Type.STRING,
            "none: the pods trust what their Java trusts",
            "A ConfigMap whose key `ca.crt` is the server's certificate or its CA's (PEM), mounted in each Job's "
                    + "download container, which trusts it.");
    static final Field<Options> TLS = Field.computed(
            "tls",
            Type.Obj.of("HTTPS for the file server.", KEYSTORE, PASSWORD, CA_CONFIG_MAP),
            "none: plain HTTP (anyone on the path can read a file in transit, though not ask for another)",
            "Serve HTTPS.");
    static final Type.Obj TYPE = Type.Obj.of(
            "The file server: each Job's pod downloads its split's files from the controller (signed URLs that "
                    + "expire) before it runs, for inputs on a volume only the controller mounts.",
            PORT,
            PUBLIC_URL,
            KEY_FILE,
            URL_LIFETIME,
            TLS);

    /**
     * {@code file_server} of a {@code run.kubernetes} block, checked against the pipeline's {@code file} and
     * {@code source}; empty when not set.
     */
    static Optional<FileServing> of(Options kubernetes, Path file, Options.Selected source) {
        String podPipelineFile = JobOptions.of(kubernetes).pipelineFile().orElse(file.toString());
        return kubernetes
                .find(JobOptions.FILE_SERVER)
                .map(fs -> of(fs, kubernetes, JobOptions.FILE_SERVER, file, source, podPipelineFile));
    }

    /**
     * The block checked against the pipeline: its source must be a local {@code files} folder whose inputs stay.
     *
     * @param podPipelineFile the pipeline file as the pods see it
     */
    private static FileServing of(
            Options o,
            Options parent,
            Field<Options> field,
            Path file,
            Options.Selected source,
            String podPipelineFile) {
        Object path = source.value() instanceof Options s ? s.values().get("path") : null;
        if (!source.kind().equals("files") || path == null || Type.PathOrUrl.isUrl(path.toString())) {
            throw parent.problem(
                    field,
                    "serves a files source's local folder, but source is " + source.kind()
                            + (path == null ? "" : " at " + path)
                            + ": remove file_server (an object store or a database is read by the pods themselves)");
        }
        if (source.options().values().get("after") != null) {
            throw parent.problem(
                    field,
                    "cannot be used with " + source.path()
                            + ".after: the pods would delete or move their own copies, not the inputs; remove one");
        }
        Path root = Path.of(path.toString()).toAbsolutePath().normalize();
        Path base = file.toAbsolutePath().normalize().getParent();
        String podFolder = root.toString();
        if (root.startsWith(base)) {
            String rel = Folders.key(base, root);
            String podBase = parent(podPipelineFile);
            podFolder = rel.isEmpty() ? podBase : (podBase.endsWith("/") ? podBase : podBase + "/") + rel;
        }
        if (parent.has(JobOptions.CONFIG_MAP) && podFolder.equals(parent(podPipelineFile))) {
            // two volumes at one path: the API server would refuse every Job, and the controller try for ever
            throw parent.problem(
                    field,
                    "the pods' copy of the source's folder would be " + podFolder + ", where config_map is mounted "
                            + "(the folder of pipeline_file): put the inputs in a folder below the pipeline's (path: "
                            + "in), or give " + source.path() + ".path an absolute path outside it");
        }
        Optional<Options> tls = o.find(TLS);
        Optional<URI> publicUrl = Optional.empty();
        if (o.has(PUBLIC_URL)) {
            URI u;
            try {
                u = new URI(o.get(PUBLIC_URL));
            } catch (java.net.URISyntaxException e) {
                throw o.problem(PUBLIC_URL, "not a URL: " + e.getMessage());
            }
            String scheme = tls.isPresent() ? "https" : "http";
            if (!scheme.equals(u.getScheme()) || u.getHost() == null) {
                throw o.problem(
                        PUBLIC_URL,
                        "must be " + scheme + "://HOST:PORT" + (tls.isPresent() ? " (tls is set)" : " (no tls is set)")
                                + ", not " + u);
            }
            publicUrl = Optional.of(u);
        }
        return new FileServing(
                root,
                podFolder,
                Math.toIntExact(o.get(PORT)),
                publicUrl,
                o.find(KEY_FILE),
                o.get(URL_LIFETIME),
                tls.map(t -> t.get(KEYSTORE)),
                tls.map(t -> t.get(PASSWORD)),
                tls.flatMap(t -> t.find(CA_CONFIG_MAP)));
    }

    /** Starts the server on {@link #root}, serving the splits the ledger records. */
    FileServer start(PlanStore plans) throws IOException {
        SigningKey key;
        if (keyFile.isPresent()) {
            try {
                key = SigningKey.fromFile(keyFile.get());
            } catch (IOException | IllegalArgumentException e) {
                throw new IOException(
                        "run.kubernetes.file_server.key_file: cannot read the signing key: " + e.getMessage(), e);
            }
        } else {
            key = SigningKey.generate();
        }
        var settings = FileServer.Settings.of(root, key).withBind(new InetSocketAddress(port));
        settings = settings.withPublicUrl(publicUrl.orElseGet(this::ownUrl));
        if (keystore.isPresent()) {
            settings = settings.withTls(
                    new FileServer.Tls(keystore.get(), password.orElseThrow().reveal()));
        }
        return FileServer.start(settings, SplitFiles.of(plans));
    }

    private URI ownUrl() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostAddress(); // in a pod: its IP, from /etc/hosts
        } catch (UnknownHostException e) {
            host = InetAddress.getLoopbackAddress().getHostAddress();
        }
        if (host.contains(":")) host = "[" + host + "]";
        return URI.create((keystore.isPresent() ? "https" : "http") + "://" + host + ":" + port);
    }

    /** The {@code sluice fetch} arguments of a split's download (their size is the Job's: {@link JobTemplate#job}). */
    List<String> fetchArgs(FileServer server, String splitId, List<String> files) throws IOException {
        return fetchArgs(server.urlsFor(splitId, files, urlLifetime));
    }

    /**
     * {@link #fetchArgs(FileServer, String, List)} once the checksums of the split's files are known: empty while they
     * are read off the caller's thread ({@link FileServer#urlsWhenRead}), {@code whenRead} running when a read ends.
     */
    Optional<List<String>> fetchArgsWhenRead(FileServer server, String splitId, List<String> files, Runnable whenRead)
            throws IOException {
        Optional<List<URI>> urls = server.urlsWhenRead(splitId, files, urlLifetime, whenRead);
        return urls.isEmpty() ? Optional.empty() : Optional.of(fetchArgs(urls.get()));
    }

    private List<String> fetchArgs(List<URI> urls) {
        List<String> args = new java.util.ArrayList<>();
        args.add("fetch");
        urls.forEach(u -> args.add(u.toString()));
        args.add("--to");
        args.add(podFolder);
        if (caConfigMap.isPresent()) {
            args.add("--ca");
            args.add(CA_FOLDER + "/" + CA_KEY);
        }
        return args;
    }

    static String parent(String file) {
        int slash = file.lastIndexOf('/');
        return slash <= 0 ? "/" : file.substring(0, slash);
    }
}
