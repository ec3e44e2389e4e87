package io.sluice.spi.storage;

import java.io.IOException;

/**
 * An object is not the version a read or a conditional write expected: it was overwritten, created or deleted
 * meanwhile. Not retried: the caller decides (a stale input is planned again; a sink lost a race to a newer writer).
 */
public class ObjectChangedException extends IOException {
    private final String key;

    public ObjectChangedException(String key, String message) {
        super(message);
        this.key = key;
    }

    public String key() {
        return key;
    }
}
