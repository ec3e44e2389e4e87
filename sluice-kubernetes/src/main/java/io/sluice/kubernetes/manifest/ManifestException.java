package io.sluice.kubernetes.manifest;

/** The pipeline cannot run on Kubernetes as it is; the message says why and what to change. */
public final class ManifestException extends RuntimeException {
    public ManifestException(String message) {
        super(message);
    }
}
