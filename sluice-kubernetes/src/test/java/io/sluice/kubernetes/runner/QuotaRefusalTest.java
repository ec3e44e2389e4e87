package io.sluice.kubernetes.runner;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The quota admission's message read as the API server writes it, and the line between full and never fitting. */
class QuotaRefusalTest {
    private static QuotaRefusal parse(String requested, String used, String limited) {
        return QuotaRefusal.parse("pods \"x\" is forbidden: exceeded quota: compute, requested: " + requested
                        + ", used: " + used + ", limited: " + limited)
                .orElseThrow();
    }

    @Test
    void aRequestAboveTheLimitNeverFitsWhateverIsUsed() {
        var r = parse("limits.memory=4Gi", "limits.memory=0", "limits.memory=2Gi");
        assertThat(r.quota()).isEqualTo("compute");
        assertThat(r.neverFits()).contains(new QuotaRefusal.Excess("compute", "limits.memory", "4Gi", "2Gi"));
        // units differ: 3000Mi is above 2Gi (2048Mi), 2G (decimal) below 2Gi
        assertThat(parse("memory=3000Mi", "memory=0", "memory=2Gi").neverFits()).isPresent();
        assertThat(parse("memory=2G", "memory=1Gi", "memory=2Gi").neverFits()).isEmpty();
        // milli-CPUs: 2500m is above 2, 500m not
        assertThat(parse("requests.cpu=2500m", "requests.cpu=0", "requests.cpu=2")
                        .neverFits())
                .map(QuotaRefusal.Excess::resource)
                .contains("requests.cpu");
        assertThat(parse("requests.cpu=500m", "requests.cpu=2", "requests.cpu=2")
                        .neverFits())
                .isEmpty();
    }

    @Test
    void aQuotaOnlyFullIsNotOneThatNeverFits() {
        assertThat(parse("pods=1", "pods=10", "pods=10").neverFits()).isEmpty();
        assertThat(parse("limits.memory=2Gi", "limits.memory=1", "limits.memory=2Gi")
                        .neverFits())
                .as("equal to the limit fits an empty quota")
                .isEmpty();
    }

    @Test
    void ofSeveralResourcesTheOneAboveItsLimitIsNamed() {
        var r = parse(
                "limits.cpu=1,limits.memory=4Gi", "limits.cpu=2,limits.memory=0", "limits.cpu=2,limits.memory=2Gi");
        assertThat(r.requested()).containsEntry("limits.cpu", "1").containsEntry("limits.memory", "4Gi");
        assertThat(r.neverFits()).map(QuotaRefusal.Excess::resource).contains("limits.memory");
    }

    @Test
    void aMessageNotInTheApiServersFormIsNoQuotaRefusal() {
        assertThat(QuotaRefusal.parse("exceeded quota: compute, must specify limits.memory"))
                .isEmpty();
        assertThat(QuotaRefusal.parse("exceeded quota: q, requested: x, used: y, limited: z"))
                .isEmpty();
        assertThat(QuotaRefusal.parse(null)).isEmpty();
        // an amount that is no quantity: taken for a full quota (waits), as before
        assertThat(parse("memory=lots", "memory=0", "memory=2Gi").neverFits()).isEmpty();
    }
}
