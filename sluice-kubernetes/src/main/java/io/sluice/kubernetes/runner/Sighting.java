package io.sluice.kubernetes.runner;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * What a list of the pipeline's Jobs or pods showed that an informer's cache may have missed: a watch the API server
 * ended and refuses anew, or one broken without a word, leaves the cache as it was, and fabric8 tells neither (it
 * tries the watch again on its own, its informer still "watching"). Only what cannot be undone is taken from the list,
 * so a list older than the cache never hides what the cache saw since: an end ({@code ended}), a disappearance (an
 * object in the cache before the list was sent and not in it), and an object the cache does not show at all.
 */
final class Sighting<T extends HasMetadata> {
    /** The listed objects that had ended, by uid. */
    private final Map<String, T> ended;
    /** The uids of the objects the cache showed before the list and the list did not. */
    private final Set<String> gone;

    /**
     * The listed objects the cache did not show before the list (not those it showed and has dropped since: a Job
     * deleted after the list stays gone).
     */
    private final List<T> unseen;

    private Sighting(Map<String, T> ended, Set<String> gone, List<T> unseen) {
        this.ended = ended;
        this.gone = gone;
        this.unseen = unseen;
    }

    /** Before the first list: the cache as it is. */
    static <T extends HasMetadata> Sighting<T> none() {
        return new Sighting<>(Map.of(), Set.of(), List.of());
    }

    /** A list sent after the cache showed {@code cachedBefore}. */
    static <T extends HasMetadata> Sighting<T> of(List<T> cachedBefore, List<T> listed, Predicate<T> ended) {
        Set<String> gone = new HashSet<>();
        for (T t : cachedBefore) gone.add(t.getMetadata().getUid());
        Map<String, T> ends = new HashMap<>();
        List<T> unseen = new ArrayList<>();
        for (T t : listed) {
            String uid = t.getMetadata().getUid();
            if (!gone.remove(uid)) unseen.add(t);
            else if (ended.test(t)) ends.put(uid, t);
        }
        return new Sighting<>(ends, gone, unseen);
    }

    /** The cache with what the list showed and it missed. */
    List<T> view(List<T> cached) {
        List<T> out = new ArrayList<>(cached.size());
        Set<String> names = new HashSet<>();
        for (T t : cached) {
            names.add(t.getMetadata().getName());
            String uid = t.getMetadata().getUid();
            if (!gone.contains(uid)) out.add(ended.getOrDefault(uid, t));
        }
        for (T t : unseen) if (!names.contains(t.getMetadata().getName())) out.add(t);
        return out;
    }
}
