package io.sluice.sources.files;

import io.sluice.sources.files.LineCutter.HeadSpool;
import io.sluice.spi.KnownMember;
import io.sluice.spi.Member;
import io.sluice.spi.Split;
import io.sluice.spi.source.KnownSplits;
import io.sluice.spi.source.Packing;
import io.sluice.spi.source.Skipped;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.GZIPInputStream;

/**
 * Plans growing files ({@code tail: true}). A log is known by its identity, a hash of its first
 * {@value #IDENTITY_BYTES} bytes, not by its name: after a rotation ({@code app.log} renamed to {@code app.log.1},
 * a new {@code app.log} created) the renamed file continues where its reading stopped, and the new file starts at 0.
 * Each scan registers the bytes appended since the end of the last registered range, up to the last complete line.
 * A file shorter than its registered end was truncated: it is read again from the start as a new generation.
 * A gzipped rotation is read once, from where the plain file's reading stopped to its end; one shorter than
 * {@value #IDENTITY_BYTES} bytes is known by all its bytes and its modification time, and so is a plain one the
 * {@code rotated} globs name as finished (nothing else tells a short finished rotation from a live log that will grow).
 */
final class TailPlanner {
    static final int IDENTITY_BYTES = 256;
    private static final String FIRST_GENERATION = "g1";

    /**
     * A listed file and the log it is.
     *
     * @param bytesAlone for a gzipped rotation shorter than {@value #IDENTITY_BYTES} bytes, the identity an earlier
     *                   Sluice gave it (a hash of its bytes alone); null otherwise
     * @param whole      a finished rotation shorter than {@value #IDENTITY_BYTES} bytes (gzipped, or plain and named by
     *                   {@code rotated}): read whole, once, known by its bytes and modification time
     * @param finished   a finished rotation (gzipped, or named by {@code rotated}): it grows no more, so it is read to
     *                   its end, a last line without a newline included
     */
    record Log(
            String identity,
            String key,
            Path path,
            long size,
            boolean compressed,
            String format,
            String bytesAlone,
            boolean whole,
            boolean finished) {}

    /**
     * New bytes {@code [start, end)} of one log; {@code index} counts this log's ranges in one plan, from 0;
     * {@code noted} is the range's {@link EndMarks mark} and where its generation's first range ends.
     */
    private record Range(Log log, String generation, long start, long end, int index, EndMarks.Noted noted) {}

    /** What a scan proposes: gzipped rotations as splits of their own, and the new ranges of plain logs to pack. */
    record Planned(List<Split> splits, List<Packing.Unit> units) {}

    private final Map<String, Path> located = new ConcurrentHashMap<>();
    private final Rotated rotated;

    /** @param rotated the files that are finished rotations ({@code source.files.rotated}) */
    TailPlanner(Rotated rotated) {
        this.rotated = rotated;
    }

