package io.sluice.kubernetes.runner;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What an error answer of the API server says, read from its Status: the kind of refusal decides whether sending the
 * request again can help. A 403 is a permission refusal (RBAC), a quota exceeded (passes once Jobs end) or a Pod
 * Security admission refusal, and only its message tells them apart.
 */
record ApiRefusal(int code, String reason, String message) {
    private static final Pattern POD_SECURITY = Pattern.compile("violates PodSecurity \"([^\"]+)\"");
    private static final Pattern QUOTA = Pattern.compile("exceeded quota: ([^,\\s]+)");
    private static final Pattern USER = Pattern.compile("User \"([^\"]+)\"");
    private static final Pattern RBAC = Pattern.compile("User \"[^\"]*\" cannot \\S+ resource");

    static ApiRefusal of(KubernetesClientException e) {
        Status st = e.getStatus();
        if (st == null || st.getMessage() == null) {
            // no answer (code 0): fabric8's message names the request, its cause what went wrong
            String what = e.getCause() == null || e.getCause().getMessage() == null
                    ? e.getMessage()
                    : e.getMessage() + " (" + e.getCause().getMessage() + ")";
            return new ApiRefusal(e.getCode(), null, what == null ? e.toString() : what.replace('\n', ' '));
        }
        return new ApiRefusal(e.getCode(), st.getReason(), st.getMessage());
    }

    /** The answer in one line: its code, reason and message, not fabric8's whole request. */
    @Override
    public String toString() {
        return code + (reason == null ? "" : " " + reason) + ": " + message;
    }

    /**
     * Whether the same request gets this answer again however often it is sent: 422 Invalid (a field the API server's
     * validation refuses, or a policy engine's denial), 400 BadRequest (an admission webhook's denial without a code
     * of its own), and a 403 (RBAC, Pod Security) unless it is a quota exceeded that passes once Jobs end: one the
     * request alone exceeds ({@code count/jobs.batch: 0}) never passes.
     */
    boolean forGood() {
        return code == 400
                || code == 422
                || (code == 403 && (!quotaExceeded() || quotaNeverFits().isPresent()));
    }

    /** The resource of a ResourceQuota's refusal that the request alone asks more of than the quota allows. */
    Optional<QuotaRefusal.Excess> quotaNeverFits() {
        return QuotaRefusal.neverFits(message);
    }

    /** A ResourceQuota's refusal (403): unless the request alone exceeds it, it passes once the namespace's Jobs end. */
    boolean quotaExceeded() {
        return quotaExceeded(message);
    }

    /**
     * Whether a refusal's message (an answer's, or a Job's {@code FailedCreate} event's) is a ResourceQuota's: it
     * passes once other Jobs or pods end.
     */
    static boolean quotaExceeded(String message) {
        return message != null && message.contains("exceeded quota");
    }

    /** The name of the ResourceQuota a refusal's message says is exceeded ({@code exceeded quota: NAME, ...}). */
    static Optional<String> quota(String message) {
        if (message == null) return Optional.empty();
        Matcher m = QUOTA.matcher(message);
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /** The Pod Security level and version the request violates ({@code restricted:latest}), when it is that refusal. */
    Optional<String> podSecurity() {
        return podSecurity(message);
    }

    /** The Pod Security level a refusal's message (an answer's, or a {@code FailedCreate} event's) says is violated. */
    static Optional<String> podSecurity(String message) {
        if (message == null) return Optional.empty();
        Matcher m = POD_SECURITY.matcher(message);
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /**
     * An authorizer's refusal (RBAC): a 403 whose message says {@code User "X" cannot VERB resource ...}, as the API
     * server's authorization filter writes it. Not a quota's or Pod Security's 403, nor an admission webhook's that
     * answers 403 (Gatekeeper does): those refuse this Job, not every Job.
     */
    boolean permission() {
        return code == 403 && message != null && RBAC.matcher(message).find();
    }

    /** The user RBAC refused ({@code system:serviceaccount:NS:NAME}), as its message names it. */
    Optional<String> user() {
        if (message == null) return Optional.empty();
        Matcher m = USER.matcher(message);
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }
}
