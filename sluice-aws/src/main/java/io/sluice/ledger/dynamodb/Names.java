package io.sluice.ledger.dynamodb;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Expression attribute names: every attribute in an expression is written {@code #name}, so none can clash with
 * DynamoDB's several hundred reserved words (state, owner, key, error, ...).
 */
final class Names {
    private static final Pattern NAME = Pattern.compile("#(\\w+)");

    private Names() {}

    static Map<String, String> of(String... expressions) {
        Map<String, String> names = new HashMap<>();
        for (String e : expressions) {
            Matcher m = NAME.matcher(e);
            while (m.find()) names.put(m.group(), m.group(1));
        }
        return names;
    }
}
