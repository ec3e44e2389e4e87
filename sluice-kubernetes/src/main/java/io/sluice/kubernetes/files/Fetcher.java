package io.sluice.kubernetes.files;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The pod's side of the {@link FileServer}: downloads a split's files from their signed URLs into a folder, each to
 * the path its URL names (never outside the folder), streamed to a temporary file, checked against the size and
 * sha256 the URL carries, given the original's modification time, then renamed into place. A refusal (403, 404, 409)
 * and a checksum mismatch fail at once; a lost connection, a server error, or a server that stops sending for the
 * read timeout is tried again.
 *
 * <p>{@link HttpURLConnection}, not {@code java.net.http.HttpClient}: its read timeout bounds every wait for data, in
 * the body too, where HttpClient's request timeout ends with the headers and a stalled body would hang the pod.
 */
public final class Fetcher {
    private static final int ATTEMPTS = 3;
    /** How long a connection may take to open. */
    public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** How long the server may send nothing, before the headers or within the body. */
    public static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

    private final SSLContext ssl;
    private final Duration connectTimeout;
    private final Duration readTimeout;

    /** @param ssl the trust for an {@code https} server; null: the JDK's default trust */
    public Fetcher(SSLContext ssl) {
        this(ssl, CONNECT_TIMEOUT, READ_TIMEOUT);
    }

    public Fetcher(SSLContext ssl, Duration connectTimeout, Duration readTimeout) {
        if (connectTimeout.toMillis() < 1 || readTimeout.toMillis() < 1) {
            throw new IllegalArgumentException("the connect and read timeouts must be at least 1ms");
        }
        this.ssl = ssl;
        this.connectTimeout = connectTimeout;
        this.readTimeout = readTimeout;
    }

