package io.sluice.kubernetes.runner;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Names and labels of a pipeline's Jobs. A Job's name derives from the pipeline and the split id alone, so a second
 * create of a split's Job is refused by the API server (AlreadyExists) and a split never has two Jobs, whichever
 * controller (or restart of one) creates it. The split id itself is kept in an annotation: label values cannot hold it.
 */
final class JobNames {
    static final String PIPELINE_LABEL = "sluice.io/pipeline";
    static final String SPLIT_ANNOTATION = "sluice.io/split";
    static final String PIPELINE_ANNOTATION = "sluice.io/pipeline";
    /** The split's attempts when its Job was created: a pod that claimed the split counted one more. */
    static final String ATTEMPTS_ANNOTATION = "sluice.io/attempts";
    /**
     * The fencing token of the split's last claim when its Job was created: the pod's claim, if it made one, is the
     * first granted after it, so a Job's end is recorded against that claim only, not a later one.
     */
    static final String TOKEN_ANNOTATION = "sluice.io/token";

    static final String CREATED_BY_ANNOTATION = "sluice.io/created-by";

    /** Set by the Job controller on the Job's pods. */
    static final String JOB_NAME_LABEL = "job-name";

    private final String pipeline;
    private final String label;
    private final String prefix;

    JobNames(String pipeline) {
        this.pipeline = pipeline;
        this.label = slug(pipeline, 40) + "-" + hash(pipeline).substring(0, 8);
        this.prefix = "sluice-" + slug(pipeline, 30) + "-";
    }

    String pipeline() {
        return pipeline;
    }

    /** The value of {@link #PIPELINE_LABEL}: a valid label value for any pipeline name, distinct per pipeline. */
    String label() {
        return label;
    }

    /** A DNS-1123 label of at most 54 characters: {@code sluice-PIPELINE-HASH}, the hash of pipeline and split id. */
    String jobName(String splitId) {
        return prefix + hash(pipeline + "\n" + splitId).substring(0, 16);
    }

    /** Lower case letters, digits and single dashes, at most {@code max} long, never empty. */
    static String slug(String s, int max) {
        String out = s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
        if (out.length() > max) out = out.substring(0, max).replaceAll("-+$", "");
        return out.isEmpty() ? "p" : out;
    }

    private static String hash(String s) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
