package io.sluice.kubernetes.manifest;

import io.sluice.config.Connection;
import io.sluice.config.Field;
import io.sluice.config.Options;
import io.sluice.config.Type;
import io.sluice.steps.exec.ExecStepFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The local paths a pipeline's source, steps and sink name: what a pod needs on a volume or in the ConfigMap; and the
 * connections its blocks name: whose variables a pod cannot start without.
 */
final class LocalPaths {
    /**
     * One path option: where it is written ({@code source.files.path}), the path made absolute, and the way out besides
     * a volume for it.
     */
    record Found(String option, Path path, String otherwise) {
        Found(String option, Path path) {
            this(option, path, "use an object store (s3://, gs://, az://)");
        }
    }

    /** One option's value, with where it is written and its type. */
    private interface Visitor {
        void value(String option, Object value, Type<?> type);
    }

    private LocalPaths() {}

    /** Every local path (not an object-store URL) written in a block or below it, but the key files. */
    static List<Found> in(Options.Selected block) {
        List<Found> found = new ArrayList<>();
        walk(block, (option, v, type) -> {
            switch (type) {
                case Type.FilePath p when p.secret() -> {}
                case Type.FilePath p -> found.add(new Found(option, (Path) v));
                case Type.PathOrUrl l -> {
                    if (!Type.PathOrUrl.isUrl(v.toString())) found.add(new Found(option, Path.of(v.toString())));
                }
                default -> {}
            }
        });
        return found;
    }

    /**
     * The program of an {@code exec} step that runs in the pods (no {@code image}) when it is a file of the pipeline's
     * folder: a program with a {@code /} is relative to the pipeline file, so the pods run it from their copy of the
     * folder, which holds it only on a volume. One with a placeholder is known per input only.
     */
    static Optional<Found> program(Options.Selected step, Path folder) {
        if (!step.kind().equals("exec") || !(step.value() instanceof Options o)) return Optional.empty();
        if (o.has(ExecStepFactory.IMAGE)) return Optional.empty();
        List<String> command = o.find(ExecStepFactory.COMMAND).orElse(List.of());
        if (command.isEmpty()) return Optional.empty();
        String program = command.getFirst();
        if (!program.contains("/") || program.contains("{")) return Optional.empty();
        Path path = folder.resolve(program).normalize();
        if (!path.startsWith(folder)) return Optional.empty(); // elsewhere: the image's own, at the same path
        return Optional.of(new Found(
                o.pathOf(ExecStepFactory.COMMAND.name()) + "[0]",
                path,
                "name a program of the image (on its PATH, or its absolute path there)"));
    }

    /** The key files ({@link Type#SECRET_PATH}) written in the blocks or below them. */
    static List<Found> keyFiles(List<Options.Selected> blocks) {
        List<Found> found = new ArrayList<>();
        blocks.forEach(b -> walk(b, (option, v, type) -> {
            if (type instanceof Type.FilePath p && p.secret()) found.add(new Found(option, (Path) v));
        }));
        return found;
    }

    /** The names of the connections ({@code connection: NAME}) written in the blocks or below them. */
    static Set<String> connections(List<Options.Selected> blocks) {
        Set<String> names = new LinkedHashSet<>();
        blocks.forEach(b -> walk(b, (option, v, type) -> {
            if (type instanceof Type.ConnectionName) names.add(((Connection) v).name());
        }));
        return names;
    }

    private static void walk(Options.Selected block, Visitor visitor) {
        if (block.value() instanceof Options o) walk(o, visitor);
    }

    private static void walk(Options o, Visitor visitor) {
        for (Field<?> f : o.declared().fields()) {
            Object v = o.values().get(f.name());
            if (v != null) value(o.pathOf(f.name()), v, f.type(), visitor);
        }
    }

    private static void value(String option, Object v, Type<?> type, Visitor visitor) {
        switch (type) {
            case Type.Obj obj -> walk((Options) v, visitor);
            case Type.Variant variant -> walk((Options.Selected) v, visitor);
            case Type.ListOf<?> list -> {
                int i = 0;
                for (Object item : (List<?>) v) value(option + "[" + i++ + "]", item, list.element(), visitor);
            }
            case Type.MapOf<?> map -> {
                for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                    value(option + "." + e.getKey(), e.getValue(), map.value(), visitor);
                }
            }
            default -> visitor.value(option, v, type);
        }
    }
}
