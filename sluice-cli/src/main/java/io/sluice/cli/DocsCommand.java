package io.sluice.cli;

import io.sluice.pipeline.Components;
import io.sluice.pipeline.ReferenceDocs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "docs",
        footer = {"%nExamples:", "  sluice docs | less", "  sluice docs --out docs/reference.md"},
        description =
                "Print (or write) the reference of every pipeline option, generated from the option declarations.")
final class DocsCommand implements Callable<Integer> {
    @Mixin
    HelpOption help;

    @Option(names = "--out", description = "Write the reference to this file instead of printing it.")
    Path out;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        String text = ReferenceDocs.render(Components.discover());
        if (out == null) {
            spec.commandLine().getOut().print(text);
        } else {
            Files.writeString(out, text);
        }
        return 0;
    }
}
