package io.sluice.storage.s3;

import io.sluice.spi.storage.StoreRefusedException;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.List;
import java.util.function.Supplier;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.InvalidObjectStateException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Turns what the SDK throws into errors a user can act on: which bucket, which key, which credentials, what to change.
 * Throttling, 5xx and lost connections reach here only once the SDK's retries (with backoff) are spent.
 */
final class S3Errors {
    private final String bucket;
    private final String prefix;
    private final S3Settings settings;
    private final Supplier<String> credentialSource;
    /** The buckets the credentials can see, for a missing bucket's message; empty when they cannot be listed. */
    private final Supplier<List<String>> buckets;

    S3Errors(
            String bucket,
            String prefix,
            S3Settings settings,
            Supplier<String> credentialSource,
            Supplier<List<String>> buckets) {
        this.bucket = bucket;
        this.prefix = prefix;
        this.settings = settings;
        this.credentialSource = credentialSource;
        this.buckets = buckets;
    }

    /**
     * @param doing what was being done, e.g. "listing s3://b/p/" or "reading s3://b/p/k"
     * @param url   the object's URL when the call was about one object, else null
     */
    IOException translate(SdkException e, String doing, String url) {
        for (Throwable t : e.getSuppressed()) {
            if (t instanceof AnswerCheck.NotS3Answer answer) return notS3(e, doing, answer.getMessage());
        }
        if (e instanceof S3Exception s) return translate(s, doing, url);
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CredentialChain.NoCredentials none) {
                // no request left this machine: neither the endpoint nor the attempts are the problem
                return new IOException("no AWS credentials found while " + doing + ": " + none.tried, e);
            }
        }
        if (e instanceof SdkClientException) {
            return new IOException(
                    "cannot reach S3" + settings.endpoint().map(x -> " at " + x).orElse("") + " while " + doing + " ("
                            + settings.maxAttempts() + " attempts): " + e.getMessage() + "; "
                            + settings.endpoint()
                                    .map(x -> "check the endpoint (s3.endpoint, else AWS_ENDPOINT_URL_S3 / "
                                            + "AWS_ENDPOINT_URL: its host and port) and that the server is up")
                                    .orElse("check the network (a proxy, a firewall) and the region (s3.region)"),
                    e);
        }
        return new IOException("S3 failed while " + doing + ": " + e.getMessage(), e);
    }

    /** An endpoint that answered, but not as S3 does: a web page, a proxy, another API. */
    private IOException notS3(SdkException e, String doing, String answer) {
        return new IOException(
                settings.endpoint().map(x -> "the endpoint " + x).orElse("S3") + " answered " + doing
                        + " with something that is not S3's XML (" + answer + "): check the endpoint (s3.endpoint, "
                        + "else AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL): it must be the URL of an S3 API, not of a web "
                        + "page, a console or a proxy's login",
                e);
    }

    /**
     * An answer that S3 always gives but this one lacked (an ETag, a size), from a server that does not answer as S3
     * does.
     *
     * @param header e.g. "an ETag"
     * @param what   e.g. "the write of s3://b/p/k"
     */
    IOException missing(String header, String what) {
        return missing(
                header,
                what,
                "the object may be in place, but without a version it can be neither read safely nor written over "
                        + "conditionally");
    }

    /** @param why what cannot be done without it, e.g. "without its size the object cannot be read safely" */
    IOException missing(String header, String what, String why) {
        String name = header.substring(header.indexOf(' ') + 1);
        return new IOException(settings.endpoint().map(x -> "the endpoint " + x).orElse("S3") + " answered " + what
                + " without " + header + ", which S3 always sends: " + why + ", so this counts as failed; check the "
                + "endpoint (s3.endpoint): it must be an S3 API, or an S3-compatible server that sends " + name);
    }

    private IOException translate(S3Exception e, String doing, String url) {
        String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
        int status = e.statusCode();
        String region = e.awsErrorDetails() == null
                ? null
                : e.awsErrorDetails()
                        .sdkHttpResponse()
                        .firstMatchingHeader("x-amz-bucket-region")
                        .orElse(null);
        if ("NoSuchBucket".equals(code)) {
            return new StoreRefusedException(
                    "bucket '" + bucket + "' does not exist (" + doing + "): check its spelling in the path, or "
                            + "create it"
                            + settings.endpoint()
                                    .map(x -> " (endpoint " + x + ")")
                                    .orElse("")
                            + visibleBuckets(),
                    e);
        }
        if (region != null && !region.equals(settings.region()) && (status == 301 || status == 400)) {
            return new StoreRefusedException(
                    "bucket '" + bucket + "' is in region " + region + ", not " + settings.region() + " ("
                            + settings.regionFrom() + "): set s3: { region: " + region + " } or AWS_REGION=" + region,
                    e);
        }
        if (status == 404 && url != null) {
            return new NoSuchFileException(url, null, "no such object (deleted since it was listed?)");
        }
        if ("InvalidObjectState".equals(code) && url != null) {
            // a 403 too, but no permission is missing: a lifecycle rule moved the object to an archive class
            String storageClass = e instanceof InvalidObjectStateException i && i.storageClassAsString() != null
                    ? "storage class " + i.storageClassAsString()
                    : "an archive storage class (Glacier Flexible Retrieval, Deep Archive, an Intelligent-Tiering "
                            + "archive tier)";
            String key = url.substring(("s3://" + bucket + "/").length());
            return new IOException(
                    url + " is archived in " + storageClass + " (InvalidObjectState while " + doing + "): S3 serves "
                            + "it only once restored: `aws s3api restore-object --bucket " + bucket + " --key " + key
                            + " --restore-request Days=7`, then `sluice retry` once it is restored; or leave such "
                            + "objects out with the source's `exclude`",
                    e);
        }
        if (status == 403) {
            // "doing" names the object or prefix; the rest says who was refused and what to do, once each
            boolean badKey = "SignatureDoesNotMatch".equals(code) || "InvalidAccessKeyId".equals(code);
            String key = url == null ? null : url.substring(("s3://" + bucket + "/").length());
            if ("SignatureDoesNotMatch".equals(code) && key != null && (key.contains("//") || key.startsWith("/"))) {
                // the SDK sends a key's "//" as "/%2F" and signs that, as S3 itself checks it; a server that
                // decodes the path before checking the signature (S3Proxy) computes another one
                return new IOException(
                        "the server did not accept the signature of a request for the key '" + key + "' (" + code
                                + " while " + doing + "): the key holds an empty path segment (//), whose second "
                                + "slash the AWS SDK sends encoded as %2F; AWS S3 accepts that, some S3-compatible "
                                + "servers (S3Proxy among them) check the signature against the decoded path and "
                                + "refuse it. Rename such objects (no // in the key, nor / after the prefix), or use "
                                + "a server that accepts them; if requests for other keys fail too, check the "
                                + "credentials (" + credentialSource.get() + ")",
                        e);
            }
            String todo = badKey
                    ? "S3 does not accept that key (wrong or expired): fix it, or use other credentials"
                    : "give that identity s3:ListBucket on arn:aws:s3:::" + bucket
                            + " and s3:GetObject, s3:PutObject, s3:DeleteObject, s3:AbortMultipartUpload on "
                            + "arn:aws:s3:::" + bucket + "/" + prefix + "*, or use other credentials";
            return new StoreRefusedException(
                    "access denied (" + code + ") while " + doing + ", with credentials from " + credentialSource.get()
                            + ": " + todo,
                    e);
        }
        if (status == 429 || status == 503 || status >= 500) {
            return new IOException(
                    "S3 kept failing while " + doing + " after " + settings.maxAttempts()
                            + " attempts with backoff: " + status + " " + code
                            + "; retry later, lower the parallelism, or "
                            + "raise s3.max_attempts (request id " + e.requestId() + ")",
                    e);
        }
        return new IOException(
                "S3 refused " + doing + ": " + status + " " + code + ": "
                        + (e.awsErrorDetails() == null
                                ? e.getMessage()
                                : e.awsErrorDetails().errorMessage())
                        + " (request id " + e.requestId() + ")",
                e);
    }

    /** The buckets the credentials can see (one ListBuckets request), to spot a misspelt one by; or nothing. */
    private String visibleBuckets() {
        List<String> seen = buckets.get();
        if (seen.isEmpty()) return "";
        int shown = 20;
        return "; the buckets these credentials can see: "
                + String.join(", ", seen.subList(0, Math.min(shown, seen.size())))
                + (seen.size() > shown ? ", ... (" + (seen.size() - shown) + " more)" : "");
    }

    /** 412 (the If-Match/If-None-Match condition failed) or 409 (a concurrent conditional write won). */
    static boolean conditionFailed(SdkException e) {
        return e instanceof S3Exception s
                && (s.statusCode() == 412
                        || s.statusCode() == 409
                                && s.awsErrorDetails() != null
                                && "ConditionalRequestConflict"
                                        .equals(s.awsErrorDetails().errorCode()));
    }

    static boolean notFound(SdkException e) {
        return e instanceof S3Exception s
                && s.statusCode() == 404
                && (s.awsErrorDetails() == null
                        || !"NoSuchBucket".equals(s.awsErrorDetails().errorCode()));
    }
}
