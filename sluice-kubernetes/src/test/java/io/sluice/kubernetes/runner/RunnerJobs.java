package io.sluice.kubernetes.runner;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.sluice.pipeline.Pipeline;

/** The Job the kubernetes runner creates for a split, for tests of other packages (the cluster's prune and status). */
public final class RunnerJobs {
    private RunnerJobs() {}

    /** @param p a pipeline with {@code run.runner: kubernetes} */
    public static Job job(Pipeline p, String splitId) {
        JobOptions o = JobOptions.of(p.run().runner().orElseThrow().options());
        try {
            return new JobTemplate(
                            o,
                            new JobNames(p.name()),
                            p.file(),
                            "test",
                            java.util.Optional.empty(),
                            java.util.Optional.empty())
                    .job(splitId, 0, 0, java.util.List.of(), java.util.List.of());
        } catch (JobTemplate.TooLarge e) {
            throw new IllegalStateException(e); // a split without files: a Job of a few KiB
        }
    }
}
