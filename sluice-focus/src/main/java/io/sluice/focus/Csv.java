package io.sluice.focus;

import java.io.BufferedReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Reads the small RFC 4180 CSV files this module ships (spec tables, lookup tables). */
public final class Csv {
    private Csv() {}

    /** All records, header first; quoted fields may hold commas, quotes and newlines. */
    public static List<List<String>> read(BufferedReader in) throws IOException {
        List<List<String>> rows = new ArrayList<>();
        List<String> row = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        boolean any = false;
        for (int c; (c = in.read()) != -1; ) {
            char ch = (char) c;
            if (quoted) {
                if (ch == '"') {
                    in.mark(1);
                    int next = in.read();
                    if (next == '"') {
                        cur.append('"');
                    } else {
                        quoted = false;
                        if (next != -1) in.reset();
                    }
                } else {
                    cur.append(ch);
                }
                continue;
            }
            switch (ch) {
                case '"' -> {
                    quoted = true;
                    any = true;
                }
                case ',' -> {
                    row.add(cur.toString());
                    cur.setLength(0);
                    any = true;
                }
                case '\r' -> {}
                case '\n' -> {
                    if (any || !cur.isEmpty()) {
                        row.add(cur.toString());
                        rows.add(row);
                    }
                    row = new ArrayList<>();
                    cur.setLength(0);
                    any = false;
                }
                default -> {
                    cur.append(ch);
                    any = true;
                }
            }
        }
        if (any || !cur.isEmpty()) {
            row.add(cur.toString());
            rows.add(row);
        }
        return rows;
    }

    /** The fields of one line without embedded newlines. */
    public static List<String> fields(String line) throws IOException {
        List<List<String>> rows = read(new BufferedReader(new java.io.StringReader(line + "\n")));
        return rows.isEmpty() ? List.of() : rows.get(0);
    }
}
