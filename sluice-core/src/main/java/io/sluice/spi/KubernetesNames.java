package io.sluice.spi;

/**
 * What the Kubernetes API server takes as an object's name, or a container's variable's: checked where a user writes
 * one (a namespace, a Secret an exec step's {@code secret_env} names, its image's variables), so that a wrong one is
 * refused there, naming it, and not by the API server at each object's create.
 */
public final class KubernetesNames {
    private static final String LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";

    /**
     * A container's environment variable's name as every Kubernetes version takes it: newer ones may take more
     * characters, older ones refuse a Job with any other, so a pipeline is held to this one.
     */
    public static final String ENV_VAR_NAME = "[-._a-zA-Z][-._a-zA-Z0-9]*";

    private KubernetesNames() {}

    /** A name {@link #ENV_VAR_NAME} allows. */
    public static boolean isEnvVarName(String name) {
        return name.matches(ENV_VAR_NAME);
    }

    /** A DNS-1123 label: a namespace's name. */
    public static boolean isLabel(String name) {
        return name.length() <= 63 && name.matches(LABEL);
    }

    /** A DNS-1123 subdomain: the name of a ConfigMap, a Secret, a ServiceAccount or a PersistentVolumeClaim. */
    public static boolean isSubdomain(String name) {
        return name.length() <= 253 && name.matches(LABEL + "(\\." + LABEL + ")*");
    }
}
