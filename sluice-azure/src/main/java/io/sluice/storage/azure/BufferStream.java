package io.sluice.storage.azure;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The body of one download as an {@link InputStream}: buffers are taken from the response as they are read, and
 * closing the stream cancels the rest of the download.
 */
final class BufferStream extends InputStream {
    private final Stream<ByteBuffer> buffers;
    private final Iterator<ByteBuffer> it;
    private final Supplier<String> action;
    private ByteBuffer current = ByteBuffer.allocate(0);

    BufferStream(Stream<ByteBuffer> buffers, Supplier<String> action) {
        this.buffers = buffers;
        this.it = buffers.iterator();
        this.action = action;
    }

    @Override
    public int read() throws IOException {
        return next() ? current.get() & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (!next()) {
            return -1;
        }
        int n = Math.min(len, current.remaining());
        current.get(b, off, n);
        return n;
    }

    private boolean next() throws IOException {
        try {
            while (!current.hasRemaining()) {
                if (!it.hasNext()) {
                    return false;
                }
                current = it.next();
            }
            return true;
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } catch (RuntimeException e) {
            // the connection broke and the SDK's retries (a new ranged GET pinned to the ETag) gave up
            throw new IOException("could not " + action.get() + ": the download broke off (" + e + ")", e);
        }
    }

    @Override
    public void close() {
        buffers.close();
    }
}
