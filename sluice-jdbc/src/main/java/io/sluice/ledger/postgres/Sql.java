package io.sluice.ledger.postgres;

import java.util.List;

/** The ledger's statements, for the tables in one schema. Times are epoch millis from the workers' clock. */
final class Sql {
    /**
     * The guard of every statement a claim holder runs: its token is still the split's and the split still claimed.
     * Arguments: pipeline, split id, pipeline, split id, token.
     *
     * <p>The split's {@code seq}, looked up by (pipeline, id), pins the row for every index the planner may pick: the
     * primary key, (pipeline, id), the open splits' (pipeline, seq) and (state, pipeline, seq) are each searched on
     * their whole key, so the statement reads one row whatever the statistics say. Without it, a planner that
     * believed the pipeline had next to no open splits (a pipeline new since the table's last ANALYZE, or a batch
     * registered when every split was done) chose the open splits' index on the pipeline alone and walked every open
     * split of the pipeline, twice per completed split (benchmark B6).
     */
    private static final String HELD = """

            WHERE seq = (SELECT seq FROM {s}.splits WHERE pipeline = ? AND id = ?)
              AND pipeline = ? AND id = ? AND token = ? AND state = 'claimed'""";

    final String known;
    final String latestDone;
    final String digestOwner;
    final String registeredMembers;
    final String digestOwners;
    final String takenIds;
    final String insertSplits;
    final String insertMembers;
    final String insertDigests;
    final String split;
    final String splitsById;
    final String claim;
    final String claimNamed;
    final String expire;
    final String heldSeq;
    final String forget;
    final String heartbeat;
    final String isCurrent;
    final String ended;
    final String complete;
    final String fail;
    final String release;
    final String counts;
    final String newest;
    final String splits;
    final String splitsNamed;
    final String retryAll;
    final String retrySome;
    final String doneByVersion;
    final String requeueOutdated;
    final String replay;
    final String totals;
    final String lock;
    final String holds;
    final String holder;
    final String unlock;
    final String incarnation;
    final String newIncarnation;
    final List<String> reset;
    final String forgetExpired;
    final String announce;
    final String workers;
    final String liveClaims;
    final String leader;
    final String lead;
    final List<String> retire;

