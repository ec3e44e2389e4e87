package io.sluice.kubernetes.manifest;

import io.fabric8.kubernetes.api.model.Quantity;

/**
 * What the API server takes as a resource amount: checked where a user writes one, so that a wrong one is refused
 * there, naming it, and not by the API server at each object's create (object names: {@link
 * io.sluice.spi.KubernetesNames}).
 */
public final class ApiValues {
    private ApiValues() {}

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
