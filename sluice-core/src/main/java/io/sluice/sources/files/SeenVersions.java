package io.sluice.sources.files;

import io.sluice.spi.KnownMember;
import io.sluice.spi.Member;
import io.sluice.spi.OutputKey;
import io.sluice.spi.Split;
import io.sluice.spi.SplitState;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The file versions this process has seen registered, so that each scan of a large folder asks the ledger only about
 * new and changed files: a watch run over 100,000 finished files otherwise looks up 100,000 keys every interval
 * (on DynamoDB, two item reads each). A registered split never changes, so a version once registered stays so;
 * only a reset of the pipeline's state, by another process, forgets it. The memory is therefore dropped every
 * {@link #FORGET_AFTER}: a reset's files are planned again within that time.
 *
 * <p>Entries are kept only for the version a file has now; what the ledger says about a file that changed is
 * looked up every time, and so is everything when any listed file changed (a changed file that was packed is
 * planned again with the pack's other files, from what the ledger holds now).
 *
 * <p>At most {@link #MAX_KEYS} files are remembered, so that the memory does not grow with a bucket of millions of
 * objects: beyond them, the ledger is asked about the others at each listing (in batches, as the listing goes).
 */
final class SeenVersions {
    static final Duration FORGET_AFTER = Duration.ofMinutes(10);

    /** About 40 MB of keys, fingerprints and split ids. */
    static final int MAX_KEYS = 200_000;

    private final Clock clock;
    private final Map<String, KnownMember> byKey = new HashMap<>();
    private long forgetAt = Long.MIN_VALUE;

    SeenVersions(Clock clock) {
        this.clock = clock;
    }

    /** What the memory holds for these listed files (key to fingerprint): only those seen in this very version. */
    synchronized Map<String, KnownMember> recall(Map<String, String> listed) {
        long now = clock.millis();
        if (now >= forgetAt || now < forgetAt - FORGET_AFTER.toMillis()) { // (or the clock was set back)
            byKey.clear();
            forgetAt = now + FORGET_AFTER.toMillis();
        }
        Map<String, KnownMember> recalled = new HashMap<>();
        listed.forEach((key, fingerprint) -> {
            KnownMember k = byKey.get(key);
            if (k != null && OutputKey.fileVersion(k.fingerprint()).equals(fingerprint)) recalled.put(key, k);
        });
        return recalled;
    }

    /** Remembers what the ledger said about files in the version listed now. */
    synchronized void saw(Collection<KnownMember> known, Map<String, String> listed) {
        for (KnownMember k : known) {
            if (OutputKey.fileVersion(k.fingerprint()).equals(listed.get(k.key()))) remember(k);
        }
    }

    /**
     * Remembers splits this process registered, in registration order: a file's last member is what the ledger
     * would say (a split holds one member per file; a file's ranges are registered in order, in splits of their own).
     */
    synchronized void registered(List<Split> splits) {
        for (Split split : splits) {
            for (Member m : split.members()) {
                remember(new KnownMember(m.key(), m.fingerprint(), m.start(), m.end(), split.id(), SplitState.PENDING));
            }
        }
    }

    /** A file already remembered is updated; a new one only while there is room. */
    private void remember(KnownMember k) {
        if (byKey.size() < MAX_KEYS || byKey.containsKey(k.key())) byKey.put(k.key(), k);
    }
}
