package io.sluice.kubernetes.runner;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * How a Job ended, read from the Job and its pods as the informers hold them: done, failed (with the exit code and the
 * reason Kubernetes gives: OOMKilled, Evicted, DeadlineExceeded, Error...), stuck (a pod that cannot start:
 * ImagePullBackOff...; Kubernetes would wait forever), lost (a pod deleted long ago that never ended: its node is gone),
 * or still running.
 *
 * @param pod      the pod the outcome is about; null when none was created
 * @param exitCode its container's exit code; null when it never ran to an end
 * @param ran      whether its container started (then it has a log worth reading)
 * @param container the container that failed when it is an init container (the file download); null: the main one
 */
record JobOutcome(
        State state, String reason, String pod, Integer exitCode, boolean ran, String message, String container) {

    JobOutcome(State state, String reason, String pod, Integer exitCode, boolean ran, String message) {
        this(state, reason, pod, exitCode, ran, message, null);
    }

    enum State {
        RUNNING,
        DONE,
        FAILED,
        STUCK
    }

    /** Reasons a pod waits in that no wait cures: the Job is ended and the attempt recorded. */
    static final Set<String> STUCK_REASONS = Set.of(
            "ImagePullBackOff",
            "ErrImagePull",
            "InvalidImageName",
            "CreateContainerConfigError",
            "CreateContainerError");

    /** The reason recorded for a pod that was deleted and never ended (its node is gone or cut off). */
    static final String NODE_LOST = "NodeLost";

    /**
     * How long after a pod's {@code deletionTimestamp} it is given up as lost: {@code run.lease}, at least this. The
     * timestamp is already the end of its grace period (the delete's time plus {@code terminationGracePeriodSeconds});
     * this is slack for a kubelet's late report and for the API server's and the controller's clocks.
     */
    static final Duration MIN_LOST_MARGIN = Duration.ofMinutes(1);

    /** The reason recorded for a Job whose Job controller could not create its pod (its events' reason). */
    static final String FAILED_CREATE = "FailedCreate";

    /**
     * How long a Job may be without any pod (as this controller sees it) before its events are read for why: the Job
     * controller creates the pod at once, and tries again with a backoff when the API server refuses it (Pod Security, a webhook, a missing service
     * account), so a refusal that lasts this long is taken for one that stays.
     */
    static final Duration POD_CREATE_PATIENCE = Duration.ofMinutes(1);

    /**
     * Whether the Job has no pod, no pod counted active, done or failed, and no end: its Job controller has not made
     * its pod (yet), and Kubernetes adds no condition when the API server refuses it.
     */
    static boolean podless(Job job, List<Pod> pods) {
        if (!pods.isEmpty() || condition(job, "Complete") || condition(job, "Failed")) return false;
        var st = job.getStatus();
        return st == null || !(positive(st.getActive()) || positive(st.getSucceeded()) || positive(st.getFailed()));
    }

    private static boolean positive(Integer n) {
        return n != null && n > 0;
    }

    /** The message of the newest {@code FailedCreate} event of this Job (by uid, else by name) among {@code events}. */
    static Optional<String> newestFailedCreate(Job job, List<Event> events) {
        String name = job.getMetadata().getName();
        String uid = job.getMetadata().getUid();
        return events.stream()
                .filter(e -> FAILED_CREATE.equals(e.getReason()) && e.getInvolvedObject() != null)
                .filter(e -> "Job".equals(e.getInvolvedObject().getKind()))
                .filter(e -> uid != null && e.getInvolvedObject().getUid() != null
                        ? uid.equals(e.getInvolvedObject().getUid())
                        : name.equals(e.getInvolvedObject().getName()))
                .max(Comparator.comparing(JobOutcome::lastSeen))
                .map(Event::getMessage)
                .filter(m -> m != null);
    }

    /** When an event was last seen: its lastTimestamp, else (events.k8s.io written) its eventTime. */
    private static String lastSeen(Event e) {
        if (e.getLastTimestamp() != null) return e.getLastTimestamp();
        if (e.getEventTime() != null && e.getEventTime().getTime() != null)
            return e.getEventTime().getTime();
        return "";
    }

    /** A Job none of whose pods could be created, for {@code why}: its attempt ends, to be retried. */
    static JobOutcome unmade(String why) {
        return new JobOutcome(State.STUCK, FAILED_CREATE, null, null, false, why);
    }

    /** The reason recorded for a Job whose pod did not start within {@code run.kubernetes.start_timeout}. */
    static final String NOT_STARTED = "NotStarted";

    /**
     * Whether a pod of the Job has started: a container of it (an init container too) runs or ran, or the Job counts
     * one that ended. A pod the scheduler places nowhere, or one a kubelet never starts, stays Pending for ever.
     */
    static boolean started(Job job, List<Pod> pods) {
        var st = job.getStatus();
        if (st != null && (positive(st.getSucceeded()) || positive(st.getFailed()))) return true;
        for (Pod p : pods) {
            String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
            if (phase != null && !phase.equals("Pending")) return true;
            for (ContainerStatus cs : allStatuses(p))
                if (cs.getState() != null
                        && (cs.getState().getRunning() != null || cs.getState().getTerminated() != null)) return true;
        }
        return false;
    }

    /**
     * What is seen of a Job whose pod has not started, in words: no pod, or a Pending pod with why it is not scheduled
     * ({@code PodScheduled} False: {@code Unschedulable} and the scheduler's message) or what its container waits for.
     */
    static String notStartedWhy(List<Pod> pods) {
        if (pods.isEmpty())
            return "no pod of the Job was created, and no FailedCreate event says why (an admission webhook or a"
                    + " policy that drops it without an answer, a Job controller that does not run)";
        Pod p = newest(pods).orElseThrow();
        StringBuilder why =
                new StringBuilder("its pod ").append(p.getMetadata().getName()).append(" is Pending");
        var conditions = p.getStatus() == null || p.getStatus().getConditions() == null
                ? List.<io.fabric8.kubernetes.api.model.PodCondition>of()
                : p.getStatus().getConditions();
        conditions.stream()
                .filter(c -> "PodScheduled".equals(c.getType()) && "False".equals(c.getStatus()))
                .findFirst()
                .ifPresentOrElse(
                        c -> why.append(": ")
                                .append(c.getReason() == null ? "not scheduled" : c.getReason())
                                .append(c.getMessage() == null ? "" : ": " + c.getMessage()),
                        () -> statuses(p).stream()
                                .map(cs -> cs.getState() == null
                                        ? null
                                        : cs.getState().getWaiting())
                                .filter(w -> w != null && w.getReason() != null)
                                .findFirst()
                                .ifPresent(w -> why.append(": ")
                                        .append(w.getReason())
                                        .append(w.getMessage() == null ? "" : ": " + w.getMessage())));
        return why.toString();
    }

    /** A Job whose pod did not start in time, for {@code why}: its attempt ends, to be retried. */
    static JobOutcome notStarted(List<Pod> pods, String why) {
        String pod = newest(pods).map(p -> p.getMetadata().getName()).orElse(null);
        return new JobOutcome(State.STUCK, NOT_STARTED, pod, null, false, why);
    }

    /**
     * @param now        the controller's time
     * @param lostMargin how long past its deletion time a pod that has not ended is taken for lost (its node gone)
     */
    static JobOutcome of(Job job, List<Pod> pods, Instant now, Duration lostMargin) {
        Optional<Pod> last = newest(pods);
        if (condition(job, "Complete")) return new JobOutcome(State.DONE, "Complete", null, 0, true, "");
        for (Pod p : pods) {
            // a pod being deleted on a node that is gone stays Terminating for ever: nothing will end it, and the
            // Job cannot end before it; its claim is fenced off by recording the failure under its token
            Instant deleted = deletion(p);
            if (deleted == null || terminal(p) || !now.isAfter(deleted.plus(lostMargin))) continue;
            String node = p.getSpec() == null ? null : p.getSpec().getNodeName();
            return new JobOutcome(
                    State.FAILED,
                    NODE_LOST,
                    p.getMetadata().getName(),
                    null,
                    false, // its log is on a node that does not answer
                    "the pod was deleted (its grace period ending " + deleted + ") and still had not ended "
                            + Duration.between(deleted, now).toSeconds() + " s later"
                            + (node == null ? "" : ": its node " + node + " is gone or cut off")
                            + "; given up after " + lostMargin.toSeconds() + " s (run.lease, at least a minute)");
        }
        if (condition(job, "Failed")) {
            // no pod of the Job may still run: its claim is only then known to be abandoned
            if (job.getStatus().getActive() != null && job.getStatus().getActive() > 0) return running();
            if (pods.stream().anyMatch(p -> !terminal(p))) return running();
            JobCondition failed = find(job, "Failed").orElseThrow();
            // the pods and the Jobs come by two watches: a Job's end may be seen before its pod is; recorded then, the
            // attempt would lose the pod's reason, exit code and log. A Job whose pods are gone for good (deleted at
            // its deadline, or by hand) is recorded once the grace is over.
            if (pods.isEmpty() && endedWithin(failed, now, POD_GRACE)) return running();
            return failed(last, failed.getReason(), failed.getMessage());
        }
        for (Pod p : pods) {
            for (ContainerStatus cs : allStatuses(p)) {
                ContainerStateWaiting w =
                        cs.getState() == null ? null : cs.getState().getWaiting();
                if (w != null && STUCK_REASONS.contains(w.getReason())) {
                    return new JobOutcome(
                            State.STUCK,
                            w.getReason(),
                            p.getMetadata().getName(),
                            null,
                            false,
                            w.getMessage() == null ? "" : w.getMessage());
                }
            }
        }
        return running();
    }

    /** The pod created last (a Job's pods, when it has several). */
    private static Optional<Pod> newest(List<Pod> pods) {
        return pods.stream()
                .max(Comparator.comparing(p -> p.getMetadata().getCreationTimestamp() == null
                        ? ""
                        : p.getMetadata().getCreationTimestamp()));
    }

    /** How long a failed Job without a pod in the cache waits for its pod to arrive there. */
    static final Duration POD_GRACE = Duration.ofSeconds(5);

    private static boolean endedWithin(JobCondition c, Instant now, Duration grace) {
        if (c.getLastTransitionTime() == null) return false;
        try {
            return now.isBefore(Instant.parse(c.getLastTransitionTime()).plus(grace));
        } catch (java.time.format.DateTimeParseException e) {
            return false; // no time to go by: recorded at once, as before
        }
    }

    private static JobOutcome running() {
        return new JobOutcome(State.RUNNING, "", null, null, false, "");
    }

    /** The most telling reason: the pod's (Evicted), its container's (OOMKilled), then the Job's (DeadlineExceeded). */
    private static JobOutcome failed(Optional<Pod> pod, String jobReason, String jobMessage) {
        String reason = null;
        String message = jobMessage == null ? "" : jobMessage;
        Integer exit = null;
        boolean ran = false;
        if (pod.isPresent()) {
            Pod p = pod.get();
            for (ContainerStatus cs : initStatuses(p)) {
                ContainerStateTerminated t =
                        cs.getState() == null ? null : cs.getState().getTerminated();
                if (t == null || t.getExitCode() == null || t.getExitCode() == 0) continue;
                // the main container never started: the reason is the init container's (kubectl shows Init:Error)
                return new JobOutcome(
                        State.FAILED,
                        "Init:" + (t.getReason() == null ? "Error" : t.getReason()),
                        p.getMetadata().getName(),
                        t.getExitCode(),
                        true,
                        "init container " + cs.getName() + " failed",
                        cs.getName());
            }
            if (p.getStatus() != null && p.getStatus().getReason() != null) {
                reason = p.getStatus().getReason();
                if (p.getStatus().getMessage() != null) message = p.getStatus().getMessage();
            }
            for (ContainerStatus cs : statuses(p)) {
                ContainerStateTerminated t =
                        cs.getState() == null ? null : cs.getState().getTerminated();
                if (t == null)
                    t = cs.getLastState() == null ? null : cs.getLastState().getTerminated();
                if (t == null) continue;
                ran = true;
                exit = t.getExitCode();
                if (reason == null && t.getReason() != null && !t.getReason().equals("Error")) reason = t.getReason();
            }
        }
        if (reason == null && jobReason != null && !jobReason.equals("BackoffLimitExceeded")) reason = jobReason;
        if (reason == null) reason = "Error";
        return new JobOutcome(
                State.FAILED, reason, pod.map(p -> p.getMetadata().getName()).orElse(null), exit, ran, message);
    }

    /** One line for the ledger: the Job, its pod, the reason and exit code, and Kubernetes' message. */
    String describe(String jobName) {
        StringBuilder s = new StringBuilder("Job ").append(jobName);
        if (pod != null) s.append(", pod ").append(pod);
        s.append(": ").append(reason);
        if (exitCode != null) s.append(" (exit code ").append(exitCode).append(')');
        if (!message.isBlank()) s.append(": ").append(message.strip());
        return s.toString();
    }

    /** The pod's deletionTimestamp, when it is being deleted. */
    private static Instant deletion(Pod p) {
        String at = p.getMetadata().getDeletionTimestamp();
        if (at == null) return null;
        try {
            return Instant.parse(at);
        } catch (java.time.format.DateTimeParseException e) {
            return null; // not what an API server writes: left to the other checks
        }
    }

    static boolean terminal(Pod p) {
        String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
        return "Succeeded".equals(phase) || "Failed".equals(phase);
    }

    private static List<ContainerStatus> statuses(Pod p) {
        return p.getStatus() == null || p.getStatus().getContainerStatuses() == null
                ? List.of()
                : p.getStatus().getContainerStatuses();
    }

    /** The statuses of the pod's init containers (the download, an exec image), then of its main one. */
    private static List<ContainerStatus> allStatuses(Pod p) {
        List<ContainerStatus> all = new java.util.ArrayList<>(initStatuses(p));
        all.addAll(statuses(p));
        return all;
    }

    private static List<ContainerStatus> initStatuses(Pod p) {
        return p.getStatus() == null || p.getStatus().getInitContainerStatuses() == null
                ? List.of()
                : p.getStatus().getInitContainerStatuses();
    }

    static boolean condition(Job job, String type) {
        return find(job, type).isPresent();
    }

    private static Optional<JobCondition> find(Job job, String type) {
        if (job.getStatus() == null || job.getStatus().getConditions() == null) return Optional.empty();
        return job.getStatus().getConditions().stream()
                .filter(c -> type.equals(c.getType()) && "True".equals(c.getStatus()))
                .findFirst();
    }
}
