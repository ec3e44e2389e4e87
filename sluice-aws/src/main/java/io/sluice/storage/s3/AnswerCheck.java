package io.sluice.storage.s3;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Keeps the start of every answer the SDK parses as S3's XML, so that an endpoint answering something else (a web
 * page, a proxy's login form, a JSON API) is reported as such, with what it answered, and not as "cannot reach S3"
 * (the SDK's parse error) or as an empty listing (the SDK reads an HTML page as a listing without objects). A GET's
 * body is the object's bytes: never looked at.
 */
final class AnswerCheck implements ExecutionInterceptor {
    static final int KEPT = 200;
    private static final ExecutionAttribute<Start> START = new ExecutionAttribute<>("sluice.s3.answerStart");

    @Override
    public Optional<InputStream> modifyHttpResponseContent(
            Context.ModifyHttpResponse context, ExecutionAttributes attributes) {
        Optional<InputStream> body = context.responseBody();
        if (body.isEmpty() || context.request() instanceof GetObjectRequest) return body;
        SdkHttpResponse r = context.httpResponse();
        Start start =
                new Start(r.statusCode(), r.firstMatchingHeader("Content-Type").orElse(null));
        attributes.putAttribute(START, start);
        InputStream kept = new Keeping(body.get(), start);
        if (r.isSuccessful() && start.notXml()) {
            // parsed, an HTML page is a listing without objects: a source would find no work and say nothing
            try (kept) {
                // an empty answer is no page, whatever its label (a write's or a delete's: Swift's S3 layer and GCS's
                // XML API say text/html)
                if (kept.readNBytes(KEPT).length == 0) return Optional.of(InputStream.nullInputStream());
            } catch (IOException e) {
                // the message says what arrived before the failure
            }
            throw SdkClientException.create(start.describe());
        }
        return Optional.of(kept);
    }

    @Override
    public Throwable modifyException(Context.FailedExecution context, ExecutionAttributes attributes) {
        Throwable e = context.exception();
        Start start = attributes.getAttribute(START);
        if (start == null || start.bytes.size() == 0) return e;
        // an S3 error is XML with a Code; a page in its place (a proxy's 502) gives no code
        boolean noS3Error = e instanceof S3Exception s
                && (s.awsErrorDetails() == null || s.awsErrorDetails().errorCode() == null);
        if (noS3Error || !(e instanceof S3Exception)) e.addSuppressed(new NotS3Answer(start.describe()));
        return e;
    }

    /** What an endpoint answered instead of S3's XML: status, content type and its first characters. */
    static final class NotS3Answer extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NotS3Answer(String message) {
            super(message, null, false, false);
        }
    }

    /** The status, the content type and the first {@value #KEPT} bytes of one answer. */
    private static final class Start {
        final int status;
        final String contentType;
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        Start(int status, String contentType) {
            this.status = status;
            this.contentType = contentType;
        }

        boolean notXml() {
            String t = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
            return t.contains("html") || t.contains("json");
        }

        synchronized void keep(byte[] b, int off, int n) {
            if (n > 0) bytes.write(b, off, Math.min(n, KEPT - bytes.size()));
        }

        synchronized boolean full() {
            return bytes.size() >= KEPT;
        }

        synchronized String describe() {
            String text = bytes.toString(UTF_8).replaceAll("\\s+", " ").strip();
            return "HTTP " + status + ", Content-Type " + (contentType == null ? "(none)" : contentType)
                    + (text.isEmpty() ? ", no body" : ", starting: " + text);
        }
    }

    /** The body, passed on as read, its first bytes kept. */
    private static final class Keeping extends FilterInputStream {
        private final Start start;

        Keeping(InputStream in, Start start) {
            super(in);
            this.start = start;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0 && !start.full()) start.keep(new byte[] {(byte) b}, 0, 1);
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0 && !start.full()) start.keep(b, off, n);
            return n;
        }
    }
}
