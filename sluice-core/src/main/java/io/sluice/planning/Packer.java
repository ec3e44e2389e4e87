package io.sluice.planning;

import io.sluice.spi.Split;
import io.sluice.spi.source.Packing;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Packs the small units a source proposed into splits, by the source's {@link Packing}: per group, in the order
 * proposed, closing a pack when it is full (units or bytes) or when the next unit's exclusive key is in it already.
 * A pack of one unit is that unit's split; a larger one is made by the source ({@code combine}), which names it.
 */
public final class Packer {
    private Packer() {}

    public static List<Split> pack(List<Packing.Unit> units, Packing p, Function<List<Split>, Split> combine) {
        if (units.isEmpty()) return List.of();
        long total = units.stream().mapToLong(u -> u.split().bytes()).sum();
        long bytesPerPack = Math.min(p.maxBytes(), Math.max(p.minBytes(), ceil(total, p.parallelism())));
        int unitsPerPack = p.spreadUnits()
                ? (int) Math.min(p.maxUnits(), Math.max(1, ceil(units.size(), p.parallelism())))
                : p.maxUnits();
        Map<String, List<Packing.Unit>> byGroup = new LinkedHashMap<>();
        units.forEach(
                u -> byGroup.computeIfAbsent(u.group(), g -> new ArrayList<>()).add(u));
        List<Split> out = new ArrayList<>();
        for (List<Packing.Unit> group : byGroup.values()) {
            List<Split> current = new ArrayList<>();
            Set<String> exclusive = new HashSet<>();
            long bytes = 0;
            for (Packing.Unit u : group) {
                long size = u.split().bytes();
                if (!current.isEmpty()
                        && (current.size() >= unitsPerPack
                                || bytes + size > bytesPerPack
                                || (u.exclusive() != null && exclusive.contains(u.exclusive())))) {
                    out.add(done(current, combine));
                    current = new ArrayList<>();
                    exclusive.clear();
                    bytes = 0;
                }
                current.add(u.split());
                if (u.exclusive() != null) exclusive.add(u.exclusive());
                bytes += size;
            }
            if (!current.isEmpty()) out.add(done(current, combine));
        }
        return out;
    }

    private static Split done(List<Split> pack, Function<List<Split>, Split> combine) {
        return pack.size() == 1 ? pack.getFirst() : combine.apply(List.copyOf(pack));
    }

    private static long ceil(long a, long b) {
        return (a + b - 1) / b;
    }
}
