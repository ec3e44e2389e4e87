package io.sluice.cli;

import io.sluice.spi.Folders;
import io.sluice.testkit.Workspace;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives a test (through its constructor or a method parameter) a {@link Workspace} in a temp folder of its own, deleted
 * after the test: the {@code @TempDir} field, the workspace field and the {@code @BeforeEach} that joined them, once.
 */
final class WorkspaceExtension implements ParameterResolver {
    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Workspace.class;
    }

    @Override
    public Workspace resolveParameter(ParameterContext parameter, ExtensionContext context) {
        try {
            Path dir = Files.createTempDirectory("sluice-cli-test-");
            context.getStore(ExtensionContext.Namespace.create(WorkspaceExtension.class, dir))
                    .put(dir, (AutoCloseable) () -> Folders.deleteTree(dir));
            return Workspace.in(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
