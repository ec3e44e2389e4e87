package io.sluice.bench;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/**
 * B7 input, written straight into a bucket of an S3-compatible server: OBJECTS CSV objects of about BYTES bytes each
 * ({@link Rows}' billing rows, one seed per object, ids unique across objects) at {@code PREFIX/o00000.csv}, ...
 * Credentials and region come from the AWS default chain (the environment). Prints "rows=N bytes=M objects=K".
 *
 * <p>Usage: {@code GenB7 ENDPOINT BUCKET PREFIX OBJECTS BYTES_PER_OBJECT}
 */
public final class GenB7 {
    private GenB7() {
    }

    public static void main(String[] args) throws Exception {
        URI endpoint = URI.create(args[0]);
        String bucket = args[1];
        String prefix = args[2];
        int objects = Integer.parseInt(args[3]);
        long target = Long.parseLong(args[4]);
        // Small objects are bound by round trips, big ones by memory (each thread holds one object).
        int threads = target > 10_000_000 ? 2 : 8;
        AtomicLong rows = new AtomicLong();
        AtomicLong bytes = new AtomicLong();
        long t0 = System.nanoTime();
        try (S3Client s3 = S3Client.builder().endpointOverride(endpoint).forcePathStyle(true)
                .httpClientBuilder(ApacheHttpClient.builder().maxConnections(threads)).build();
             ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<?>> done = new ArrayList<>();
            for (int o = 0; o < objects; o++) {
                int object = o;
                done.add(pool.submit(() -> {
                    Rows r = new Rows(7_000L + object, (int) target + 512);
                    r.put(Rows.HEADER.getBytes());
                    long id = object * 100_000_000L; // ids stay unique across objects
                    while (r.pos < target) r.row(id++);
                    String key = prefix + "o%05d.csv".formatted(object);
                    s3.putObject(PutObjectRequest.builder().bucket(bucket).key(key).contentType("text/csv").build(),
                            RequestBody.fromContentProvider(() -> new ByteArrayInputStream(r.buf, 0, r.pos), r.pos, "text/csv"));
                    rows.addAndGet(id - object * 100_000_000L);
                    bytes.addAndGet(r.pos);
                    return null;
                }));
            }
            for (Future<?> d : done) d.get();
        }
        System.err.printf("GenB7: %d objects into s3://%s/%s, %.0f MB in %.1f s%n", objects, bucket, prefix,
                bytes.get() / 1e6, (System.nanoTime() - t0) / 1e9);
        System.out.printf("rows=%d bytes=%d objects=%d%n", rows.get(), bytes.get(), objects);
    }
}
