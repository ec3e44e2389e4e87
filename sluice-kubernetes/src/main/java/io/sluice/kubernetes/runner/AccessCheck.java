package io.sluice.kubernetes.runner;

import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Asks the API server, before the controller starts, whether its identity may do what the controller does in its
 * namespace ({@code SelfSubjectAccessReview}, which every authenticated user may send): a Role that lacks a verb then
 * stops the controller at once, naming every missing verb, instead of each split's attempts failing one by one.
 */
final class AccessCheck {
    /** A request the controller sends: its verb on a resource of an API group. */
    record Access(String verb, String group, String resource) {
        @Override
        public String toString() {
            return verb + " " + resource + (group.isEmpty() ? "" : " (API group " + group + ")");
        }
    }

    /** What the controller does: the verbs of the Role {@code sluice k8s generate --mode jobs} writes. */
    static final List<Access> NEEDED = List.of(
            new Access("create", "batch", "jobs"),
            new Access("delete", "batch", "jobs"),
            new Access("list", "batch", "jobs"),
            new Access("watch", "batch", "jobs"),
            new Access("list", "", "pods"),
            new Access("watch", "", "pods"),
            new Access("get", "", "pods/log"));

    private AccessCheck() {}

    /**
     * The accesses of {@link #NEEDED} the API server denies in {@code namespace}; empty when all are allowed, and when
     * it cannot tell (the review refused or unanswered, or answered without a decision): the controller then starts,
     * and a refused request says so when it is sent.
     */
    static List<Access> denied(KubernetesClient client, String namespace, java.util.function.Consumer<String> info) {
        List<Access> out = new ArrayList<>();
        for (Access a : NEEDED) {
            Optional<Boolean> allowed;
            try {
                allowed = allowed(client, namespace, a);
            } catch (KubernetesClientException e) {
                info.accept("could not ask the API server what the controller may do (" + ApiRefusal.of(e)
                        + "); starting anyway: a request it refuses is reported when it is sent");
                return List.of();
            }
            if (allowed.isEmpty()) return List.of();
            if (!allowed.get()) out.add(a);
        }
        return out;
    }

    private static Optional<Boolean> allowed(KubernetesClient client, String namespace, Access a) {
        SelfSubjectAccessReview review = new SelfSubjectAccessReviewBuilder()
                .withNewSpec()
                .withNewResourceAttributes()
                .withNamespace(namespace)
                .withVerb(a.verb())
                .withGroup(a.group())
                .withResource(a.resource().split("/", 2)[0])
                .withSubresource(a.resource().contains("/") ? a.resource().split("/", 2)[1] : null)
                .endResourceAttributes()
                .endSpec()
                .build();
        SelfSubjectAccessReview answer =
                client.authorization().v1().selfSubjectAccessReview().create(review);
        if (answer == null || answer.getStatus() == null) return Optional.empty();
        return Optional.ofNullable(answer.getStatus().getAllowed());
    }
}