    Sql(String s) {
        known = """
                SELECT DISTINCT ON (m.key) m.key, m.fingerprint, s.id, s.state, m.range_start, m.range_end
                FROM {s}.members m JOIN {s}.splits s ON s.seq = m.split_seq
                WHERE m.pipeline = ? AND m.key = ANY (?)
                ORDER BY m.key, m.split_seq DESC""".replace("{s}", s);
        // the same among the registrations whose split is done: a key's registrations are few
        latestDone = known.replace("= ANY (?)", "= ANY (?) AND s.state = 'done'");
        digestOwner = "SELECT key FROM {s}.digests WHERE pipeline = ? AND sha256 = ?".replace("{s}", s);
        registeredMembers = """
                SELECT key, fingerprint, range_start FROM {s}.members
                WHERE pipeline = ? AND (key, fingerprint, range_start) IN (SELECT * FROM unnest(?::text[], ?::text[], ?::bigint[]))""".replace("{s}", s);
        digestOwners = "SELECT sha256, key FROM {s}.digests WHERE pipeline = ? AND sha256 = ANY (?)".replace("{s}", s);
        takenIds = "SELECT id FROM {s}.splits WHERE pipeline = ? AND id = ANY (?) LIMIT 1".replace("{s}", s);
        // ORDER BY ord: identity values, and with them claim order, follow the batch's order
        insertSplits = """
                INSERT INTO {s}.splits (pipeline, id, state, bytes, members, payload, output_key, output_version,
                    output_start, output_end, created, updated)
                SELECT ?, u.id, 'pending', u.bytes, u.members, u.payload, u.output_key, u.output_version,
                    u.output_start, u.output_end, ?, ?
                FROM unnest(?::text[], ?::bigint[], ?::int[], ?::text[], ?::text[], ?::text[], ?::bigint[], ?::bigint[])
                    WITH ORDINALITY AS u (id, bytes, members, payload, output_key, output_version, output_start,
                    output_end, ord)
                ORDER BY u.ord
                RETURNING seq, id""".replace("{s}", s);
        insertMembers = """
                INSERT INTO {s}.members (pipeline, split_seq, ord, key, fingerprint, range_start, range_end, digest)
                SELECT ?, * FROM unnest(?::bigint[], ?::int[], ?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::text[])""".replace("{s}", s);
        insertDigests = """
                INSERT INTO {s}.digests (pipeline, sha256, key)
                SELECT ?, * FROM unnest(?::text[], ?::text[])
                ON CONFLICT DO NOTHING""".replace("{s}", s);
        // a split in the claim function's columns, with its members (one row per member, in order): one statement, one
        // snapshot
        split = """
                SELECT s.seq, s.id, s.bytes, s.attempts, s.token, s.payload, s.output_key, s.output_version,
                    s.output_start, s.output_end, m.key, m.fingerprint, m.range_start, m.range_end, m.digest
                FROM {s}.splits s LEFT JOIN {s}.members m ON m.split_seq = s.seq
                WHERE s.pipeline = ? AND s.id = ?
                ORDER BY m.ord""".replace("{s}", s);
        // the same for many splits, one after the other
        splitsById = """
                SELECT s.seq, s.id, s.bytes, s.attempts, s.token, s.payload, s.output_key, s.output_version,
                    s.output_start, s.output_end, m.key, m.fingerprint, m.range_start, m.range_end, m.digest
                FROM {s}.splits s LEFT JOIN {s}.members m ON m.split_seq = s.seq
                WHERE s.pipeline = ? AND s.id = ANY (?)
                ORDER BY s.seq, m.ord""".replace("{s}", s);
        // the function (schema version 5; Schema.claimFunction) takes the oldest claimable split and returns it with
        // its payload, output key and members, one row per member in order; no row when there is nothing to claim
        claim = "SELECT * FROM {s}.claim_split(?, ?, ?, ?)".replace("{s}", s);
        // the named split, in the claim function's columns; FOR UPDATE without SKIP LOCKED: a claim of one split
        // waits for another transaction on it and then checks its state again, so it never misses a claimable split.
        // Arguments: pipeline, split id, now (twice), owner, lease until, now.
        claimNamed = """
                WITH next AS (
                    SELECT o.seq FROM {s}.splits o
                    WHERE o.seq = (SELECT seq FROM {s}.splits WHERE pipeline = ? AND id = ?)
                      AND (o.state = 'pending' OR (o.state = 'failed' AND o.next_retry <= ?)
                           OR (o.state = 'claimed' AND o.lease_until <= ?))
                    FOR UPDATE),
                taken AS (
                    UPDATE {s}.splits s
                    SET state = 'claimed', owner = ?, lease_until = ?, token = nextval('{s}.tokens'),
                        attempts = s.attempts + 1, next_retry = NULL, updated = ?
                    FROM next WHERE s.seq = next.seq
                    RETURNING s.seq, s.id, s.bytes, s.attempts, s.token, s.payload, s.output_key, s.output_version,
                        s.output_start, s.output_end)
                SELECT t.seq, t.id, t.bytes, t.attempts, t.token, t.payload, t.output_key, t.output_version,
                       t.output_start, t.output_end, m.key, m.fingerprint, m.range_start, m.range_end, m.digest
                FROM taken t LEFT JOIN {s}.members m ON m.split_seq = t.seq
                ORDER BY m.ord""".replace("{s}", s);
        String held = HELD.replace("{s}", s);
        expire = "UPDATE {s}.splits SET lease_until = least(lease_until, ?), updated = ?".replace("{s}", s) + held;
        heldSeq = "SELECT seq FROM {s}.splits".replace("{s}", s) + held + "\nFOR UPDATE";
        forget = "DELETE FROM {s}.splits WHERE seq = ?".replace("{s}", s); // its members go with it
        heartbeat = "UPDATE {s}.splits SET lease_until = ?, updated = ?".replace("{s}", s) + held;
        isCurrent = "SELECT 1 FROM {s}.splits".replace("{s}", s) + held;
        ended = "SELECT 1 FROM {s}.splits WHERE pipeline = ? AND id = ? AND token = ? AND state = ?".replace("{s}", s);
        complete = """
                UPDATE {s}.splits SET state = 'done', lease_until = NULL, next_retry = NULL, last_error = NULL,
                    rows_in = ?, rows_out = ?, rejected = ?, outputs = ?::jsonb, pipeline_version = ?, updated = ?""".replace("{s}", s) + held;
        fail = """
                UPDATE {s}.splits SET state = ?, lease_until = NULL, next_retry = ?, last_error = ?, updated = ?""".replace("{s}", s) + held;
        release = """
                UPDATE {s}.splits SET state = 'pending', owner = NULL, lease_until = NULL, attempts = attempts - 1,
                    updated = ?""".replace("{s}", s) + held;
        // one index-only count per state on (state, pipeline, seq); arguments: pipeline, the states
        counts = """
                SELECT st, (SELECT count(*) FROM {s}.splits WHERE state = st AND pipeline = ?)
                FROM unnest(?::text[]) AS st""".replace("{s}", s);
        // the greatest seq of each state, each an index-only look-up on (state, pipeline, seq); arguments as counts
        newest = """
                SELECT id FROM {s}.splits WHERE seq = (SELECT max(m) FROM (
                    SELECT (SELECT max(seq) FROM {s}.splits WHERE state = st AND pipeline = ?) AS m
                    FROM unnest(?::text[]) AS st) n)""".replace("{s}", s);
        splits = """
                SELECT id, state, attempts, last_error, owner, token, lease_until, next_retry, bytes, members,
                    rows_in, rows_out, rejected, CASE state WHEN 'done' THEN coalesce(pipeline_version, '') END, updated
                FROM {s}.splits
                WHERE pipeline = ? AND state = ANY (?)
                ORDER BY seq LIMIT ?""".replace("{s}", s);
        splitsNamed = splits.substring(0, splits.indexOf("WHERE")) + "WHERE pipeline = ? AND id = ANY (?) ORDER BY seq";
        retryAll = """
                UPDATE {s}.splits SET state = 'pending', attempts = 0, owner = NULL, next_retry = NULL, updated = ?
                WHERE pipeline = ? AND state IN ('failed', 'dead')""".replace("{s}", s);
        retrySome = retryAll + "\nAND id = ANY (?)";
        doneByVersion = """
                SELECT coalesce(pipeline_version, ''), count(*) FROM {s}.splits WHERE state = 'done' AND pipeline = ?
                GROUP BY 1""".replace("{s}", s);
        // done splits back to pending, their results dropped; arguments: now, pipeline, then which ones
        String sendBackDone = """
                UPDATE {s}.splits SET state = 'pending', attempts = 0, owner = NULL, rows_in = NULL, rows_out = NULL,
                    rejected = NULL, outputs = NULL, pipeline_version = NULL, updated = ?
                WHERE state = 'done' AND pipeline = ? AND\s""".replace("{s}", s);
        requeueOutdated = sendBackDone + "coalesce(pipeline_version, '') <> ?";
        replay = sendBackDone + "id = ANY (?)";
        totals = """
                SELECT coalesce(sum(rows_in), 0), coalesce(sum(rows_out), 0), coalesce(sum(rejected), 0), max(updated)
                FROM {s}.splits WHERE state = 'done' AND pipeline = ?""".replace("{s}", s);
        // a new holder's grant takes the token drawn for it; its owner's keeps the token it has, renewed; a live lease
        // of another owner leaves the row alone (no row returned). Arguments: pipeline, name, owner, lease until, now.
        lock = """
                INSERT INTO {s}.locks AS l (pipeline, name, owner, token, lease_until)
                VALUES (?, ?, ?, nextval('{s}.tokens'), ?)
                ON CONFLICT (pipeline, name) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until,
                    token = CASE WHEN l.owner = excluded.owner THEN l.token ELSE excluded.token END
                WHERE l.owner = excluded.owner OR l.lease_until <= ?
                RETURNING token""".replace("{s}", s);
        holds = "SELECT 1 FROM {s}.locks WHERE pipeline = ? AND name = ? AND token = ? AND lease_until > ?"
                .replace("{s}", s);
        unlock = "DELETE FROM {s}.locks WHERE pipeline = ? AND name = ? AND token = ?".replace("{s}", s);
        holder = "SELECT owner, token FROM {s}.locks WHERE pipeline = ? AND name = ? AND lease_until > ?"
                .replace("{s}", s);
        incarnation = "SELECT id FROM {s}.incarnations WHERE pipeline = ?".replace("{s}", s);
        newIncarnation =
                "INSERT INTO {s}.incarnations (pipeline, id) VALUES (?, ?) ON CONFLICT DO NOTHING".replace("{s}", s);
        reset = List.of(
                "DELETE FROM {s}.locks WHERE pipeline = ?".replace("{s}", s),
                "DELETE FROM {s}.incarnations WHERE pipeline = ?".replace("{s}", s),
                "DELETE FROM {s}.digests WHERE pipeline = ?".replace("{s}", s),
                "DELETE FROM {s}.splits WHERE pipeline = ?".replace("{s}", s)); // members go with their split
        forgetExpired = "DELETE FROM {s}.workers WHERE pipeline = ? AND expires < ?".replace("{s}", s);
        announce = """
                INSERT INTO {s}.workers (pipeline, id, host, pid, started, threads, last_seen, expires)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (pipeline, id) DO UPDATE SET host = excluded.host, pid = excluded.pid,
                    started = excluded.started, threads = excluded.threads, last_seen = excluded.last_seen,
                    expires = excluded.expires""".replace("{s}", s);
        workers = """
                SELECT id, host, pid, started, threads, last_seen FROM {s}.workers
                WHERE pipeline = ? AND last_seen >= ? ORDER BY id""".replace("{s}", s);
        liveClaims = """
                SELECT owner, id FROM {s}.splits
                WHERE pipeline = ? AND state = 'claimed' AND lease_until > ? ORDER BY seq""".replace("{s}", s);
        leader = "SELECT holder FROM {s}.leaders WHERE pipeline = ? AND lease_until > ?".replace("{s}", s);
        // taken when free or expired, renewed by its holder; otherwise the WHERE leaves the row alone
        lead = """
                INSERT INTO {s}.leaders AS l (pipeline, holder, lease_until) VALUES (?, ?, ?)
                ON CONFLICT (pipeline) DO UPDATE SET holder = excluded.holder, lease_until = excluded.lease_until
                WHERE l.holder = excluded.holder OR l.lease_until <= ?""".replace("{s}", s);
        retire = List.of(
                "DELETE FROM {s}.workers WHERE pipeline = ? AND id = ?".replace("{s}", s),
                "DELETE FROM {s}.leaders WHERE pipeline = ? AND holder = ?".replace("{s}", s));
    }
}
