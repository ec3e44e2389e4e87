package io.sluice.spi;

/**
 * What the Kubernetes API server takes as an object's name: checked where a user writes one (a namespace, a Secret an
 * exec step's {@code secret_env} names), so that a wrong one is refused there, naming it, and not by the API server at
 * each object's create.
 */
public final class KubernetesNames {
    private static final String LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";

    private KubernetesNames() {}

    /** A DNS-1123 label: a namespace's name. */
    public static boolean isLabel(String name) {
        return name.length() <= 63 && name.matches(LABEL);
    }

    /** A DNS-1123 subdomain: the name of a ConfigMap, a Secret, a ServiceAccount or a PersistentVolumeClaim. */
    public static boolean isSubdomain(String name) {
        return name.length() <= 253 && name.matches(LABEL + "(\\." + LABEL + ")*");
    }
}
