package io.sluice.runner;

import io.sluice.engine.EngineErrors;
import io.sluice.engine.SplitProcessor;
import io.sluice.spi.AttemptFailure;
import io.sluice.spi.Folders;
import io.sluice.spi.KnownMember;
import io.sluice.spi.Member;
import io.sluice.spi.Split;
import io.sluice.spi.ledger.PlanStore;
import io.sluice.spi.source.ReadContext;
import io.sluice.spi.source.Source;
import io.sluice.spi.source.SplitReader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the inputs of a failed split that fail on their own, so that one truncated gzip, or one file holding a value a
 * step refuses, does not hold back the other files of its pack. Each member is read alone, to its end, through the
 * engine's reader ({@link Check#READ}), or also through the steps ({@link Check#STEPS}), its bad records counted when
 * they failed the split under {@code on_bad_record: fail} ({@link Check#BAD_RECORDS}), or its rows handed to the sink's
 * check of its values when the sink refused one ({@link Check#SINK_VALUES}); when some fail and others do
 * not, the source divides the split ({@link Source#divide}): the good members together, each bad one alone. When every
 * member passes (the error needs them together), or every one tried fails, the split stays whole and fails as usual,
 * its error naming the members that fail alone ({@link Whole}); so does a split whose error no member can hold alone
 * ({@link Check#of}). This is the only search of a pack's members one by one: the failed attempt itself does not look
 * for the file that holds a refused value.
 */
final class Divider {
    /** How much of an input's error the message about the division quotes. */
    private static final int CAUSE_CHARS = 200;

    /**
     * When this many members, tried first, all fail alone, the others are not tried: the cause is then most likely in
     * every member (a step wrong for this data, a store that cannot be reached), and trying on would read the whole
     * pack once more, file by file, only to divide nothing (a pack of 1,000 files, each holding the refused value).
     * The price: a pack whose first three files fail alone, and some later one would not, stays whole; its error names
     * the three, and its good files wait with them until they are fixed. Three, not one or two: a pack of monthly
     * exports with two bad months in a row is still divided.
     */
    static final int FIRST_FAILURES = 3;

    /** How far each member alone is taken to see whether it fails. */
    enum Check {
        /** Read to its end: for an error that may be one input's bytes (a damaged file, one that cannot be opened). */
        READ("unreadable"),
        /** Read and run through the steps, writing nothing: for a value a step refuses, an error that repeats. */
        STEPS("fail the steps alone"),
        /**
         * Read and run through the steps, writing nothing, bad records counted as a run counts them: for a split
         * failed by its bad records under {@code on_bad_record: fail}.
         */
        BAD_RECORDS("hold bad records"),
        /**
         * Read and run through the steps, their rows handed to the sink's check of its values, writing nothing the
         * sink holds: for a value the sink refuses ({@link io.sluice.spi.sink.Sink#checkValues}).
         */
        SINK_VALUES("hold a value the sink refuses");

        /** How the message about the division says what the bad members did. */
        private final String failed;

        Check(String failed) {
            this.failed = failed;
        }

        /**
         * How to find the members that caused a split's failure, empty when no one member can have: a sink's or a
         * command's refusal, a step that does not bind, are the same for every member (the steps alone would only find
         * a member whose own column types differ, which the pack read fine). An error that may pass is looked into
         * only when it came from reading the inputs: thrown while opening them (an object that cannot be fetched), or
         * by the engine, which reads them; not one of the sink's (its stage or commit, as an outage of its store) or
         * the ledger's, which would otherwise have every member read again at every attempt. Bad records that fail
         * the split ({@code on_bad_record: fail}) are some member's own.
         *
         * @param whileOpening thrown by the source's {@link Source#open}, before the engine read anything
         */
        static Optional<Check> of(Throwable failure, boolean whileOpening) {
            if (EngineErrors.badRecords(failure)) return Optional.of(BAD_RECORDS);
            if (sinkRefused(failure)) return Optional.of(SINK_VALUES);
            boolean reading = whileOpening || EngineErrors.of(failure).isPresent();
            if (EngineErrors.damagedInput(failure) || (reading && EngineErrors.retryable(failure)))
                return Optional.of(READ);
            return refusedValue(failure) ? Optional.of(STEPS) : Optional.empty();
        }

        /**
         * Whether a member that failed alone so holds what failed its split: under {@link #STEPS}, only a value it
         * refuses, under {@link #BAD_RECORDS} only its bad records; a member whose error alone is another one (its
         * columns detected as text, say) stays with the good.
         */
        boolean blames(Throwable alone) {
            return switch (this) {
                case READ -> true;
                case STEPS -> refusedValue(alone);
                case BAD_RECORDS -> EngineErrors.badRecords(alone);
                case SINK_VALUES -> sinkRefused(alone);
            };
        }

        /** A value the sink refuses, as its check finds one without writing ({@link AttemptFailure#refusedValue}). */
        private static boolean sinkRefused(Throwable e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof AttemptFailure f && f.refusedValue()) return true;
            }
            return false;
        }

        private static boolean refusedValue(Throwable e) {
            return EngineErrors.of(e)
                    .map(EngineErrors.EngineError::refusedValue)
                    .orElse(false);
        }
    }

    /** What trying each member alone came to: a {@link Division}, or the split left {@link Whole}. */
    sealed interface Outcome permits Division, Whole {}

    /**
     * The splits that replace a failed one, and the message that says so.
     *
     * @param splits  every member of the failed split in exactly one of them
     * @param message e.g. {@code split pack:a.csv.gz+9:1a2b3c4d: 1 of 10 files unreadable (b.csv.gz: ...); planned
     *                again as pack:a.csv.gz+8:5e6f7a8b (9 files) and b.csv.gz alone}, or {@code 1 of 10 files fail the
     *                steps alone (b.csv.gz: ...)}
     */
    record Division(List<Split> splits, String message) implements Outcome {
        Division {
            splits = List.copyOf(splits);
        }
    }

    /**
     * The split stays whole and fails as usual.
     *
     * @param found what its error should add, empty when nothing failed alone: which members fail alone, e.g.
     *     {@code all 3 files fail the steps alone (a.csv: ...; b.csv: ...; c.csv: ...)}
     */
    record Whole(Optional<String> found) implements Outcome {
        static final Whole QUIET = new Whole(Optional.empty());
    }

    /** The members that fail alone, each with what stopped it, in the split's order, and how many were tried. */
    private record Tried(Map<Member, String> bad, int tried) {
        /** Every member tried failed: nothing to divide. */
        boolean allFailed() {
            return bad.size() == tried;
        }
    }

    private final Source source;
    private final PlanStore ledger;
    private final SplitProcessor processor;

    Divider(Source source, PlanStore ledger, SplitProcessor processor) {
        this.source = source;
        this.ledger = ledger;
        this.processor = processor;
    }

    /**
     * How to plan the failed split again without its members that fail alone, or why it stays whole. Reads with the
     * worker's connection, under {@code scratch} (which the caller deletes).
     */
    Outcome divide(Connection c, Split split, Path scratch, Check check) {
        if (split.members().size() < 2) return Whole.QUIET;
        Tried tried = failingAlone(c, split, scratch, check);
        Map<Member, String> bad = tried.bad();
        if (bad.isEmpty()) return Whole.QUIET;
        int n = split.members().size();
        String which = " files " + check.failed + " (" + String.join("; ", bad.values()) + ")";
        if (tried.allFailed()) {
            return new Whole(Optional.of(
                    tried.tried() == n
                            ? "all " + n + which
                            : "the first " + tried.tried() + " of its " + n + which + "; "
                                    + (n - tried.tried() == 1
                                            ? "the last was"
                                            : "the other " + (n - tried.tried()) + " were")
                                    + " not tried: the cause is most likely in every file"));
        }
        List<Split> splits = source.divide(split, bad.keySet());
        if (splits.isEmpty() || !holdsEachOnce(splits, split) || laterSplitsHold(split))
            return new Whole(Optional.of(bad.size() + " of " + n + which + ", but the split is kept whole (its output "
                    + "must hold every file, or a file of it was planned again since)"));
        return new Division(splits, message(split, bad, splits, check));
    }

    /**
     * The members that fail alone, tried in the split's order, until the first {@link #FIRST_FAILURES} all failed.
     */
    private Tried failingAlone(Connection c, Split split, Path scratch, Check check) {
        Map<Member, String> bad = new LinkedHashMap<>();
        int n = 0;
        for (Member m : split.members()) {
            if (n == FIRST_FAILURES && bad.size() == n) break;
            Split alone = source.alone(split, m);
            Path dir = scratch.resolve("member-" + n++);
            try {
                Files.createDirectories(dir);
                try (SplitReader reader = source.open(alone, new ReadContext(dir))) {
                    switch (check) {
                        case READ -> processor.count(c, reader.files(), dir);
                        case STEPS -> processor.check(c, reader.files(), dir);
                        case BAD_RECORDS -> processor.badRecords(c, alone, reader.files(), dir);
                        case SINK_VALUES -> processor.sinkValues(c, alone, reader.files(), dir);
                    }
                }
            } catch (Exception e) {
                if (check.blames(e)) bad.put(m, source.describe(alone) + ": " + cause(e));
            } finally {
                try {
                    Folders.deleteTree(dir);
                } catch (java.io.IOException ignored) {
                    // removed with the split's scratch folder
                }
            }
        }
        return new Tried(bad, n);
    }

    /** The replacements hold every member of the split once, and nothing else: replacing loses and doubles nothing. */
    private static boolean holdsEachOnce(List<Split> replacements, Split split) {
        List<Member> all =
                replacements.stream().flatMap(r -> r.members().stream()).toList();
        // a split's members are distinct: as many, and the same set, means each once
        return all.size() == split.members().size() && new HashSet<>(all).equals(new HashSet<>(split.members()));
    }

    /**
     * Whether a split registered after this one holds some of its inputs (a changed file's new version, a log's next
     * range): a replacement, registered now, would then pass for the input's latest registration, from which planning
     * goes on (a log would be read again from the end of this split's range).
     */
    private boolean laterSplitsHold(Split split) {
        Map<String, KnownMember> known =
                ledger.known(split.members().stream().map(Member::key).toList());
        return split.members().stream()
                .anyMatch(m -> known.get(m.key()) == null
                        || !known.get(m.key()).splitId().equals(split.id()));
    }

    private String message(Split split, Map<Member, String> bad, List<Split> splits, Check check) {
        List<String> parts = new ArrayList<>();
        for (Split s : splits) {
            parts.add(
                    s.members().size() == 1 && bad.containsKey(s.members().getFirst())
                            ? s.id() + " alone"
                            : s.id() + " (" + s.members().size() + (s.members().size() == 1 ? " file)" : " files)"));
        }
        String planned = String.join(", ", parts.subList(0, parts.size() - 1)) + " and " + parts.getLast();
        return "split " + split.id() + ": " + bad.size() + " of "
                + split.members().size() + " files " + check.failed + " (" + String.join("; ", bad.values())
                + "); planned again as " + planned;
    }

    /** The first line of what stopped the read, shortened. */
    private static String cause(Exception e) {
        String message = e instanceof NoSuchFileException nf
                ? "no such file" + (nf.getReason() == null ? "" : " (" + nf.getReason() + ")")
                : e.getMessage() == null
                        ? e.getClass().getSimpleName()
                        : e.getMessage().strip();
        String line = message.lines().findFirst().orElse(message);
        return line.length() <= CAUSE_CHARS ? line : line.substring(0, CAUSE_CHARS) + "...";
    }
}
