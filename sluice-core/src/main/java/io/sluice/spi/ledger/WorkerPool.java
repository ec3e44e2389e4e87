package io.sluice.spi.ledger;

import io.sluice.spi.WorkerInfo;
import io.sluice.spi.WorkerStatus;
import java.time.Duration;
import java.util.List;

/** The members of a worker pool sharing the pipeline, and its leader lease. */
public interface WorkerPool {

    /**
     * Records that this worker is alive: creates or replaces its entry and stamps it with the ledger's time. A
     * worker calls it from its heartbeat loop; an entry not announced again within {@code ttl} may be forgotten.
     */
    void announce(WorkerInfo self, Duration ttl);

    /**
     * The workers that announced themselves within {@code seenWithin} (by the ledger's time), ordered by id, each
     * with the live claims it holds and whether it leads. Claims of workers that never announced are not listed.
     */
    List<WorkerStatus> workers(Duration seenWithin);

    /** Forgets a worker (its clean shutdown) and gives up its leader lease, if it held it. Unknown ids are ignored. */
    void retire(String workerId);

    /**
     * Takes or renews the pipeline's leader lease: granted when nobody holds it, when its lease expired, or when this
     * worker holds it already (then extended to now + {@code lease}). Only the leader lists the source in a worker
     * pool, so a large folder or bucket is listed once per interval, not once per worker.
     *
     * <p>Leadership saves work; it guards nothing: {@link PlanStore#register} stays safe for concurrent planners, so
     * a leader that lost its lease while it was listing does no harm when it registers late.
     *
     * @return true when this worker leads until now + lease
     */
    boolean lead(String workerId, Duration lease);
}
