package io.sluice.kubernetes.runner;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.kubernetes.manifest.Manifests;
import org.junit.jupiter.api.Test;

/** The start-up check asks only for what the Role that `k8s generate` writes grants, and names that Role's rules. */
class AccessCheckTest {
    @Test
    void everyAccessTheControllerChecksIsGrantedByTheGeneratedRole() {
        assertThat(AccessCheck.NEEDED)
                .allSatisfy(a -> assertThat(Manifests.jobsControllerRules())
                        .as("a rule granting %s", a)
                        .anySatisfy(r -> {
                            assertThat(r.getApiGroups()).contains(a.group());
                            assertThat(r.getResources()).contains(a.resource());
                            assertThat(r.getVerbs()).contains(a.verb());
                        }));
    }

    @Test
    void theRulesAreNamedInWords() {
        assertThat(Manifests.describe(Manifests.jobsControllerRules()))
                .isEqualTo("create, get, list, watch, delete on jobs in API group batch; get, list, watch on pods and"
                        + " pods/log; get, list on events");
    }
}