    /** The identities of the listed files; files too short to identify (or unreadable) are reported and left out. */
    List<Log> identify(List<FilesSource.Found> files, List<Skipped> skipped) throws IOException {
        Map<String, Log> plain = new LinkedHashMap<>();
        List<Log> compressed = new ArrayList<>();
        for (FilesSource.Found f : files) {
            boolean gz = f.key().toLowerCase(java.util.Locale.ROOT).endsWith(".gz");
            if (Formats.compressed(f.key()) && !gz) {
                skipped.add(Skipped.because(
                        f.key(), "tail reads rotated logs compressed with gzip only; decompress it or exclude it"));
                continue;
            }
            Head head;
            try {
                head = head(f.path(), gz);
            } catch (java.nio.file.NoSuchFileException e) {
                continue; // rotated away while listing: the next scan finds it under its new name
            } catch (java.util.zip.ZipException | java.io.EOFException e) {
                skipped.add(Skipped.because(f.key(), "not a readable gzip file: " + e.getMessage()));
                continue;
            }
            // a gzipped rotation is complete, and so is one `rotated` names: a shorter one is known by all its bytes
            // (its live file, as short, was never read), else a rotated log's last few lines would wait for ever for a
            // file that no longer grows
            boolean finished = gz || rotated.names(f.key());
            if (head.bytes().length < IDENTITY_BYTES && !finished) {
                // skipped, not seen: the run's summary must not count it as processed
                skipped.add(Skipped.because(
                        f.key(),
                        "shorter than " + IDENTITY_BYTES + " bytes: too short to tell it apart "
                                + "from other logs; it is read once it has grown. If it is a finished rotation "
                                + "that stays this short, name it in source.files.rotated (e.g. \"*.log.[0-9]*\") "
                                + "to have it read whole, once"));
                continue;
            }
            boolean whole = finished && head.bytes().length < IDENTITY_BYTES;
            long mtime = f.object().lastModified().toEpochMilli();
            Log log = new Log(
                    whole ? identity(head.bytes(), mtime) : identity(head.bytes()),
                    f.key(),
                    f.path(),
                    head.size(),
                    gz,
                    f.format(),
                    whole && gz ? identity(head.bytes()) : null,
                    whole,
                    finished);
            Log twin = gz ? null : plain.putIfAbsent(log.identity(), log);
            if (twin != null && twin.finished() && !log.finished()) {
                // copytruncate's copy, listed before its live log (app-20261120.log sorts before app.log): the log is
                // read from the live file, which also holds the lines written after the copy
                plain.put(log.identity(), log);
                Log copy = twin;
                twin = null;
                skipped.add(copyOf(copy, log));
            }
            if (gz) {
                compressed.add(log);
            } else if (twin == null) {
                // a log is read from the file its ranges are planned in, never from a twin left out below: a twin has
                // other bytes after the first ones (another node's log with the same banner, a copytruncate's copy)
                located.put(log.identity(), f.path());
            } else if (log.finished() && !twin.finished()) {
                skipped.add(copyOf(log, twin));
            } else {
                skipped.add(Skipped.because(
                        f.key(),
                        "its first " + IDENTITY_BYTES + " bytes are the same as " + twin.key()
                                + "'s, so tail cannot tell the two logs apart; only " + twin.key()
                                + " is read (give each log "
                                + "a distinct start, e.g. a timestamp, or exclude one)"));
            }
        }
        List<Log> logs = new ArrayList<>(plain.values());
        for (Log gz : compressed) {
            Log same = plain.get(gz.identity());
            if (same != null) {
                skipped.add(Skipped.seen(
                        gz.key(), null, "the same log as " + same.key() + ", which is still there uncompressed"));
            } else {
                logs.add(gz); // while its plain file is there, that one is read
                located.put(gz.identity(), gz.path());
                if (gz.bytesAlone() != null) located.putIfAbsent(gz.bytesAlone(), gz.path()); // (an earlier Sluice's)
            }
        }
        return logs;
    }

    /** A finished rotation with the same first bytes as a live log: a copy of it, left out while the live one is read. */
    private static Skipped copyOf(Log copy, Log live) {
        return Skipped.seen(
                copy.key(),
                null,
                "a copy of " + live.key() + " (the same first " + IDENTITY_BYTES + " bytes), as logrotate's "
                        + "copytruncate makes before it truncates the live log: the log is read from " + live.key()
                        + ", and the copy once the live log no longer starts with these bytes");
    }

