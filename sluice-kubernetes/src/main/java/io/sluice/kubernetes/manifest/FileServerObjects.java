package io.sluice.kubernetes.manifest;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the jobs mode adds for {@code run.kubernetes.file_server}: the Service {@code NAME-files} in front of the
 * controller's file server, the controller's container port, and the Secrets it reads (the signing key, the TLS
 * keystore) mounted where the pipeline names them. The Secrets themselves hold keys: the user creates them.
 */
final class FileServerObjects {
    static final String PORT_NAME = "files";
    private static final String KEY_VOLUME = "files-key";
    private static final String TLS_VOLUME = "files-tls";
    static final String KEYSTORE_KEY = "keystore.p12";

    private final Names names;
    private final String namespace;
    private final int port;
    private final Optional<String> keyFile;
    private final Optional<String> keystore;
    private final Map<String, String> written;

    private FileServerObjects(Names names, String namespace, Map<String, String> written) {
        this.names = names;
        this.namespace = namespace;
        this.written = written;
        String p = written.getOrDefault("port", "8443");
        try {
            this.port = Integer.parseInt(p);
        } catch (NumberFormatException e) {
            throw new ManifestException("run.kubernetes.file_server.port is " + p + ": write the number itself, a "
                    + "container port and the Service's are numbers in the manifests");
        }
        this.keyFile = Optional.ofNullable(written.get("key_file")).map(FileServerObjects::inPod);
        this.keystore = Optional.ofNullable(written.get("tls.keystore")).map(FileServerObjects::inPod);
    }

    static Optional<FileServerObjects> of(PipelineFacts facts, GenerateOptions options) {
        return facts.fileServer().map(w -> new FileServerObjects(facts.names(), options.namespace(), w));
    }

    /** A path of the pipeline as the controller resolves it: a relative one is under the pipeline's folder. */
    private static String inPod(String path) {
        return path.startsWith("/") ? path : Manifests.FOLDER + "/" + path;
    }

    int port() {
        return port;
    }

    String keySecret() {
        return names.named("files-key");
    }

    String tlsSecret() {
        return names.named("files-tls");
    }

    /** The controller's port, and the Secrets' files at the paths the pipeline gives (one subPath each). */
    void addTo(ContainerBuilder controller) {
        controller.addNewPort().withName(PORT_NAME).withContainerPort(port).endPort();
        keyFile.ifPresent(f -> controller.addToVolumeMounts(new VolumeMountBuilder()
                .withName(KEY_VOLUME)
                .withMountPath(f)
                .withSubPath("key")
                .withReadOnly(true)
                .build()));
        keystore.ifPresent(f -> controller.addToVolumeMounts(new VolumeMountBuilder()
                .withName(TLS_VOLUME)
                .withMountPath(f)
                .withSubPath(KEYSTORE_KEY)
                .withReadOnly(true)
                .build()));
    }

    List<Volume> volumes() {
        List<Volume> out = new ArrayList<>();
        keyFile.ifPresent(f -> out.add(new VolumeBuilder()
                .withName(KEY_VOLUME)
                .withNewSecret()
                .withSecretName(keySecret())
                .endSecret()
                .build()));
        keystore.ifPresent(f -> out.add(new VolumeBuilder()
                .withName(TLS_VOLUME)
                .withNewSecret()
                .withSecretName(tlsSecret())
                .endSecret()
                .build()));
        return out;
    }

    /** {@code NAME-files}: the controller's pods, on the file server's port. */
    Service service(io.fabric8.kubernetes.api.model.ObjectMeta meta) {
        return new ServiceBuilder()
                .withMetadata(meta)
                .withNewSpec()
                .withType("ClusterIP")
                .withSelector(names.labels("controller"))
                .addNewPort()
                .withName(PORT_NAME)
                .withPort(port)
                .withTargetPort(new IntOrString(PORT_NAME))
                .endPort()
                .endSpec()
                .build();
    }

    /** What the user must create or set, said on stderr. */
    List<String> notes() {
        List<String> out = new ArrayList<>();
        boolean tls = written.containsKey("tls");
        String url = (tls ? "https" : "http") + "://" + names.named("files") + "." + namespace + ".svc:" + port;
        String publicUrl = written.get("public_url");
        if (publicUrl == null) {
            out.add("the Jobs' pods reach the file server at the controller pod's own IP (no public_url set): set "
                    + "run.kubernetes.file_server.public_url: \"" + url + "\" to go through the Service "
                    + names.named("files"));
        } else if (!publicUrl.equals(url)) {
            out.add("run.kubernetes.file_server.public_url is " + publicUrl + ", not the generated Service's " + url
                    + ": the pods must reach the controller there");
        }
        if (keyFile.isPresent()) {
            out.add("the file server signs with the key in the Secret " + keySecret() + " (key `key`, mounted at "
                    + keyFile.get() + "); create it before applying: kubectl -n " + namespace
                    + " create secret generic " + keySecret()
                    + " --from-literal=key=\"$(head -c 32 /dev/urandom | base64)\"");
        } else {
            out.add("no run.kubernetes.file_server.key_file: the controller signs with a key of its own, made at its "
                    + "start; a restarted controller's Jobs then fail their download once and are retried");
        }
        if (keystore.isPresent()) {
            out.add("the file server's TLS keystore comes from the Secret " + tlsSecret() + " (key " + KEYSTORE_KEY
                    + ", mounted at " + keystore.get() + "); create it: kubectl -n " + namespace
                    + " create secret generic " + tlsSecret() + " --from-file=" + KEYSTORE_KEY
                    + "=server.p12 (a certificate for " + names.named("files") + "." + namespace + ".svc)");
        }
        String ca = written.get("tls.ca_config_map");
        if (ca != null) {
            out.add("the Jobs' download trusts ca.crt of the ConfigMap " + ca + "; create it: kubectl -n " + namespace
                    + " create configmap " + ca + " --from-file=ca.crt=ca.pem");
        }
        return out;
    }
}
