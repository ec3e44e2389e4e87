package io.sluice.ledger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.spi.KnownMember;
import io.sluice.spi.Member;
import io.sluice.spi.OutputKey;
import io.sluice.spi.SplitInfo;
import io.sluice.spi.SplitState;
import io.sluice.spi.Totals;
import io.sluice.spi.WorkerInfo;
import io.sluice.spi.WorkerStatus;
import java.io.UncheckedIOException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * How the ledger backends store values: JSON lists, members and output keys, epoch milliseconds, split, totals and
 * worker rows of the SQL ledgers.
 */
public final class LedgerRows {
    private static final ObjectMapper JSON = new ObjectMapper();

    private LedgerRows() {}

    public static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A split's members as the key-value ledgers store them: a JSON array of [key, fingerprint, start, end, digest]. */
    public static String membersJson(List<Member> members) {
        return json(members.stream()
                .map(m -> Arrays.asList(m.key(), m.fingerprint(), m.start(), m.end(), m.digest()))
                .toList());
    }

    /** The members {@link #membersJson} wrote. */
    public static List<Member> members(String json) {
        try {
            List<Member> members = new ArrayList<>();
            for (JsonNode m : JSON.readTree(json)) {
                members.add(new Member(
                        m.get(0).asText(),
                        m.get(1).asText(),
                        m.get(2).asLong(),
                        m.get(3).asLong(),
                        m.get(4).isNull() ? null : m.get(4).asText()));
            }
            return members;
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An output key as the key-value ledgers store it: a JSON array of its four fields; null for none. */
    public static String outputKeyJson(OutputKey key) {
        return key == null ? null : json(Arrays.asList(key.key(), key.version(), key.start(), key.end()));
    }

    /** The output key {@link #outputKeyJson} wrote; null for null. */
    public static OutputKey outputKey(String json) {
        if (json == null) return null;
        try {
            JsonNode a = JSON.readTree(json);
            return new OutputKey(
                    a.get(0).asText(),
                    a.get(1).asText(),
                    a.get(2).asLong(),
                    a.get(3).asLong());
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The output key in four columns of the SQL ledgers from {@code first} on (key, version, start, end); null for none. */
    public static OutputKey outputKey(ResultSet rs, int first) throws SQLException {
        String key = rs.getString(first);
        return key == null
                ? null
                : new OutputKey(key, rs.getString(first + 1), rs.getLong(first + 2), rs.getLong(first + 3));
    }

    /**
     * A row of the SQL ledgers' known query: key, fingerprint, split id, state, range start, range end (the latest
     * registration of a member key).
     */
    public static KnownMember knownMember(ResultSet rs) throws SQLException {
        return new KnownMember(
                rs.getString(1),
                rs.getString(2),
                rs.getLong(5),
                rs.getLong(6),
                rs.getString(3),
                SplitState.ofLabel(rs.getString(4)));
    }

    /** An epoch-milliseconds column; null when SQL NULL. */
    public static Instant instant(ResultSet rs, int column) throws SQLException {
        long millis = rs.getLong(column);
        return rs.wasNull() ? null : Instant.ofEpochMilli(millis);
    }

    /**
     * A split of the SQL ledgers' splits query: id, state, attempts, last error, owner, token, lease until (ms),
     * next retry (ms), bytes, members, rows in, rows out, rejected, pipeline version, updated (ms).
     */
    public static SplitInfo info(ResultSet rs) throws SQLException {
        return new SplitInfo(
                rs.getString(1),
                SplitState.ofLabel(rs.getString(2)),
                rs.getInt(3),
                rs.getString(4),
                rs.getString(5),
                rs.getLong(6),
                instant(rs, 7),
                instant(rs, 8),
                rs.getLong(9),
                rs.getInt(10),
                rs.getLong(11),
                rs.getLong(12),
                rs.getLong(13),
                rs.getString(14),
                instant(rs, 15));
    }

    /** The one row of the SQL ledgers' totals query: rows in, rows out, rejected, last done (ms, NULL when none). */
    public static Totals totals(ResultSet rs) throws SQLException {
        rs.next();
        return new Totals(rs.getLong(1), rs.getLong(2), rs.getLong(3), instant(rs, 4));
    }

    /**
     * A worker of the SQL ledgers' worker query: id, host, pid, started (ms), threads, last seen (ms).
     *
     * @param held   split ids by worker id
     * @param leader the worker holding the leader lease, or null
     */
    public static WorkerStatus worker(ResultSet rs, Map<String, List<String>> held, String leader) throws SQLException {
        String id = rs.getString(1);
        WorkerInfo info =
                new WorkerInfo(id, rs.getString(2), rs.getLong(3), Instant.ofEpochMilli(rs.getLong(4)), rs.getInt(5));
        return new WorkerStatus(
                info, Instant.ofEpochMilli(rs.getLong(6)), held.getOrDefault(id, List.of()), id.equals(leader));
    }
}