    /**
     * New byte ranges of each log, cut at line boundaries into ranges of at most {@code splitSize}, as units to pack:
     * the ranges of many logs share a split, so a scan that finds a few lines in each of 50 logs makes one split, not
     * 50. A pack never holds two ranges of one log (a unit's exclusive key is its log), and the units come in order of
     * their index within their log (every log's first range, then every second range, ...; path order within an
     * index), so a log's later range is always in a later split: the ledger's latest member of a log (where the next
     * scan continues) is then its last range. A gzipped rotation is a split of its own, read once.
     */
    Planned plan(List<Log> logs, KnownSplits ledger, long splitSize, List<Skipped> skipped, List<String> notices)
            throws IOException {
        Map<String, KnownMember> known = known(logs, ledger);
        Map<String, Split> registered = registered(logs, known, ledger);
        List<Split> splits = new ArrayList<>();
        List<Range> ranges = new ArrayList<>();
        for (Log log : logs) {
            KnownMember k = knownOf(log, known);
            if (k != null && k.end() == Member.WHOLE) {
                skipped.add(Skipped.seen(
                        log.key(),
                        k.state(),
                        "read completely (split " + k.splitId() + ", "
                                + k.state().label() + ")"));
                continue;
            }
            String generation = k == null ? FIRST_GENERATION : k.fingerprint();
            long from = k == null ? 0 : k.end();
            if (log.compressed() || log.whole()) {
                List<Member> whole = List.of(new Member(log.identity(), generation, from, Member.WHOLE, null));
                splits.add(new Split(
                        log.key() + "#" + from + "-end" + tag(log.identity(), generation),
                        whole,
                        log.size(),
                        EndMarks.payload(
                                List.of(new EndMarks.Noted(null, k == null ? null : headEnd(k, registered, ledger)))),
                        null));
                continue;
            }
            // every read of this log's planning goes through one open file, checked to be this log: a rotation
            // may have put another log under its name since it was listed
            try (FileChannel ch = FileChannel.open(log.path(), StandardOpenOption.READ)) {
                if (!identity(readHead(ch)).equals(log.identity())) continue; // rotated meanwhile: next scan
                long size = ch.size();
                if (size < from && log.finished()) {
                    // a finished rotation is never truncated: it is a copy made before the live log's last lines
                    // (logrotate's copytruncate), which were read from the live log
                    skipped.add(Skipped.seen(
                            log.key(),
                            k.state(),
                            "a finished rotation of " + size + " bytes, and its log was read to byte " + from
                                    + " from its live file: nothing in it is left to read (a copy made before the "
                                    + "live log's last lines, as logrotate's copytruncate makes)"));
                    continue;
                }
                if (size < from) {
                    notices.add(log.key() + " was truncated (" + size + " bytes, read to " + from
                            + "): reading it again from the start");
                    generation = nextGeneration(generation);
                    from = 0;
                }
                // a live log's bytes after its last newline are a line still being written (in a csv log, after its
                // last record end: a newline inside a quoted field ends no record); a finished rotation's are its last
                // line, which will never get its newline
                byte[] header = "csv".equals(log.format()) ? LineCutter.headerLine(ch) : null;
                long to = log.finished() ? size : endOfLastRecord(ch, header, from, size);
                if (to <= from) {
                    skipped.add(Skipped.seen(
                            log.key(),
                            k == null ? null : k.state(),
                            "up to date at byte " + from
                                    + (size > from
                                            ? " (" + (size - from)
                                                    + " bytes of an unfinished line wait for their newline)"
                                            : "")));
                    continue;
                }
                List<Long> cuts = header == null
                        ? LineCutter.cuts(ch, from, to, splitSize, false)
                        : LineCutter.csvCuts(ch, header, from, to, splitSize);
                // a new log's (or generation's) first range is the head of its every range, in this run and later ones
                Long head = from == 0 ? cuts.get(1) : headEnd(k, registered, ledger);
                for (int i = 0; i + 1 < cuts.size(); i++) {
                    long start = cuts.get(i);
                    long end = cuts.get(i + 1);
                    ranges.add(new Range(
                            log, generation, start, end, i, new EndMarks.Noted(EndMarks.of(ch, start, end), head)));
                }
            } catch (java.nio.file.NoSuchFileException e) {
                // rotated away since it was listed: the next scan finds it under its new name
            }
        }
        List<Packing.Unit> units = ranges.stream()
                .sorted(java.util.Comparator.comparingInt(Range::index))
                .map(r -> new Packing.Unit(
                        packSplit(
                                List.of(new Member(r.log().identity(), r.generation(), r.start(), r.end(), null)),
                                r.log().key(),
                                List.of(r.noted())),
                        r.log().format(),
                        r.log().identity()))
                .toList();
        return new Planned(splits, units);
    }

