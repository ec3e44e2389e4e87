package io.sluice.cli;

import io.sluice.config.Secret;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;

/**
 * Output that passes every line through {@link Secret#redact} before it leaves the process: the last guard, behind
 * secrets that show themselves masked, against a library that echoes a value it was given (a driver quoting the url
 * it could not parse, a log line). Lines are held until their end, so a secret written in pieces is still found.
 */
final class Redacting {
    private Redacting() {}

    static PrintWriter writer(PrintWriter delegate) {
        return new PrintWriter(new LineWriter(delegate), true);
    }

    /** For {@code System.err}, where the libraries' logs go. */
    static PrintStream stream(PrintStream delegate) {
        return new PrintStream(new LineStream(delegate), true, StandardCharsets.UTF_8);
    }

    private static final class LineWriter extends Writer {
        private final Writer delegate;
        private final StringBuilder line = new StringBuilder();

        LineWriter(Writer delegate) {
            this.delegate = delegate;
        }

        @Override
        public synchronized void write(char[] chars, int off, int len) throws IOException {
            for (int i = off; i < off + len; i++) {
                line.append(chars[i]);
                if (chars[i] == '\n') emit();
            }
        }

        private void emit() throws IOException {
            delegate.write(Secret.redact(line.toString()));
            line.setLength(0);
        }

        @Override
        public synchronized void flush() throws IOException {
            if (!line.isEmpty()) emit();
            delegate.flush();
        }

        @Override
        public synchronized void close() throws IOException {
            flush();
            delegate.close();
        }
    }

    private static final class LineStream extends OutputStream {
        private final PrintStream delegate;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        LineStream(PrintStream delegate) {
            this.delegate = delegate;
        }

        @Override
        public synchronized void write(int b) {
            line.write(b);
            if (b == '\n') emit();
        }

        @Override
        public synchronized void write(byte[] bytes, int off, int len) {
            for (int i = off; i < off + len; i++) write(bytes[i]);
        }

        private void emit() {
            delegate.print(Secret.redact(line.toString(StandardCharsets.UTF_8)));
            line.reset();
        }

        @Override
        public synchronized void flush() {
            if (line.size() > 0) emit();
            delegate.flush();
        }
    }
}
