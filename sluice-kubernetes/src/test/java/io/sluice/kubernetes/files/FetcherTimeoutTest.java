package io.sluice.kubernetes.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file server that stops sending does not hang the pod: the read timeout ends the wait, before the headers and
 * within the body, and the download is tried again (3 attempts), then fails naming the file and the timeout. Against a
 * local socket that accepts and never answers (or answers half a file).
 */
class FetcherTimeoutTest {
    private static final Duration READ_TIMEOUT = Duration.ofMillis(300);

    @TempDir
    Path dir;

    /** A server on the loopback that accepts every connection, writes {@code first} and then nothing. */
    private static final class Stalling implements AutoCloseable {
        final ServerSocket socket;
        final AtomicInteger accepted = new AtomicInteger();
        final List<Socket> open = new ArrayList<>();
        final Thread thread;

        Stalling(String first) throws IOException {
            socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            thread = Thread.ofPlatform().daemon().start(() -> {
                try {
                    while (true) {
                        Socket s = socket.accept();
                        accepted.incrementAndGet();
                        synchronized (open) {
                            open.add(s);
                        }
                        OutputStream out = s.getOutputStream();
                        out.write(first.getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                    }
                } catch (IOException e) {
                    // closed: the test is over
                }
            });
        }

        URI url(String path, long size) {
            return new FileUrl(
                            "s1", path, size, 0, "00".repeat(32), Instant.now().plusSeconds(600))
                    .toUri(URI.create("http://127.0.0.1:" + socket.getLocalPort()), SigningKey.generate());
        }

        @Override
        public void close() throws Exception {
            socket.close();
            synchronized (open) {
                for (Socket s : open) s.close();
            }
            thread.join(5_000);
        }
    }

    @Test
    void aServerThatNeverAnswersFailsAfterThreeAttemptsInsteadOfHanging() throws Exception {
        try (Stalling server = new Stalling("")) {
            Fetcher fetcher = new Fetcher(null, Duration.ofSeconds(5), READ_TIMEOUT);
            long start = System.nanoTime();
            assertThatThrownBy(() -> fetcher.fetch(List.of(server.url("a.csv", 10)), dir.resolve("pod")))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("cannot download a.csv of split s1")
                    .hasMessageContaining("the server sent nothing for 300 ms (the read timeout; --read-timeout)")
                    .hasMessageContaining("(after 3 attempts)");
            assertThat(server.accepted).as("tried again").hasValue(3);
            // 3 timeouts and the waits between attempts (1 s, 2 s); far from forever
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
        }
        assertThat(Files.exists(dir.resolve("pod/a.csv"))).isFalse();
    }

    @Test
    void aBodyThatStopsHalfWayIsTriedAgainAndLeavesNoPartialFile() throws Exception {
        String half = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\nContent-Type: text/csv\r\n\r\nid\n1";
        try (Stalling server = new Stalling(half)) {
            Fetcher fetcher = new Fetcher(null, Duration.ofSeconds(5), READ_TIMEOUT);
            assertThatThrownBy(() -> fetcher.fetch(List.of(server.url("b.csv", 10)), dir.resolve("pod")))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("the download of b.csv of split s1")
                    .hasMessageContaining("broke off: the server sent nothing for 300 ms")
                    .hasMessageContaining("(after 3 attempts)");
            assertThat(server.accepted).hasValue(3);
        }
        try (var left = Files.list(dir.resolve("pod"))) {
            assertThat(left).as("no file, no .sluice-part").isEmpty();
        }
    }
}
