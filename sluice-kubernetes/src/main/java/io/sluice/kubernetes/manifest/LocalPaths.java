package io.sluice.kubernetes.manifest;

import io.sluice.config.Field;
import io.sluice.config.Options;
import io.sluice.config.Type;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The local paths a pipeline's source, steps and sink name: what a pod needs on a volume or in the ConfigMap. */
final class LocalPaths {
    /** One path option: where it is written ({@code source.files.path}) and the path made absolute. */
    record Found(String option, Path path) {}

    private LocalPaths() {}

    /** Every local path (not an object-store URL) written in a block or below it. */
    static List<Found> in(Options.Selected block) {
        List<Found> found = new ArrayList<>();
        if (block.value() instanceof Options o) walk(o, found);
        return found;
    }

    private static void walk(Options o, List<Found> found) {
        for (Field<?> f : o.declared().fields()) {
            Object v = o.values().get(f.name());
            if (v != null) value(o.pathOf(f.name()), v, f.type(), found);
        }
    }

    private static void value(String option, Object v, Type<?> type, List<Found> found) {
        switch (type) {
            case Type.FilePath p -> found.add(new Found(option, (Path) v));
            case Type.PathOrUrl l -> {
                if (!Type.PathOrUrl.isUrl(v.toString())) found.add(new Found(option, Path.of(v.toString())));
            }
            case Type.Obj obj -> walk((Options) v, found);
            case Type.Variant variant -> {
                if (((Options.Selected) v).value() instanceof Options o) walk(o, found);
            }
            case Type.ListOf<?> list -> {
                int i = 0;
                for (Object item : (List<?>) v) value(option + "[" + i++ + "]", item, list.element(), found);
            }
            case Type.MapOf<?> map -> {
                for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                    value(option + "." + e.getKey(), e.getValue(), map.value(), found);
                }
            }
            default -> {}
        }
    }
}
