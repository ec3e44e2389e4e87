package io.sluice.bench;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.processor.idempotent.FileIdempotentRepository;

/**
 * B2 peer: Apache Camel's file consumer with a file-backed idempotent repository, the way a Camel user makes
 * a folder-to-folder copy exactly-once across restarts. Runs until EXPECTED files are in OUT, then stops Camel.
 *
 * <p>Usage: {@code CamelB2 IN_DIR OUT_DIR REPO_FILE EXPECTED}
 */
public final class CamelB2 {
    public static void main(String[] args) throws Exception {
        Path in = Path.of(args[0]);
        Path out = Path.of(args[1]);
        File repoFile = new File(args[2]);
        int expected = Integer.parseInt(args[3]);
        AtomicLong copied = new AtomicLong();
        long t0 = System.nanoTime();
        try (DefaultCamelContext camel = new DefaultCamelContext()) {
            // The in-memory cache must hold every key, otherwise keys evicted from it are looked up in the file.
            camel.getRegistry().bind("repo", FileIdempotentRepository.fileIdempotentRepository(repoFile, 4 * expected));
            camel.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    // initialDelay=0: Camel's default 1 s start-up delay would only add idle time.
                    from("file:" + in + "?noop=true&idempotent=true&idempotentRepository=#repo&recursive=true"
                            + "&initialDelay=0")
                            .to("file:" + out)
                            .process(e -> copied.incrementAndGet());
                }
            });
            camel.start();
            // The counter moves once a file is written to OUT; checking it every 5 ms is cheaper than listing OUT.
            while (copied.get() < expected) {
                TimeUnit.MILLISECONDS.sleep(5);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            camel.stop();
            long inOut;
            try (Stream<Path> s = Files.walk(out)) {
                inOut = s.filter(Files::isRegularFile).count();
            }
            if (inOut != expected) {
                throw new IllegalStateException("expected " + expected + " files in " + out + ", found " + inOut);
            }
            System.out.printf("camel files=%d seconds=%.3f%n", inOut, seconds);
        }
    }
}