    /** Trust for a server whose certificate (or its CA's) is in this PEM or DER file. */
    public static SSLContext trusting(Path certificate) throws IOException {
        try (InputStream in = Files.newInputStream(certificate)) {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            int n = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                trust.setCertificateEntry("ca-" + n++, c);
            }
            if (n == 0) throw new IOException(certificate + " holds no certificate");
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read the certificate " + certificate + ": " + e.getMessage(), e);
        }
    }

    /**
     * Downloads every URL into {@code to}.
     *
     * @return the files written, in the URLs' order
     * @throws IOException naming the file (never the URL's signature) and what went wrong
     */
    public List<Path> fetch(List<URI> urls, Path to) throws IOException, InterruptedException {
        Path root = to.toAbsolutePath().normalize();
        Files.createDirectories(root);
        List<Path> written = new ArrayList<>();
        for (URI url : urls) {
            FileUrl grant;
            try {
                grant = FileUrl.of(url);
            } catch (IllegalArgumentException e) {
                throw new IOException("not a file URL of the Sluice file server (" + e.getMessage() + "): "
                        + url.getScheme() + "://" + url.getAuthority() + url.getPath());
            }
            Path target;
            try {
                target = SafePaths.under(root, grant.path());
            } catch (IllegalArgumentException e) {
                throw new IOException("refused to write " + grant.path() + ": " + e.getMessage());
            }
            written.add(fetchOne(url, grant, target));
        }
        return written;
    }

    private Path fetchOne(URI url, FileUrl grant, Path target) throws IOException, InterruptedException {
        String what = grant.path() + " of split " + grant.split() + " from " + url.getAuthority();
        for (int attempt = 1; ; attempt++) {
            try {
                download(url, grant, target, what);
                return target;
            } catch (Retryable e) {
                if (attempt >= ATTEMPTS) throw new IOException(e.getMessage() + " (after " + attempt + " attempts)", e);
                Thread.sleep(500L << attempt);
            }
        }
    }

    private void download(URI url, FileUrl grant, Path target, String what) throws IOException {
        // no proxy, as HttpClient had none: the file server is the controller's, in the cluster
        HttpURLConnection c = (HttpURLConnection) url.toURL().openConnection(Proxy.NO_PROXY);
        try {
            transfer(c, grant, target, what);
        } finally {
            c.disconnect();
        }
    }

    private void transfer(HttpURLConnection c, FileUrl grant, Path target, String what) throws IOException {
        if (ssl != null && c instanceof HttpsURLConnection https) https.setSSLSocketFactory(ssl.getSocketFactory());
        c.setConnectTimeout(Math.toIntExact(Math.min(Integer.MAX_VALUE, connectTimeout.toMillis())));
        c.setReadTimeout(Math.toIntExact(Math.min(Integer.MAX_VALUE, readTimeout.toMillis())));
        c.setInstanceFollowRedirects(false);
        try {
            c.connect();
        } catch (IOException e) {
            throw new Retryable("cannot download " + what + ": cannot connect: " + e);
        }
        int status;
        try {
            status = c.getResponseCode();
        } catch (SocketTimeoutException e) {
            throw new Retryable("cannot download " + what + ": " + stalled(e));
        } catch (IOException e) {
            throw new Retryable("cannot download " + what + ": " + e);
        }
        if (status != 200) {
            InputStream err = c.getErrorStream();
            String why = err == null ? "" : new String(err.readNBytes(500), StandardCharsets.UTF_8).strip();
            String message = "the file server refused " + what + " (" + status + "): " + why;
            if (status >= 500) throw new Retryable(message);
            throw new IOException(message);
        }
        try (InputStream body = c.getInputStream()) {
            Files.createDirectories(target.getParent());
            // not named after the file: a name near the folder's 255 bytes would leave no room for the random part
            Path part = Files.createTempFile(target.getParent(), ".", ".sluice-part");
            try {
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                long size = 0;
                try (OutputStream out = Files.newOutputStream(part)) {
                    byte[] buf = new byte[1 << 16];
                    for (int n; (n = body.read(buf)) > 0; ) {
                        sha.update(buf, 0, n);
                        out.write(buf, 0, n);
                        size += n;
                    }
                } catch (SocketTimeoutException e) {
                    throw new Retryable("the download of " + what + " broke off: " + stalled(e));
                } catch (IOException e) {
                    throw new Retryable("the download of " + what + " broke off: " + e);
                }
                String digest = HexFormat.of().formatHex(sha.digest());
                if (size != grant.size() || !digest.equals(grant.sha256())) {
                    // the server sent the whole file, of the signed size and time: its content changed since the URL
                    // was signed, and every download would get the same bytes, so none is tried again
                    throw new ChecksumMismatch("checksum mismatch for " + what + ": got " + size + " bytes, sha256 "
                            + digest + "; expected " + grant.size() + " bytes, sha256 " + grant.sha256()
                            + ". The file was rewritten on the controller's volume since its URL was signed, its size"
                            + " and modification time kept; not downloaded again (the split's next Job gets URLs"
                            + " signed for its content now)");
                }
                // the original's time: a files source reading the copy sees the version the split was planned with
                Files.setLastModifiedTime(part, java.nio.file.attribute.FileTime.fromMillis(grant.mtime()));
                Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("SHA-256 is part of every JDK", e);
            } finally {
                Files.deleteIfExists(part);
            }
        }
    }

    private String stalled(SocketTimeoutException e) {
        return "the server sent nothing for " + readTimeout.toMillis() + " ms (the read timeout; --read-timeout): " + e;
    }

    /**
     * {@code sluice fetch}'s exit code for a {@link ChecksumMismatch}: the controller tells it from the other failures
     * of the download (exit 1) by it, and reads the files' checksums anew only then.
     */
    public static final int CHECKSUM_MISMATCH_EXIT = 3;

    /**
     * A file that arrived whole, of the signed size and time, with other content: rewritten since its URL was signed.
     * Not tried again (every download gets the same bytes); the URL's checksum is stale, not the download.
     */
    public static final class ChecksumMismatch extends IOException {
        private static final long serialVersionUID = 1L;

        ChecksumMismatch(String message) {
            super(message);
        }
    }

    /** A failure another attempt may not meet: a lost connection, a server error, a body broken off. */
    private static final class Retryable extends IOException {
        Retryable(String message) {
            super(message);
        }
    }
}
