package io.sluice.pipeline;

import io.sluice.spi.ComponentFactory;
import io.sluice.spi.LedgerFactory;
import io.sluice.spi.sink.SinkFactory;
import io.sluice.spi.source.SourceFactory;
import io.sluice.spi.StepFactory;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.ServiceLoader;

/** Every component on the class path, by role and kind; found with {@link ServiceLoader}. */
public record Components(
        Map<String, SourceFactory> sources,
        Map<String, StepFactory> steps,
        Map<String, SinkFactory> sinks,
        Map<String, LedgerFactory> ledgers) {

    public static Components discover() {
        ClassLoader loader = Components.class.getClassLoader();
        return new Components(
                load(SourceFactory.class, loader),
                load(StepFactory.class, loader),
                load(SinkFactory.class, loader),
                load(LedgerFactory.class, loader));
    }

    private static <T extends ComponentFactory> Map<String, T> load(Class<T> role, ClassLoader loader) {
        Map<String, T> byKind = new LinkedHashMap<>();
        ServiceLoader.load(role, loader).stream()
                .map(ServiceLoader.Provider::get)
                .sorted(java.util.Comparator.comparing(ComponentFactory::kind))
                .forEach(f -> {
                    T previous = byKind.putIfAbsent(f.kind(), f);
                    if (previous != null) {
                        throw new IllegalStateException("two " + role.getSimpleName() + "s claim the kind '" + f.kind()
                                + "': " + previous.getClass().getName() + " and " + f.getClass().getName());
                    }
                });
        return java.util.Collections.unmodifiableMap(byKind);
    }
}
