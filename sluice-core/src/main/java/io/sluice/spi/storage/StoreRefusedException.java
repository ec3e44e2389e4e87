package io.sluice.spi.storage;

import java.io.IOException;

/**
 * The store answered that its root cannot be used as configured: the bucket (or container) does not exist, or the
 * credentials are refused. A mistake in the pipeline or its credentials, which trying again does not mend; unlike a
 * store that does not answer (an outage, a pipeline validated offline). The message names the bucket and what to do.
 */
public class StoreRefusedException extends IOException {
    public StoreRefusedException(String message, Throwable cause) {
        super(message, cause);
    }
}
