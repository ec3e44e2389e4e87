package io.sluice.pipeline;

/**
 * {@code run.metrics}: where {@code sluice worker} and {@code sluice run} serve their Prometheus metrics
 * ({@code /metrics}) while they run.
 *
 * @param host the address to listen on ({@code 0.0.0.0}: every interface, as a pod needs)
 * @param port the port; 0 takes a free one (said in the log)
 */
public record MetricsOptions(String host, int port) {
    public static final int DEFAULT_PORT = 9464;
    public static final String DEFAULT_HOST = "0.0.0.0";

    public MetricsOptions {
        if (host == null || host.isBlank()) throw new IllegalArgumentException("host must not be blank");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be 0 to 65535");
    }
}
