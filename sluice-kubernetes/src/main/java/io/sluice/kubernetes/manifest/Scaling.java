package io.sluice.kubernetes.manifest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The KEDA triggers that scale a pool on its ledger's open splits, where KEDA can count them.
 *
 * <p>PostgreSQL: KEDA's {@code postgresql} scaler runs {@link #postgresQuery} against the ledger's tables. DynamoDB:
 * KEDA's {@code aws-dynamodb} scaler counts the items of a Query; the ledger's index {@code by_state} has one
 * partition per pipeline and state, so one trigger per open state ({@link #DYNAMO_STATES}) counts exactly those splits.
 * Redis: the ledger keeps its splits in sorted sets, and KEDA's Redis scalers read the length of a list ({@code LLEN})
 * or a stream, never of a sorted set; a list kept beside them would have to follow every change of state, leases
 * running out included, which no write does. So a Redis pool scales on what its workers report to Prometheus
 * ({@code run.metrics}), from one worker up: at zero no worker would report anything.
 */
final class Scaling {
    /** {@code jdbc:postgresql://host[:port]/database[?params]} */
    private static final Pattern JDBC = Pattern.compile("jdbc:postgresql://([^/:?,]+)(?::(\\d+))?/([^?]+)(?:\\?(.*))?");

    private static final Pattern WHOLE_REFERENCE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");

    /** The split states of the DynamoDB ledger's index that a pool has to work on: one trigger each. */
    static final List<String> DYNAMO_STATES = List.of("pending", "claimed", "failed");

    /** One trigger of a ScaledObject. */
    record Keda(String type, Map<String, String> metadata) {}

    /**
     * The triggers, or none and why.
     *
     * @param minReplicas    0 where the ledger is counted directly (an idle pool stops); 1 where the count comes from
     *     the workers themselves
     * @param authentication the spec of a TriggerAuthentication the triggers refer to, if they need one
     */
    record Trigger(
            List<Keda> triggers, int minReplicas, Optional<Map<String, Object>> authentication, List<String> notes) {
        boolean scaled() {
            return !triggers.isEmpty();
        }
    }

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
        return switch (facts.ledger()) {
            case "postgres" -> postgres(facts, options);
            case "dynamodb" -> dynamo(facts, options);
            case "redis" -> redis(facts, options);
            default ->
                none("no KEDA scaler counts the splits of a " + facts.ledger() + " ledger: the pool runs a fixed "
                        + options.replicas() + " workers (--replicas); use a PostgreSQL or DynamoDB ledger to scale "
                        + "with the work");
        };
    }

    /**
     * The splits in one state of the DynamoDB ledger: the Query KEDA runs. {@code st} is the index's partition key,
     * {@code PIPELINE#STATE} (the ledger's {@code Items.st}).
     */
    static Map<String, String> dynamoQuery(String pipeline, String state) {
        Map<String, String> q = new LinkedHashMap<>();
        q.put("indexName", "by_state");
        q.put("keyConditionExpression", "#st = :st");
        q.put("expressionAttributeNames", "{\"#st\": \"st\"}");
        q.put("expressionAttributeValues", "{\":st\": {\"S\": \"" + json(pipeline + "#" + state) + "\"}}");
        return q;
    }

    /**
     * One {@code aws-dynamodb} trigger per open state (pending, claimed, failed), each a Query of the index
     * {@code by_state}. KEDA scales to the largest of them (the HPA's rule for several metrics), not their sum: with
     * N pending and M claimed, max(N, M) / parallelism workers. A failed split waiting for its retry counts, so a pool
     * with retries to come keeps a worker until they are done or dead. KEDA authenticates as the workers do: the
     * AWS role of their ServiceAccount ({@code identityOwner: workload}), which the ledger needs already.
     */
    private static Trigger dynamo(PipelineFacts facts, GenerateOptions options) {
        Map<String, String> state = facts.ledgerText();
        String table = state.get("table");
        String region = state.get("region");
        String endpoint = state.get("endpoint");
        for (String v : new String[] {table, region, endpoint}) {
            if (v != null && v.contains("${")) {
                return none("KEDA's aws-dynamodb scaler needs state.dynamodb's table, region and endpoint written out, "
                        + "not as ${VARIABLES}: the pool runs a fixed " + options.replicas() + " workers (--replicas)");
            }
        }
        if (table == null || region == null) {
            return none("state.dynamodb has no table or region written in the pipeline: the pool runs a fixed "
                    + options.replicas() + " workers (--replicas)");
        }
        List<Keda> triggers = new ArrayList<>();
        for (String st : DYNAMO_STATES) {
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("tableName", table);
            meta.put("awsRegion", region);
            if (endpoint != null) meta.put("awsEndpoint", endpoint);
            meta.putAll(dynamoQuery(facts.names().pipeline(), st));
            meta.put("targetValue", Integer.toString(options.parallelism()));
            meta.put("activationTargetValue", "0");
            triggers.add(new Keda("aws-dynamodb", meta));
        }
        Map<String, String> identity = new LinkedHashMap<>(); // in this order: the output must be stable
        identity.put("provider", "aws");
        identity.put("identityOwner", "workload");
        Map<String, Object> auth = Map.of("podIdentity", identity);
        return new Trigger(
                triggers,
                0,
                Optional.of(auth),
                List.of("KEDA queries the DynamoDB table " + table + " as the workers' ServiceAccount "
                        + facts.names().base() + " (TriggerAuthentication, podIdentity aws, identityOwner: workload): "
                        + "annotate it with the IAM role the workers use (eks.amazonaws.com/role-arn), which needs "
                        + "dynamodb:Query on the table's index by_state"));
    }

    /**
     * The pool's open splits as its workers report them ({@code sluice_ledger_splits}): each worker reports the same
     * ledger counts, so the largest report per state, summed over pending, claimed and failed.
     */
    static String prometheusQuery(String pipeline) {
        return "sum(max by (state) (sluice_ledger_splits{pipeline=\"" + json(pipeline)
                + "\",state=~\"pending|claimed|failed\"}))";
    }

    private static Trigger redis(PipelineFacts facts, GenerateOptions options) {
        String fixed = "the pool runs a fixed " + options.replicas() + " workers (--replicas)";
        if (facts.metrics().isEmpty() || options.prometheusUrl() == null) {
            return none(
                    "the Redis ledger keeps its splits in sorted sets, and KEDA's Redis scalers count the items of a "
                            + "list or a stream only: " + fixed + "; to scale on what the workers report instead, set "
                            + "run.metrics and give --prometheus-url (docs/kubernetes.md#scaling-with-the-work)");
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("serverAddress", options.prometheusUrl());
        meta.put("query", prometheusQuery(facts.names().pipeline()));
        meta.put("threshold", Integer.toString(options.parallelism()));
        meta.put("activationThreshold", "0");
        return new Trigger(
                List.of(new Keda("prometheus", meta)),
                1,
                Optional.empty(),
                List.of("the Redis pool scales from 1 to " + options.replicas() + " workers on the open splits its "
                        + "workers report to Prometheus at " + options.prometheusUrl() + " (never to zero: with no "
                        + "worker nothing would report them); Prometheus must scrape the Service "
                        + facts.names().named("metrics")));
    }

    private static Trigger postgres(PipelineFacts facts, GenerateOptions options) {
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
        return new Trigger(List.of(new Keda("postgresql", meta)), 0, Optional.empty(), List.of());
    }

    private static Trigger none(String why) {
        return new Trigger(List.of(), 0, Optional.empty(), List.of(why));
    }

    /** A string inside a JSON (or PromQL) string literal. */
    private static String json(String text) {
        return text.replace("\\", "\\\\").replace("\"", "\\\"");
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
