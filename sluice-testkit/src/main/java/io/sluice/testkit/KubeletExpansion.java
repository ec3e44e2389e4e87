package io.sluice.testkit;

import java.util.Map;

/**
 * What a kubelet does to a container's {@code command}, {@code args} and env values before it starts the container:
 * {@code $(NAME)} becomes the value of the container's variable {@code NAME} (left as written when there is none),
 * and {@code $$} becomes {@code $}. A port of Kubernetes' {@code third_party/forked/golang/expansion/expand.go}, so
 * that tests see what a pod would be given.
 */
public final class KubeletExpansion {
    private KubeletExpansion() {}

    /** {@code input} as the container receives it, with {@code env} its variables. */
    public static String expand(String input, Map<String, String> env) {
        StringBuilder out = new StringBuilder();
        int checkpoint = 0;
        for (int cursor = 0; cursor < input.length(); cursor++) {
            if (input.charAt(cursor) == '$' && cursor + 1 < input.length()) {
                out.append(input, checkpoint, cursor);
                String rest = input.substring(cursor + 1);
                int advance;
                char next = rest.charAt(0);
                if (next == '$') { // an escaped operator
                    out.append('$');
                    advance = 1;
                } else if (next == '(') {
                    int close = rest.indexOf(')');
                    if (close > 0) {
                        String name = rest.substring(1, close);
                        out.append(env.containsKey(name) ? env.get(name) : "$(" + name + ")");
                        advance = close + 1;
                    } else { // an incomplete reference: kept as written
                        out.append("$(");
                        advance = 1;
                    }
                } else { // a $ that begins nothing: kept, with the character after it
                    out.append('$').append(next);
                    advance = 1;
                }
                cursor += advance;
                checkpoint = cursor + 1;
            }
        }
        return out.append(input.substring(checkpoint)).toString();
    }
}
