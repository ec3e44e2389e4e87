package io.sluice.spi;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 of a text, in hex: how connectors make stable names (member keys, job ids, file names) from ids. */
public final class Digests {
    private Digests() {}

    /** The first {@code hexChars} hex digits (at most 64) of the text's SHA-256 (UTF-8). */
    public static String sha256Hex(String text, int hexChars) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d).substring(0, hexChars);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }
}
