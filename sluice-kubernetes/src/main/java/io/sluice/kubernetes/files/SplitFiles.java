package io.sluice.kubernetes.files;

import io.sluice.spi.Member;
import io.sluice.spi.ledger.PlanStore;
import java.util.Set;
import java.util.stream.Collectors;

/** The files of a split, as the ledger recorded it: the only files the server signs and serves for it. */
@FunctionalInterface
public interface SplitFiles {
    /** The split's files (paths under the server's root); empty for a split the ledger does not know. */
    Set<String> files(String splitId);

    /** The members of each split as registered in the ledger (a files source's keys: paths under its folder). */
    static SplitFiles of(PlanStore plans) {
        return id -> plans.split(id)
                .map(s -> s.members().stream().map(Member::key).collect(Collectors.toUnmodifiableSet()))
                .orElse(Set.of());
    }
}
