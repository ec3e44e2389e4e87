package io.sluice.spi;

import java.util.Locale;

/** Sizes as people read them in messages and on a terminal. */
public final class Sizes {
    private Sizes() {}

    /** {@code 512 B}, {@code 12.4 GB}: powers of 1024, one decimal. */
    public static String human(long bytes) {
        if (bytes < 1024) return bytes + " B";
        String[] units = {"KB", "MB", "GB", "TB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
