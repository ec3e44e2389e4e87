package io.sluice.config;

import com.fasterxml.jackson.annotation.JsonValue;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A password, key, token or url with credentials, read from an option of type {@link Type#SECRET} or
 * {@link Type#SECRET_URL}. Its value comes out only through {@link #reveal()}, called where it is used (the JDBC
 * connect, Redis AUTH); {@link #toString()} and its JSON form show how it was written ({@code ${PGPASSWORD}}),
 * {@code ***}, or for a url the url with its credentials masked, never the value.
 *
 * <p>Every secret this process has made is remembered, so text about to leave it (an error, a log line, a
 * command's output) can be passed through {@link #redact} as a last guard against a library that echoes a value it
 * was given (a driver's message quoting the url it could not parse).
 */
public final class Secret {
    public static final String MASK = "***";

    /** A secret value the process knows, mapped to how it is shown; read by {@link #redact}. */
    private static final Map<String, String> KNOWN = new ConcurrentHashMap<>();

    /** Credentials in a url: the user info's password (or all of a user info without ':'), password-like parameters. */
    private static final Pattern USER_INFO = Pattern.compile("(://)([^/?#@]*)@");

    /** The name of a url parameter or driver property that carries a secret ({@code password}, {@code sslpassword}). */
    private static final String SECRET_NAME =
            "(?:[a-z_]*password|passwd|pwd|[a-z_]*secret[a-z_]*|[a-z_]*token|access_?key(?:_id)?)";

    private static final Pattern PARAMETER = Pattern.compile("(?i)([?&;]" + SECRET_NAME + "=)([^&;#]*)");

    private static final Pattern SECRET_NAMED = Pattern.compile("(?i)" + SECRET_NAME);
    /** A whole value written as one reference: {@code ${NAME}}, {@code ${NAME:-default}}, {@code ${file:/path}}. */
    private static final Pattern REFERENCE = Pattern.compile("\\$\\{[^}]+}");

    private final String value;
    private final String shown;

    private Secret(String value, String shown) {
        this.value = value;
        this.shown = shown;
        remember(value, shown);
    }

    /** A secret given in code (a test, a tool), shown as {@code ***}. */
    public static Secret of(String value) {
        return new Secret(value, MASK);
    }

    /** A url given in code, shown with its credentials masked. */
    public static Secret url(String value) {
        return new Secret(value, maskUrl(value));
    }

    /** A secret read from an option: {@code written} is the text in the pipeline file (references unresolved). */
    static Secret fromOption(String value, String written, boolean url) {
        if (url) return new Secret(value, maskUrl(value));
        return new Secret(value, literalIn(written, false) ? MASK : written.replaceAll(":-[^}]*}", ":-" + MASK + "}"));
    }

    /** Whether a driver property or url parameter of this name carries a secret ({@code keyStorePassword}). */
    public static boolean secretName(String name) {
        return SECRET_NAMED.matcher(name).matches();
    }

    /** The value, for the one place that hands it to the system that needs it. Never print it or put it in a message. */
    public String reveal() {
        return value;
    }

    /** The reference it was written as, {@code ***}, or the url with its credentials masked. */
    @JsonValue
    @Override
    public String toString() {
        return shown;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Secret s && MessageDigest.isEqual(bytes(value), bytes(s.value));
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }

    /**
     * True when the text written in the pipeline file holds the secret itself rather than references to it: the whole
     * of a plain secret, or a url's password or password-like parameter.
     */
    static boolean literalIn(String written, boolean url) {
        if (url) return !maskUrl(written).equals(written);
        return !REFERENCE.matcher(written).replaceAll("").isBlank();
    }

    /** The url with the password of its user info and its password-like parameters replaced by {@code ***}. */
    public static String maskUrl(String url) {
        Matcher info = USER_INFO.matcher(url);
        String masked = url;
        if (info.find()) {
            String userInfo = info.group(2);
            int colon = userInfo.indexOf(':');
            String secretPart = colon < 0 ? userInfo : userInfo.substring(colon + 1);
            if (!secretPart.isEmpty() && !isReference(secretPart)) {
                String shownInfo = colon < 0 ? MASK : userInfo.substring(0, colon + 1) + MASK;
                masked = url.substring(0, info.start(2)) + shownInfo + url.substring(info.end(2));
            }
        }
        Matcher p = PARAMETER.matcher(masked);
        StringBuilder out = new StringBuilder();
        while (p.find()) {
            String v = p.group(2);
            p.appendReplacement(out, Matcher.quoteReplacement(p.group(1) + (v.isEmpty() || isReference(v) ? v : MASK)));
        }
        p.appendTail(out);
        return out.toString();
    }

    private static boolean isReference(String text) {
        return REFERENCE.matcher(text).matches();
    }

    /**
     * Replaces every secret value this process has read by how it is shown (values of at least
     * {@link #SHORTEST_REDACTED} characters). For text about to leave the process: errors, logs, a command's output.
     */
    public static String redact(String text) {
        if (text == null || KNOWN.isEmpty()) return text;
        String out = text;
        // longest first: a url is replaced whole before the password inside it
        for (var e : KNOWN.entrySet().stream()
                .sorted(Comparator.comparingInt(
                                (Map.Entry<String, String> k) -> k.getKey().length())
                        .reversed())
                .toList()) {
            if (!out.contains(e.getKey())) continue;
            out = wordLike(e.getKey())
                    ? Pattern.compile("(?<![\\p{L}\\p{N}_])" + Pattern.quote(e.getKey()) + "(?![\\p{L}\\p{N}_])")
                            .matcher(out)
                            .replaceAll(Matcher.quoteReplacement(e.getValue()))
                    : out.replace(e.getKey(), e.getValue());
        }
        return out;
    }

    /**
     * A value of letters and digits only ({@code postgres}, {@code admin2024}) is replaced where it stands as a word of
     * its own, not inside a longer one: a password {@code postgres} must not turn every {@code postgresql} in a
     * message into {@code ***ql} (which tells the value anyway). A value with any other character is replaced
     * wherever it appears.
     */
    private static boolean wordLike(String value) {
        return value.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '_');
    }

    /**
     * Values shorter than this are not redacted: replacing every "1" or "pw" in a process's output would mangle it
     * (row counts, paths, words) and tell a reader the value anyway. A secret that short guards nothing.
     */
    static final int SHORTEST_REDACTED = 4;

    private static void remember(String value, String shown) {
        if (value.length() < SHORTEST_REDACTED) return;
        KNOWN.put(value, shown);
        if (value.equals(shown)) return;
        // the parts of a url that are secret, also when a library quotes them alone (decoded or not)
        Matcher info = USER_INFO.matcher(value);
        if (info.find()) {
            String userInfo = info.group(2);
            String part = userInfo.substring(userInfo.indexOf(':') + 1);
            rememberPart(part);
        }
        Matcher p = PARAMETER.matcher(value);
        while (p.find()) rememberPart(p.group(2));
    }

    private static void rememberPart(String part) {
        if (part.length() < SHORTEST_REDACTED) return;
        KNOWN.putIfAbsent(part, MASK);
        try {
            String decoded = URLDecoder.decode(part, StandardCharsets.UTF_8);
            if (decoded.length() >= SHORTEST_REDACTED) KNOWN.putIfAbsent(decoded, MASK);
        } catch (IllegalArgumentException notEncoded) {
            // a '%' that is not an escape: the raw part is remembered already
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
