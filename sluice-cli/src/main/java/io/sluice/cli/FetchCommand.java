package io.sluice.cli;

import io.sluice.config.Validator;
import io.sluice.kubernetes.files.Fetcher;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** The pod's download step of the Kubernetes Jobs mode: a split's files from the controller's file server. */
@Command(
        name = "fetch",
        footer = {
            "%nExamples:",
            "  sluice fetch \"$URL1\" \"$URL2\" --to /work/in",
            "  sluice fetch \"$URL\" --to /work/in --ca /etc/sluice/files-ca.pem"
        },
        description = "Download a split's files from the Kubernetes controller's file server (signed URLs, as the "
                + "controller gives its pods) into a folder, each checked against the size and sha256 its URL "
                + "carries. Exit 0 when every file arrived whole, 3 when one's content did not match its checksum (rewritten "
                + "since its URL was signed), 1 for any other failure.")
final class FetchCommand implements Callable<Integer> {
    @Mixin
    HelpOption help;

    @Parameters(paramLabel = "URL", arity = "1..*", description = "Signed file URLs of the file server.")
    List<URI> urls;

    @Option(
            names = "--to",
            required = true,
            paramLabel = "DIR",
            description = "Folder to write the files to (created), each at the path its URL names.")
    Path to;

    @Option(
            names = "--ca",
            paramLabel = "FILE",
            description = "The file server's certificate (or its CA's), PEM or DER, for an https server whose "
                    + "certificate the JDK does not trust.")
    Path ca;

    @Option(
            names = "--read-timeout",
            paramLabel = "DURATION",
            defaultValue = "60s",
            description = "How long the server may send nothing, before its answer or within a file, before the "
                    + "download is tried again (3 attempts in all; default: ${DEFAULT-VALUE}).")
    String readTimeout;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try {
            Duration read = Validator.parseDuration(readTimeout);
            if (read == null || read.toMillis() < 1) {
                throw new UserError(
                        "sluice fetch: --read-timeout " + readTimeout + " is not a duration such as 30s or 2m", 2);
            }
            Fetcher fetcher = new Fetcher(ca == null ? null : Fetcher.trusting(ca), Fetcher.CONNECT_TIMEOUT, read);
            for (Path file : fetcher.fetch(urls, to)) out.println("fetched " + file);
        } catch (Fetcher.ChecksumMismatch e) {
            // its own code: the controller reads the file's checksum anew for the next Job only on this one
            throw new UserError("sluice fetch: " + e.getMessage(), Fetcher.CHECKSUM_MISMATCH_EXIT);
        } catch (IOException e) {
            throw new UserError("sluice fetch: " + e.getMessage(), 1);
        }
        return 0;
    }
}
