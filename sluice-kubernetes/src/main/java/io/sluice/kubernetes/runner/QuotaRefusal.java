package io.sluice.kubernetes.runner;

import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A ResourceQuota's refusal, as the API server's quota admission writes it: {@code exceeded quota: NAME, requested:
 * R=Q,..., used: R=Q,..., limited: R=Q,...}, naming only the resources that did not fit. Tells a quota that is merely
 * full (it passes once other pods end) from one that one pod exceeds on its own (it never passes).
 *
 * @param requested what the refused object asks of each resource, on its own
 * @param used      what the namespace uses already
 * @param limited   the quota's hard limit
 */
record QuotaRefusal(
        String quota, Map<String, String> requested, Map<String, String> used, Map<String, String> limited) {
    private static final Pattern MESSAGE =
            Pattern.compile("exceeded quota: ([^,\\s]+), requested: (\\S+), used: (\\S+), limited: (\\S+)");

    QuotaRefusal {
        requested = Map.copyOf(requested);
        used = Map.copyOf(used);
        limited = Map.copyOf(limited);
    }

    /** One resource that a single object requests more of than the quota allows in all. */
    record Excess(String quota, String resource, String requested, String limited) {}

    /** The refusal in {@code message}; empty when it is not a quota's, or not written as the API server writes it. */
    static Optional<QuotaRefusal> parse(String message) {
        if (message == null) return Optional.empty();
        Matcher m = MESSAGE.matcher(message);
        if (!m.find()) return Optional.empty();
        try {
            return Optional.of(
                    new QuotaRefusal(m.group(1), amounts(m.group(2)), amounts(m.group(3)), amounts(m.group(4))));
        } catch (IllegalArgumentException e) {
            return Optional.empty(); // not the API server's form: taken for a full quota, as before
        }
    }

    /** The resource a quota's refusal {@code message} says one object alone asks too much of; see {@link #neverFits()}. */
    static Optional<Excess> neverFits(String message) {
        return parse(message).flatMap(QuotaRefusal::neverFits);
    }

    private static Map<String, String> amounts(String list) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String pair : list.split(",")) {
            int eq = pair.indexOf('=');
            if (eq <= 0 || eq == pair.length() - 1) throw new IllegalArgumentException("not R=Q: " + pair);
            out.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        return out;
    }

    /**
     * The first resource whose request alone is above the quota's limit: no pod can pass however many others end
     * (what is used does not matter). Empty when every request fits an empty quota: the quota is only full.
     */
    Optional<Excess> neverFits() {
        for (var e : requested.entrySet()) {
            String limit = limited.get(e.getKey());
            if (limit == null) continue;
            BigDecimal asked = amount(e.getValue());
            BigDecimal allowed = amount(limit);
            if (asked != null && allowed != null && asked.compareTo(allowed) > 0)
                return Optional.of(new Excess(quota, e.getKey(), e.getValue(), limit));
        }
        return Optional.empty();
    }

    /** A Kubernetes quantity's value (4Gi, 500m, 2); null when it is not one. */
    private static BigDecimal amount(String quantity) {
        try {
            return Quantity.getAmountInBytes(Quantity.parse(quantity));
        } catch (IllegalArgumentException | ArithmeticException e) {
            return null;
        }
    }
}
