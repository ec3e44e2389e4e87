package io.sluice.spi;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** Lists the work as splits, and prepares a claimed split for reading. */
public interface Source {

    /**
     * Lists the source, registers the new splits in the ledger (idempotently: several planners may race) and
     * reports what it skipped and why. Registered splits never change afterwards.
     */
    Plan plan(Ledger ledger) throws IOException;

    /** Like {@link #plan} but registers nothing: what a run would do now. */
    Plan preview(Ledger ledger) throws IOException;

    /** Lines for {@code sluice status} about the source itself (e.g. how far each tailed log has been read). */
    default List<String> status(Ledger ledger) throws IOException {
        return List.of();
    }

    /**
     * Makes a claimed split readable by the engine: local files in a known format. May write spool files
     * under {@code scratch} (a byte range with its CSV header); the caller deletes {@code scratch} afterwards.
     * An input that changed since the split was planned, and is new work of its own, is left out: the parts may be
     * empty, and the split then has nothing to write.
     */
    Input open(Split split, Path scratch) throws IOException;

    /**
     * Whether every input of the split is still the version it was planned with. A sink that replaces the other
     * versions of an output ({@link OutputKey}) asks this right before it commits: a split whose input changed meanwhile
     * has, or will have, a newer version that writes the output instead. A source whose inputs never change keeps the
     * default.
     */
    default boolean current(Split split) throws IOException {
        return true;
    }

    /**
     * A few records of the input, read the way a split is read, so that the steps can be checked against the input's
     * columns before any split runs ({@code sluice validate}, the start of a run). Cheap: a head of the first input(s)
     * listed, not a plan. May write spool files under {@code scratch}; the caller deletes it.
     */
    default Sample sample(Path scratch) throws IOException {
        return Sample.none("this source gives no sample");
    }

    /** The split's inputs as a user knows them, for error messages: one name, or how many and the first. */
    default String describe(Split split) {
        List<Member> members = split.members();
        return members.size() == 1 ? members.getFirst().key()
                : members.size() + " files from " + members.getFirst().key();
    }

    /**
     * The split planned again without the inputs that fail when read on their own ({@code unreadable}, some of its
     * members): the other members together (in as few splits as this source's packing allows) and each unreadable one
     * as a split of its own, named by this source's rules, so that one bad file does not hold back the rest of its
     * pack. Every member of the split is in exactly one replacement. Empty when the source keeps the split whole: the
     * default, and for a split whose output must hold all of its inputs (one that replaces an earlier output).
     */
    default List<Split> divide(Split split, Set<Member> unreadable) {
        return List.of();
    }

    /**
     * Whether a later version of an input can be planned, whose output then replaces the earlier version's. Partial
     * results are not compacted when it can: a compacted file could not give up one split's rows.
     */
    default boolean plansNewVersions() {
        return false;
    }

    /**
     * The outcome of listing: new splits, every input left out with the reason, and notices worth a log line
     * (a truncated log, say).
     */
    record Plan(List<Split> splits, List<Skipped> skipped, List<String> notices) {
        public Plan {
            splits = List.copyOf(splits);
            skipped = List.copyOf(skipped);
            notices = List.copyOf(notices);
        }

        public Plan(List<Split> splits, List<Skipped> skipped) {
            this(splits, skipped, List.of());
        }

        public long count(Why why) {
            return skipped.stream().filter(s -> s.why() == why).count();
        }

        /** Inputs still being written, which become work by themselves once settled. */
        public long waiting() {
            return count(Why.WAITING);
        }

        /** Inputs whose split is done: processed by an earlier run (or by another process), not work of this plan. */
        public long processed() {
            return skipped.stream().filter(s -> s.why() == Why.SEEN && s.split() == SplitState.DONE).count();
        }
    }

    /**
     * An input left out of this plan, and why. {@code settleMillis > 0} (with {@link Why#WAITING}) means it is still
     * being written and becomes work by itself once it has not changed for that long.
     *
     * @param split with {@link Why#SEEN}: the state of the split that holds the input (pending, claimed or failed:
     *              registered but not processed yet); null when it is in no split of its own
     */
    record Skipped(String key, Why why, String reason, long settleMillis, SplitState split) {
        /** Registered already, in a split now in the given state (null: in none of its own, e.g. a copy of another). */
        public static Skipped seen(String key, SplitState split, String reason) {
            return new Skipped(key, Why.SEEN, reason, 0, split);
        }

        public static Skipped because(String key, String reason) {
            return new Skipped(key, Why.SKIPPED, reason, 0, null);
        }

        public static Skipped waiting(String key, String reason, long settleMillis) {
            return new Skipped(key, Why.WAITING, reason, settleMillis, null);
        }

        public boolean waiting() {
            return why == Why.WAITING;
        }
    }

    /** SEEN: already registered in this version; WAITING: not finished yet; SKIPPED: left out by a rule. */
    enum Why { SEEN, WAITING, SKIPPED }

    /**
     * What {@link #sample} found: the input to read, or why there is none (nothing to read yet, say).
     *
     * @param input null when there is no sample
     */
    record Sample(Input input, String absent) {
        public static Sample of(Input input) {
            return new Sample(java.util.Objects.requireNonNull(input), null);
        }

        public static Sample none(String why) {
            return new Sample(null, why);
        }

        public boolean present() {
            return input != null;
        }
    }

    /**
     * Files the engine reads for one split.
     *
     * @param parts  each file with the name a user knows it by (for dead letters and errors)
     * @param format csv | jsonl | parquet | text
     * @param header csv only: the files start with a header line
     * @param parse  text only: how lines become columns; null for one column {@code line}
     */
    record Input(List<Part> parts, String format, boolean header, LineParse parse) {
        public Input {
            parts = List.copyOf(parts);
        }
    }

    /**
     * A readable local file.
     *
     * @param file            what the engine reads (the input itself, or a spool of a byte range)
     * @param key             the name the user knows the input by
     * @param origin          the input file itself
     * @param startByte       where {@code file}'s data starts in {@code origin}
     * @param headerPrepended the spool starts with the header line copied from the top of {@code origin}
     */
    record Part(Path file, String key, Path origin, long startByte, boolean headerPrepended) {
        public static Part whole(Path file, String key) {
            return new Part(file, key, file, 0, false);
        }
    }
}
