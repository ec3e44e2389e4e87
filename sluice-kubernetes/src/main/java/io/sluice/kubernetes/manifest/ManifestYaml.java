package io.sluice.kubernetes.manifest;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The objects as YAML a user can read and commit: one multi-document stream, or one file per object. */
public final class ManifestYaml {
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private ManifestYaml() {}

    /** One object as a YAML document, starting with {@code ---}. */
    public static String of(HasMetadata o) {
        String yaml = SERIALIZATION.asYaml(o);
        return yaml.startsWith("---") ? yaml : "---\n" + yaml;
    }

    /** Every object, in order, as one stream of documents. */
    public static String all(List<HasMetadata> objects) {
        StringBuilder out = new StringBuilder();
        for (HasMetadata o : objects) out.append(of(o));
        return out.toString();
    }

    /**
     * Writes one file per object into {@code folder}, named {@code NN-kind-name.yaml} so that {@code kubectl apply -f}
     * of the folder applies them in order; returns the files written.
     */
    public static List<Path> write(List<HasMetadata> objects, Path folder) throws IOException {
        Files.createDirectories(folder);
        List<Path> written = new ArrayList<>();
        int i = 0;
        for (HasMetadata o : objects) {
            Path file = folder.resolve(String.format(
                    Locale.ROOT,
                    "%02d-%s-%s.yaml",
                    ++i,
                    o.getKind().toLowerCase(Locale.ROOT),
                    o.getMetadata().getName()));
            Files.writeString(file, of(o));
            written.add(file);
        }
        return written;
    }
}