    /**
     * A split of one range is named by its file, range and log ({@code app.log#0-512@6d013cdf}); a pack by its first
     * range, the number of others and a hash of every member, so the id is the same for every planner that plans
     * the same ranges, and differs for any other set.
     */
    private static Split packSplit(List<Member> members, String firstFile, List<EndMarks.Noted> noted) {
        Member first = members.getFirst();
        return pack(
                firstFile + "#" + first.start() + "-" + first.end() + tag(first.key(), first.fingerprint()),
                members,
                noted);
    }

    /**
     * Ranges packed under the name of the first one's split ({@code first}); one range is that split. Its payload
     * carries what is {@link EndMarks.Noted noted} of each range ({@code noted}, in the members' order).
     */
    static Split pack(String first, List<Member> members, List<EndMarks.Noted> noted) {
        long bytes = members.stream().mapToLong(m -> m.end() - m.start()).sum();
        String payload = EndMarks.payload(noted);
        if (members.size() == 1) return new Split(first, members, bytes, payload, null);
        StringBuilder all = new StringBuilder();
        members.forEach(m -> all.append(m.key())
                .append('\0')
                .append(m.fingerprint())
                .append('\0')
                .append(m.start())
                .append('\0')
                .append(m.end())
                .append('\n'));
        return new Split(
                "pack:" + first + "+" + (members.size() - 1) + ":"
                        + sha256(all.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8))
                                .substring(0, 16),
                members,
                bytes,
                payload,
                null);
    }

    /** A member of a split of tailed ranges as a split of its own, under the split's id, with what it notes of it. */
    static Split alone(Split split, Member member) {
        return new Split(
                split.id(),
                List.of(member),
                split.bytes(),
                EndMarks.payload(EndMarks.of(split, List.of(member))),
                null);
    }

    /**
     * A pack of ranges planned again as a pack of the {@code readable} ones and each other range alone, named like the
     * splits of a plan, by the file each log is in now ({@code fileOf} of its identity). Each range keeps its log,
     * generation and bytes, and no split gets two ranges of one log. A gzipped rotation is always a split of its own,
     * so only plain ranges are ever divided.
     */
    List<Split> divide(Split split, List<Member> readable, java.util.function.UnaryOperator<String> fileOf) {
        List<Split> out = new ArrayList<>();
        out.add(packSplit(readable, fileOf.apply(readable.getFirst().key()), EndMarks.of(split, readable)));
        for (Member m : split.members()) {
            if (!readable.contains(m))
                out.add(packSplit(List.of(m), fileOf.apply(m.key()), EndMarks.of(split, List.of(m))));
        }
        return out;
    }

    /**
     * Where the first range of the generation of a log registered to {@code k} ends, as {@code k}'s split notes it. A
     * split of an earlier Sluice notes none: the ranges planned now take the log up to the first of them as their head,
     * as that one's head was by the earlier rule (the bytes before a range), so they agree from now on.
     */
    private static Long headEnd(KnownMember k, Map<String, Split> registered, KnownSplits ledger) {
        // looked up alone when the log grew after it was listed (its split was not among those asked for at once)
        Split split = registered.containsKey(k.splitId())
                ? registered.get(k.splitId())
                : ledger.split(k.splitId()).orElse(null);
        Long noted = null;
        for (int i = 0; split != null && i < split.members().size(); i++) {
            Member m = split.members().get(i);
            if (m.key().equals(k.key()) && m.fingerprint().equals(k.fingerprint()) && m.start() == k.start())
                noted = EndMarks.of(split).get(i).headEnd();
        }
        return noted != null ? noted : k.end();
    }

    /**
     * The splits the logs with bytes to plan were registered last in, by id, which note where their generation's first
     * range ends ({@link #headEnd}): one batched look-up, and none for a log that did not grow (a scan of a watched
     * folder of many quiet logs asks a network ledger nothing more).
     */
    private static Map<String, Split> registered(List<Log> logs, Map<String, KnownMember> known, KnownSplits ledger) {
        java.util.Set<String> ids = new java.util.LinkedHashSet<>(); // a pack holds many logs
        for (Log log : logs) {
            KnownMember k = knownOf(log, known);
            if (k != null && k.end() != Member.WHOLE && (log.compressed() || log.whole() || log.size() > k.end()))
                ids.add(k.splitId());
        }
        return ids.isEmpty() ? Map.of() : ledger.splits(ids);
    }

    /** What the ledger holds of these logs, by identity (and of short rotations, by their bytes alone too). */
    private static Map<String, KnownMember> known(List<Log> logs, KnownSplits ledger) {
        List<String> identities = new ArrayList<>();
        for (Log log : logs) {
            identities.add(log.identity());
            if (log.bytesAlone() != null) identities.add(log.bytesAlone());
        }
        return ledger.members(identities);
    }

    /**
     * The latest registration of a log. A short gzipped rotation that an earlier Sluice read, knowing it by its bytes
     * alone, was read: which of the files with these bytes it was is not known, so each counts as read, as before.
     */
    private static KnownMember knownOf(Log log, Map<String, KnownMember> known) {
        KnownMember k = known.get(log.identity());
        return k != null || log.bytesAlone() == null ? k : known.get(log.bytesAlone());
    }

    /** Per log: how far it is registered, whether that last range is done, and how many bytes are not read yet. */
    List<String> status(List<Log> logs, KnownSplits ledger) {
        Map<String, KnownMember> known = known(logs, ledger);
        List<String> lines = new ArrayList<>();
        for (Log log : logs) {
            KnownMember k = knownOf(log, known);
            if (k == null) {
                lines.add(log.key() + ": not read yet (" + log.size() + " bytes)");
            } else if (k.end() == Member.WHOLE) {
                lines.add(
                        log.key() + ": " + (log.compressed() ? "compressed" : "finished") + " rotation, read from byte "
                                + k.start() + " to its end ("
                                + k.state().label() + ")");
            } else {
                long behind = Math.max(0, log.size() - k.end());
                lines.add(log.key() + ": read to byte " + k.end() + " of " + log.size() + " (last range "
                        + k.state().label() + "), " + behind + " byte(s) behind"
                        + (log.size() < k.end() ? " (truncated: read again at the next scan)" : ""));
            }
        }
        return lines;
    }

    /** The file a log identity is in now; null when no listed file has it (removed, or not listed yet). */
    Path locate(String identity) {
        return located.get(identity);
    }

    /**
     * Copies the log's bytes {@code [start, end)} (gzip: of its decompressed content, to its end) into the spool,
     * after checking, on the same open file, that it still is the log with this identity: a rotation may have put
     * another log under the name since it was planned. Returns false when it is not; throws {@link EndMarks.Gone} when
     * its planned bytes are no longer in it (it was truncated since).
     *
     * @param head null, or the log's head to spool, written from the same open file
     */
    static boolean spool(
            Path file,
            boolean gz,
            String identity,
            long start,
            long end,
            byte[] header,
            String mark,
            Path spool,
            TypingHead head)
            throws IOException {
        boolean spooled = copy(file, gz, identity, start, end, header, spool, head);
        if (spooled && mark != null && end != Member.WHOLE && !mark.equals(EndMarks.ofSpool(spool, end - start))) {
            throw new EndMarks.Gone("its bytes [" + start + ", " + end + ") are no longer the ones planned: the"
                    + " log was truncated and written again since (it starts with the same " + IDENTITY_BYTES
                    + " bytes, so it is read again from its start as a new generation); the planned bytes went with"
                    + " the truncation");
        }
        return spooled;
    }

    /**
     * The head a range of a log is typed by, to spool ({@link HeadSpool#write}: its first records before {@code end},
     * within {@link FilesSource#HEAD_BYTES}), which gives a csv range its columns' types, a range of JSON lines its
     * columns; not written when no record end in it can be trusted.
     *
     * @param end where the log's head ends: its generation's first range's end (the range's own, when it is that one),
     *     or the range's start for a range of an earlier Sluice, which noted none
     */
    record TypingHead(HeadSpool spool, long end) {}

    /** {@link #spool}'s copy, without the check of its bytes. */
    private static boolean copy(
            Path file, boolean gz, String identity, long start, long end, byte[] header, Path spool, TypingHead typing)
            throws IOException {
        HeadSpool top = typing == null ? null : typing.spool();
        int headBytes = typing == null ? 0 : (int) Math.min(typing.end(), FilesSource.HEAD_BYTES);
        if (!gz) {
            try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
                byte[] head = readHead(in);
                // a short finished rotation (`rotated`) is known by its bytes and time, and read whole
                boolean whole = head.length < IDENTITY_BYTES
                        && end == Member.WHOLE
                        && identity(head, Files.getLastModifiedTime(file).toMillis())
                                .equals(identity);
                if (!whole && (head.length < IDENTITY_BYTES || !identity(head).equals(identity))) return false;
                if (top != null) {
                    java.nio.ByteBuffer first = java.nio.ByteBuffer.allocate(headBytes);
                    while (first.hasRemaining() && in.read(first, first.position()) > 0) {}
                    top.write(java.util.Arrays.copyOf(first.array(), first.position()), FilesSource.HEAD_RECORDS);
                }
                long to = whole ? in.size() : end;
                try (OutputStream out = Files.newOutputStream(spool, StandardOpenOption.CREATE_NEW);
                        var ch = java.nio.channels.Channels.newChannel(out)) {
                    if (header != null) out.write(header);
                    long pos = start;
                    while (pos < to) {
                        long n = in.transferTo(pos, to - pos, ch);
                        if (n <= 0 && in.size() < to) {
                            // checked above to start with this log's bytes: a plain file only gets shorter when it is
                            // truncated, and the planned bytes go with that
                            throw new EndMarks.Gone("its bytes [" + start + ", " + to + ") are no longer in it: the"
                                    + " log was truncated since (it is " + in.size() + " bytes now, and starts with the"
                                    + " same " + IDENTITY_BYTES + " bytes, so it is read again from its start as a new"
                                    + " generation); the planned bytes went with the truncation");
                        }
                        if (n <= 0) {
                            throw new java.io.EOFException(file + " ends at byte " + pos + ", before the range ["
                                    + start + ", " + to + ") planned in this log");
                        }
                        pos += n;
                    }
                }
                return true;
            }
        }
        long mtime = Files.getLastModifiedTime(file).toMillis();
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file), 1 << 16)) {
            byte[] head = in.readNBytes(IDENTITY_BYTES); // shorter: the whole of a short rotation (identify)
            if (!identity(head).equals(identity)
                    && !(head.length < IDENTITY_BYTES && identity(head, mtime).equals(identity))) {
                return false;
            }
            // the log's first bytes, as many as its head needs (which may reach into the range, at byte 0)
            byte[] first = top == null || headBytes <= head.length
                    ? head
                    : concat(head, in.readNBytes(headBytes - head.length));
            try (OutputStream out = Files.newOutputStream(spool, StandardOpenOption.CREATE_NEW)) {
                if (header != null) out.write(header);
                // a range planned in the plain file may be read after the file was rotated and compressed: then only
                // its bytes, or the rest of the log would be read twice (again by the compressed rotation's own split)
                long left = end == Member.WHOLE ? Long.MAX_VALUE : end - start;
                if (start < first.length) {
                    int n = (int) Math.min(left, first.length - start);
                    out.write(first, (int) start, n);
                    left -= n;
                } else {
                    long gap = start - first.length;
                    if (in.skip(gap) < gap && in.read() < 0) {
                        // a gzipped copy made before the live log's last lines, which were read from the live log
                        if (end == Member.WHOLE) return true;
                        throw new java.io.EOFException(
                                file + " ends before the range [" + start + ", " + end + ") planned in this log");
                    }
                }
                if (top != null)
                    top.write(
                            java.util.Arrays.copyOf(first, Math.min(first.length, headBytes)),
                            FilesSource.HEAD_RECORDS);
                byte[] buf = new byte[1 << 16];
                int n;
                while (left > 0 && (n = in.read(buf, 0, (int) Math.min(buf.length, left))) > 0) {
                    out.write(buf, 0, n);
                    left -= n;
                }
                if (end != Member.WHOLE && left > 0) {
                    throw new java.io.EOFException(file + " ends " + left + " byte(s) before the range [" + start + ", "
                            + end + ") planned in this log");
                }
            }
            return true;
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    /**
     * Whether a file not settled yet may be the log with {@code identity}: its first bytes are that log's, or it is a
     * gzip whose first bytes cannot be read yet (still being written).
     */
    static boolean mayBe(Path file, String key, String identity) {
        boolean gz = key.toLowerCase(java.util.Locale.ROOT).endsWith(".gz");
        try {
            byte[] head = head(file, gz).bytes();
            return head.length < IDENTITY_BYTES ? gz : identity(head).equals(identity);
        } catch (java.util.zip.ZipException | java.io.EOFException e) {
            return gz;
        } catch (IOException e) {
            return false; // gone, or unreadable: not where this log is read from
        }
    }

    /** The first bytes of a log and its size, read from one open file so that both belong to the same file. */
    private record Head(byte[] bytes, long size) {}

    private static Head head(Path file, boolean gz) throws IOException {
        if (gz) {
            try (InputStream in = new GZIPInputStream(Files.newInputStream(file), 4096)) {
                return new Head(in.readNBytes(IDENTITY_BYTES), Files.size(file));
            }
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            return new Head(readHead(ch), size);
        }
    }

    private static byte[] readHead(FileChannel ch) throws IOException {
        ByteBuffer head = ByteBuffer.allocate(IDENTITY_BYTES);
        while (head.hasRemaining() && ch.read(head, head.position()) > 0) {
            // positional reads until the buffer is full or the file ends
        }
        return java.util.Arrays.copyOf(head.array(), head.position());
    }

    private static String identity(byte[] head) {
        return "tail:" + sha256(head).substring(0, 24);
    }

    /**
     * A gzipped rotation shorter than {@value #IDENTITY_BYTES} bytes is known by all its bytes and its modification
     * time: two rotations of a quiet log with the same lines (heartbeats, one day and the next) are two files to read,
     * while a rotation renamed by the next one (.1.gz to .2.gz) keeps its time, so it is still the one read. gzip gives
     * the compressed file the time of the log it compressed.
     */
    private static String identity(byte[] head, long mtime) {
        byte[] withTime = java.util.Arrays.copyOf(head, head.length + Long.BYTES);
        ByteBuffer.wrap(withTime, head.length, Long.BYTES).putLong(mtime);
        return "tail:" + sha256(withTime).substring(0, 24);
    }

    /** The end of the last complete record in {@code [from, size)}: of a csv log (its first line given), or line. */
    private static long endOfLastRecord(FileChannel ch, byte[] csvHeader, long from, long size) throws IOException {
        long end = csvHeader == null ? -1 : LineCutter.endOfLastRecord(ch, csvHeader, from, size);
        return end >= 0 ? end : endOfLastLine(ch, from, size);
    }

    /** One past the last newline in {@code [from, size)}, or {@code from} when there is none. */
    private static long endOfLastLine(FileChannel ch, long from, long size) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        long end = size;
        while (end > from) {
            int n = (int) Math.min(buf.capacity(), end - from);
            buf.clear().limit(n);
            long at = end - n;
            while (buf.hasRemaining() && ch.read(buf, at + buf.position()) > 0) {
                // positional reads until the window is full
            }
            for (int i = buf.position() - 1; i >= 0; i--) if (buf.get(i) == '\n') return at + i + 1;
            end -= n;
        }
        return from;
    }

    /** Split ids name the file, the range, the log and (after a truncation) the generation, so none repeats. */
    private static String tag(String identity, String generation) {
        String id = "@" + identity.substring(5, 13);
        return generation.equals(FIRST_GENERATION) ? id : id + "." + generation;
    }

    private static String nextGeneration(String generation) {
        return "g" + (Long.parseLong(generation.substring(1)) + 1);
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
