package io.sluice.kubernetes.manifest;

import io.fabric8.kubernetes.api.model.Quantity;

/**
 * What the API server takes as an object's name and as a resource amount: checked where a user writes one, so that a
 * wrong one is refused there, naming it, and not by the API server at each object's create.
 */
public final class ApiValues {
    private static final String LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";

    private ApiValues() {}

    /** A DNS-1123 label: a namespace's name. */
    public static boolean isLabel(String name) {
        return name.length() <= 63 && name.matches(LABEL);
    }

    /** A DNS-1123 subdomain: the name of a ConfigMap, a Secret, a ServiceAccount or a PersistentVolumeClaim. */
    public static boolean isSubdomain(String name) {
        return name.length() <= 253 && name.matches(LABEL + "(\\." + LABEL + ")*");
    }

    /**
     * A resource quantity (resource.Quantity), as fabric8 reads it, of ASCII digits and not negative: {@code 500m},
     * {@code 2}, {@code 512Mi}, {@code 4G}, {@code 1e3}, {@code 100u}; not {@code 2GB}.
     */
    public static boolean isQuantity(String amount) {
        try {
            return amount.chars().allMatch(ch -> ch < 0x80)
                    && Quantity.getAmountInBytes(new Quantity(amount)).signum() >= 0;
        } catch (IllegalArgumentException | ArithmeticException e) {
            return false;
        }
    }
}
