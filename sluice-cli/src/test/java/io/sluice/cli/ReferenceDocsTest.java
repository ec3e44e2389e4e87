package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.pipeline.Components;
import io.sluice.pipeline.ReferenceDocs;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/reference.md is generated from the option declarations; this fails when someone forgot to regenerate it. */
class ReferenceDocsTest {
    @Test
    void committedReferenceMatchesTheDeclarations() throws Exception {
        Path committed = Path.of("..", "docs", "reference.md");
        assertThat(Files.readString(committed))
                .as("docs/reference.md is stale: run `./sluice docs --out docs/reference.md`")
                .isEqualTo(ReferenceDocs.render(Components.discover()));
    }
}
