package io.sluice.kubernetes.manifest;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The KEDA trigger that scales a pool on its ledger's open splits, where KEDA can count them.
 *
 * <p>PostgreSQL: KEDA's {@code postgresql} scaler runs {@link #postgresQuery} against the ledger's tables. Redis:
 * the ledger keeps its splits in sorted sets ({@code <prefix>:{<pipeline>}:pending} and friends), and KEDA's Redis
 * scalers read the length of a list ({@code LLEN}) or a stream, never of a sorted set, so no trigger matches: the pool
 * gets a fixed number of workers. DynamoDB and the others: the same, for now.
 */
final class Scaling {
    /** {@code jdbc:postgresql://host[:port]/database[?params]} */
    private static final Pattern JDBC = Pattern.compile("jdbc:postgresql://([^/:?,]+)(?::(\\d+))?/([^?]+)(?:\\?(.*))?");

    private static final Pattern WHOLE_REFERENCE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");

    /** A trigger, or why there is none. */
    record Trigger(Optional<Map<String, String>> postgres, List<String> notes) {}

    private Scaling() {}

    /**
     * The splits a pool has to work on: claimable now (pending, failed and due for its retry, claimed with its lease run
     * out) and in flight (claimed): the workers holding splits must not be scaled away. A failed split waiting for its
     * retry is left out, so an idle pool scales to zero and comes back when the retry is due. Times in the ledger are
     * epoch milliseconds; {@code clock_timestamp()} is the database's clock, which must agree with the workers' within
     * a poll of KEDA (30 s), well within what leases already ask of clocks.
     */
    static String postgresQuery(String schema, String pipeline) {
        return "SELECT count(*) FROM \"" + schema + "\".splits WHERE pipeline = '" + pipeline.replace("'", "''")
                + "' AND (state IN ('pending', 'claimed') OR (state = 'failed' AND next_retry <= "
                + "(extract(epoch FROM clock_timestamp()) * 1000)::bigint))";
    }

    static Trigger of(PipelineFacts facts, GenerateOptions options) {
        String kind = facts.ledger();
        if (!kind.equals("postgres")) {
            return none(
                    kind.equals("redis")
                            ? "the Redis ledger keeps its splits in sorted sets, and KEDA's Redis scalers count the items of a "
                                    + "list or a stream only: the pool runs a fixed " + options.replicas()
                                    + " workers (--replicas); use a PostgreSQL ledger to scale with the work"
                            : "no KEDA scaler counts the splits of a " + kind + " ledger: the pool runs a fixed "
                                    + options.replicas()
                                    + " workers (--replicas); use a PostgreSQL ledger to scale with the "
                                    + "work");
        }
        Map<String, String> state = facts.ledgerText();
        String url = state.getOrDefault("url", "");
        Matcher m = JDBC.matcher(url);
        if (url.contains("${") || !m.matches()) {
            return none("KEDA's PostgreSQL scaler needs the ledger's host and database written in state.postgres.url "
                    + "(jdbc:postgresql://host:5432/database), not a ${VARIABLE} or a list of hosts: the pool runs a "
                    + "fixed " + options.replicas() + " workers (--replicas)");
        }
        Map<String, String> params = params(m.group(4));
        String user = state.getOrDefault("user", params.get("user"));
        if (user == null || user.contains("${")) {
            return none("KEDA's PostgreSQL scaler needs the user written in state.postgres.user (or the url), not as "
                    + "a ${VARIABLE}: the pool runs a fixed " + options.replicas() + " workers (--replicas)");
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("host", m.group(1));
        meta.put("port", m.group(2) != null ? m.group(2) : "5432");
        meta.put("userName", user);
        meta.put("dbName", m.group(3));
        meta.put("sslmode", params.getOrDefault("sslmode", "prefer"));
        String password = state.get("password");
        if (password != null) {
            Matcher ref = WHOLE_REFERENCE.matcher(password);
            if (!ref.matches()) {
                return none("KEDA's PostgreSQL scaler reads the password from an environment variable: write "
                        + "state.postgres.password as ${VARIABLE} (it then comes from the Secret "
                        + facts.names().secret()
                        + "): the pool runs a fixed " + options.replicas() + " workers (--replicas)");
            }
            meta.put("passwordFromEnv", ref.group(1)); // KEDA reads it from the worker container's env (the Secret)
        }
        meta.put(
                "query",
                postgresQuery(
                        state.getOrDefault("schema", "sluice"), facts.names().pipeline()));
        meta.put("targetQueryValue", Integer.toString(options.parallelism()));
        meta.put("activationTargetQueryValue", "0");
        return new Trigger(Optional.of(meta), List.of());
    }

    private static Trigger none(String why) {
        return new Trigger(Optional.empty(), List.of(why));
    }

    private static Map<String, String> params(String query) {
        Map<String, String> out = new LinkedHashMap<>();
        if (query == null) return out;
        for (String kv : query.split("&")) {
            int eq = kv.indexOf('=');
            if (eq > 0) out.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        return out;
    }
}
