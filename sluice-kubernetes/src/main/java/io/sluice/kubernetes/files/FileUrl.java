package io.sluice.kubernetes.files;

import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * What a signed URL grants: one file of one split, with the size, modification time and sha256 it had when signed,
 * until an instant. The signature is HMAC-SHA256 over every one of those fields, each length-prefixed so that no two
 * grants read alike.
 *
 * <p>Form: {@code BASE/v1/file?split=ID&path=PATH&size=N&mtime=EPOCH_MILLIS&sha256=HEX&expires=EPOCH_SECONDS&sig=HEX}.
 *
 * @param path  the file's path under the server's root, with {@code /} between folders
 * @param mtime the file's modification time, in milliseconds: the download gets it too, so that a files source reading
 *              the copy finds the fingerprint (size and modification time) the split was planned with
 */
public record FileUrl(String split, String path, long size, long mtime, String sha256, Instant expires) {
    /** Every parameter of a URL, each once. */
    private static final java.util.List<String> PARAMETERS =
            java.util.List.of("split", "path", "size", "mtime", "sha256", "expires", "sig");

    /** The one path the server answers on. */
    static final String ENDPOINT = "/v1/file";

    public FileUrl {
        Objects.requireNonNull(split, "split");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(sha256, "sha256");
        Objects.requireNonNull(expires, "expires");
        expires = Instant.ofEpochSecond(expires.getEpochSecond()); // what the URL can carry
    }

    /** The URL under {@code base} (scheme, host and port), signed with {@code key}. */
    URI toUri(URI base, SigningKey key) {
        Map<String, String> q = new LinkedHashMap<>();
        q.put("split", split);
        q.put("path", path);
        q.put("size", Long.toString(size));
        q.put("mtime", Long.toString(mtime));
        q.put("sha256", sha256);
        q.put("expires", Long.toString(expires.getEpochSecond()));
        q.put("sig", signature(key));
        StringBuilder query = new StringBuilder();
        q.forEach((k, v) -> query.append(query.isEmpty() ? "?" : "&")
                .append(k)
                .append('=')
                .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        String b = base.toString();
        return URI.create((b.endsWith("/") ? b.substring(0, b.length() - 1) : b) + ENDPOINT + query);
    }

    /**
     * The grant a URL's query names, and the signature it carries.
     *
     * @throws IllegalArgumentException when a field is missing, repeated or malformed
     */
    static Signed parse(String rawQuery) {
        Map<String, String> q = new LinkedHashMap<>();
        for (String pair : rawQuery == null ? new String[0] : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            if (eq < 0) throw new IllegalArgumentException("malformed query");
            String k = URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8);
            if (q.put(k, URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8)) != null) {
                throw new IllegalArgumentException(k + " given twice");
            }
        }
        for (String k : PARAMETERS) {
            if (!q.containsKey(k)) throw new IllegalArgumentException("no " + k);
        }
        if (q.size() != PARAMETERS.size()) throw new IllegalArgumentException("unknown parameters");
        try {
            FileUrl url = new FileUrl(
                    q.get("split"),
                    q.get("path"),
                    Long.parseLong(q.get("size")),
                    Long.parseLong(q.get("mtime")),
                    q.get("sha256"),
                    Instant.ofEpochSecond(Long.parseLong(q.get("expires"))));
            return new Signed(url, q.get("sig"));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("malformed number");
        }
    }

    /** The grant of a downloaded URL, for the pod side ({@link Fetcher}); the signature is the server's to check. */
    public static FileUrl of(URI uri) {
        return parse(uri.getRawQuery()).url();
    }

    /** A grant and the signature a URL carried for it. */
    record Signed(FileUrl url, String signature) {
        /** True when the signature is the key's over exactly this grant (compared in constant time). */
        boolean valid(SigningKey key) {
            return MessageDigest.isEqual(
                    url.signature(key).getBytes(StandardCharsets.US_ASCII),
                    signature.getBytes(StandardCharsets.US_ASCII));
        }
    }

    String signature(SigningKey key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.bytes(), "HmacSHA256"));
            StringBuilder text = new StringBuilder("sluice-file-url-v1");
            for (String field : new String[] {
                split, path, Long.toString(size), Long.toString(mtime), sha256, Long.toString(expires.getEpochSecond())
            }) {
                text.append('\n').append(field.length()).append(':').append(field);
            }
            return HexFormat.of().formatHex(mac.doFinal(text.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
