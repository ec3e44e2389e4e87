package io.sluice.kubernetes.manifest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The Kubernetes names and labels of one pipeline's objects. A pipeline's name may hold upper case, {@code _} and
 * {@code .}, and be of any length; an object's name must be a DNS-1123 label (a Service's must also start with a
 * letter), at most 63 characters with the longest suffix added. So the base name is the pipeline's name in lower
 * case with {@code _} and {@code .} as {@code -}; a name that had to change is followed by a short hash of the
 * original, so that {@code my_pipe} and {@code my-pipe} never share objects.
 */
public record Names(String pipeline, String base) {
    public static final String NAME_LABEL = "app.kubernetes.io/name";
    public static final String INSTANCE_LABEL = "app.kubernetes.io/instance";
    public static final String MANAGED_LABEL = "app.kubernetes.io/managed-by";
    public static final String COMPONENT_LABEL = "app.kubernetes.io/component";
    /** The field manager of server-side apply, and the value of the managed-by label. */
    public static final String MANAGER = "sluice";

    /**
     * The longest base name: a CronJob's name is at most 52 characters (its Jobs add 11), and the CronJob's is the base
     * with {@code -plan}; the longest other suffix ({@code -controller}) fits the 63 of every other name.
     */
    static final int MAX_BASE = 52 - "-plan".length();

    public static Names of(String pipeline) {
        String plain = pipeline.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
        plain = plain.replaceAll("^[^a-z]+", ""); // a Service's name starts with a letter
        // and ends with a letter or digit: `orders-` must not become another pipeline's `orders`
        plain = trimDashes(plain);
        boolean changed = !plain.equals(pipeline);
        if (plain.isEmpty()) plain = "p";
        if (changed || plain.length() > MAX_BASE) {
            String hash = hash(pipeline);
            plain = trimDashes(plain.substring(0, Math.min(plain.length(), MAX_BASE - hash.length() - 1))) + "-" + hash;
        }
        return new Names(pipeline, plain);
    }

    /** The Secret holding the values of the pipeline's {@code ${VARIABLES}}: one key per variable, named as it. */
    public String secret() {
        return base + "-env";
    }

    public String named(String suffix) {
        return suffix.isEmpty() ? base : base + "-" + suffix;
    }

    /**
     * The instance label: the pipeline's own name where it is a valid label value (at most 63 characters, which every
     * pipeline name's characters are), else the base name.
     */
    public String instance() {
        return pipeline.length() <= 63 && pipeline.matches("[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?")
                ? pipeline
                : base;
    }

    /** The labels every object of this pipeline carries; {@code apply} prunes and {@code delete} deletes by them. */
    public Map<String, String> selector() {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(NAME_LABEL, "sluice");
        labels.put(INSTANCE_LABEL, instance());
        labels.put(MANAGED_LABEL, MANAGER);
        return labels;
    }

    /** The labels of one part of the pipeline (worker, controller, config). */
    public Map<String, String> labels(String component) {
        Map<String, String> labels = selector();
        labels.put(COMPONENT_LABEL, component);
        return labels;
    }

    private static String trimDashes(String s) {
        return s.replaceAll("^-+|-+$", "");
    }

    static String hash(String text) {
        return sha256(text).substring(0, 8);
    }

    static String sha256(String text) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(md.digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
