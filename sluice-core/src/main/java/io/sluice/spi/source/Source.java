package io.sluice.spi.source;

import io.sluice.spi.Member;
import io.sluice.spi.Split;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Finds the work and reads it. A source proposes splits from a read-only view of what is known
 * ({@link #propose}); the framework registers them, settles races between planners, packs the units a source asks to
 * be packed, and previews a plan without registering it. A claimed split is opened ({@link #open}) and its reader
 * closed after the engine read it.
 *
 * <p>A split's payload (what the connector needs to read it) and its output key are the connector's: set by the
 * source when it proposes the split, stored by the ledger as they are, never parsed by the core. Its id only has to be
 * stable: the same input planned by any planner gets the same id.
 */
public interface Source extends AutoCloseable {

    /**
     * Checks the options against the input as it is, for {@code sluice validate} (a run meets the same mistakes when
     * it plans): a mistake in the pipeline (a table or column that is not there) is a
     * {@link io.sluice.config.ConfigException} at the option's line. An input that cannot be reached is no mistake, since
     * a pipeline may be validated offline: the returned note says what was not checked. Changes nothing.
     */
    default Optional<String> check() throws IOException {
        return Optional.empty();
    }

    /**
     * {@link #check()}, and the options against what the ledger holds of earlier runs ({@code known}), for
     * {@code sluice validate}: a mistake a run's plan would stop at (the jdbc source's changed definition)
     * is found there too. {@code known} opens the ledger at the first question, and is empty before the
     * first run (validate creates no ledger). The default checks the input only.
     */
    default Optional<String> check(KnownSplits known) throws IOException {
        return check();
    }

    /**
     * Lists the input and proposes the new splits, comparing what it finds with {@code known}. Changes nothing: called
     * again when a registration was refused (another planner came first), and for a preview ({@code sluice plan}).
     */
    Proposal propose(KnownSplits known) throws IOException;

    /**
     * {@link #propose} in batches, for an input too large to hold in memory at once (a bucket of millions of objects):
     * each batch is handed to {@code batches} as soon as it is proposed, and registered before this proposes the next,
     * so that a later batch sees what an earlier one registered. A batch stands on its own (its packs are closed in
     * it). The default proposes one batch: the whole proposal.
     */
    default void propose(KnownSplits known, java.util.function.Consumer<Proposal> batches) throws IOException {
        batches.accept(propose(known));
    }

    /**
     * Makes the units of one pack ({@link Proposal#units}, at least two, in order) one split, named and with the
     * payload and output key this source gives a pack. Only called for a source that proposes units.
     */
    default Split pack(List<Split> units) {
        throw new UnsupportedOperationException("this source proposes no units to pack");
    }

    /**
     * Tells the source, before its first plan, that a run plans with it ({@code sluice run}, a pool member; not
     * {@code validate}, {@code plan} or {@code status}), whether it watches (a watch run, a pool member), and where to
     * say, as it happens, what it waits for. A mistake its listing would refuse that a passing moment of the input can
     * make (a rotated log's name while logrotate creates its live log again) is refused in a run only when it is still
     * there after a short wait; a watching run that has planned once leaves such inputs out of each later plan, with
     * the reason, instead of ending there.
     */
    default void running(boolean watching, java.util.function.Consumer<String> say) {}

    /** Tells the source which of its proposals were registered, in order (to ask the ledger less next time). */
    default void registered(List<Split> splits) {}

    /**
     * Opens a claimed split for reading. An input that changed since the split was planned (and is new work of its
     * own), or that is gone, is left out with its reason ({@link SplitReader#skipped}); the split then may have
     * nothing to write.
     */
    SplitReader open(Split split, ReadContext context) throws IOException;

    /**
     * Lines for {@code sluice validate} and {@code sluice plan} about what the source leaves out by its own rules
     * (the pipeline's output folder, when it lies inside the source's), so that a user is not surprised by it.
     */
    default List<String> notes() {
        return List.of();
    }

    /** Lines for {@code sluice status} about the source itself (e.g. how far each tailed log has been read). */
    default List<String> status(KnownSplits known) throws IOException {
        return List.of();
    }

    /**
     * Called once the split's output is committed and the ledger recorded it done (never before): a source may then
     * remove or move its inputs ({@code after: delete | move_to}). A failure here loses nothing: the split is done.
     */
    default void processed(Split split) throws IOException {}

    /**
     * Whether every input of the split is still the version it was planned with. A sink that replaces the other
     * versions of an output ({@link io.sluice.spi.OutputKey}) asks this right before it commits: a split whose input
     * changed meanwhile has, or will have, a newer version that writes the output instead. A source whose inputs never
     * change keeps the default.
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
        return members.size() == 1
                ? members.getFirst().key()
                : members.size() + " files from " + members.getFirst().key();
    }

    /**
     * One member of the split as a split of its own, to read it alone (the divider's look at which member fails): the
     * split's id and the member, with what the split's payload says of that member, so it is read as it is in the
     * split. The default carries no payload; a source whose payload describes each member keeps that member's part.
     */
    default Split alone(Split split, Member member) {
        return new Split(split.id(), List.of(member), split.bytes());
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

    /** Releases what the source holds (a store's connections). */
    @Override
    default void close() throws IOException {}

    /**
     * What {@link #sample} found: the input to read, or why there is none (nothing to read yet, say).
     *
     * @param files null when there is no sample
     */
    record Sample(LocalFiles files, String absent) {
        public static Sample of(LocalFiles files) {
            return new Sample(java.util.Objects.requireNonNull(files), null);
        }

        public static Sample none(String why) {
            return new Sample(null, why);
        }

        public boolean present() {
            return files != null;
        }
    }
}
