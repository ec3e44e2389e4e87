package io.sluice.storage.s3;

import io.sluice.spi.Utf8;
import io.sluice.spi.storage.ObjectChangedException;
import io.sluice.spi.storage.ObjectStore;
import io.sluice.spi.storage.StoredObject;
import io.sluice.spi.storage.WriteCondition;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Predicate;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.Bucket;
import software.amazon.awssdk.services.s3.model.ChecksumMode;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.EncodingType;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListMultipartUploadsResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A bucket and prefix of S3 or an S3-compatible server. One request per operation where S3 allows it: LIST per page,
 * HEAD per stat, GET per read, PUT per small write. Versions are ETags; reads and conditional writes send them as
 * {@code If-Match} (and {@code If-None-Match: *}), which S3 applies atomically, so
 * {@link Capabilities#conditionalWrites()} is true. The SDK here (2.25) predates S3's conditional writes, so those
 * headers are set by hand.
 */
public final class S3ObjectStore implements ObjectStore {
    private static final long MAX_SINGLE_COPY = 5L << 30; // CopyObject's limit; larger copies go in parts
    static final int PARTS_IN_FLIGHT = 4;
    /** S3 takes at most 10,000 parts per multipart upload. */
    static final int MAX_PARTS = 10_000;

    private static final String PART_WITHOUT_ETAG =
            "CompleteMultipartUpload names each part by its ETag, so the upload is aborted, never completed";

    private final S3Client s3;
    private final CredentialChain credentials;
    private final String bucket;
    private final String prefix;
    private final S3Settings settings;
    private final S3Errors errors;
    private final int maxParts;
    private static final Logger LOG = LoggerFactory.getLogger(S3ObjectStore.class);
    private volatile IfMatchDelete ifMatchDelete = IfMatchDelete.UNKNOWN;
    private final ExecutorService uploads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "s3-upload-part");
        t.setDaemon(true);
        return t;
    });

    S3ObjectStore(
            S3Client s3, CredentialChain credentials, String bucket, String prefix, S3Settings settings, int maxParts) {
        this.s3 = s3;
        this.maxParts = maxParts;
        this.credentials = credentials;
        this.bucket = bucket;
        this.prefix = prefix;
        this.settings = settings;
        this.errors = new S3Errors(bucket, prefix, settings, credentials::source, this::buckets);
    }

    /** The buckets these credentials can see, or none when they may not list them (s3:ListAllMyBuckets). */
    private List<String> buckets() {
        try {
            return s3.listBuckets().buckets().stream()
                    .map(Bucket::name)
                    .sorted()
                    .toList();
        } catch (SdkException e) {
            return List.of();
        }
    }

    @Override
    public String root() {
        return "s3://" + bucket + "/" + prefix;
    }

    @Override
    public String describe(String key) {
        return root() + key;
    }

    /**
     * The endpoint, then the root: another S3-compatible server's bucket of the same name is another place (AWS's
     * bucket names are global, so without an endpoint the root says it all).
     */
    @Override
    public String place() {
        return settings.endpoint().map(e -> e + " ").orElse("") + root();
    }

    /** Bucket, prefix, region and endpoint, for {@code validate}. */
    @Override
    public String toString() {
        return root() + " (" + settings.describe() + ")";
    }

    @Override
    public Stream<StoredObject> list(String keyPrefix, String startAfter) throws IOException {
        Pages pages = new Pages(keyPrefix, startAfter);
        return StreamSupport.stream(
                Spliterators.spliteratorUnknownSize(
                        pages, Spliterator.ORDERED | Spliterator.NONNULL | Spliterator.DISTINCT),
                false);
    }

    @Override
    public Optional<StoredObject> stat(String key) throws IOException {
        try {
            HeadObjectResponse r =
                    s3.headObject(b -> b.bucket(bucket).key(prefix + key).checksumMode(ChecksumMode.ENABLED));
            // S3 answers every object with its ETag; an S3-compatible server may not (S3Proxy's file system store for a
            // folder "dir/"): no version to read it by, so no object, as the listing leaves it out too
            if (r.eTag() == null) return Optional.empty();
            // S3 always sends both; without them (was a NullPointerException) the size and settle time would be
            // guesses, and a split planned on a guessed size reads too little or too much
            String what = "the metadata request (HEAD) for " + describe(key);
            if (r.contentLength() == null) {
                throw errors.missing(
                        "a Content-Length",
                        what,
                        "without the object's size it can be neither planned nor read safely");
            }
            if (r.lastModified() == null) {
                throw errors.missing(
                        "a Last-Modified",
                        what,
                        "without the time it was written Sluice cannot tell whether it is settled (finished)");
            }
            return Optional.of(object(key, r.contentLength(), r.lastModified(), r.eTag(), r.checksumSHA256()));
        } catch (SdkException e) {
            // a HEAD answer has no body: a missing bucket looks like a missing key here (list names it)
            if (e instanceof S3Exception s && s.statusCode() == 404) return Optional.empty();
            throw errors.translate(e, "reading the metadata of " + describe(key), describe(key));
        }
    }

    @Override
    public InputStream read(String key, String version, long offset, long length) throws IOException {
        if (length == 0) return InputStream.nullInputStream();
        GetObjectRequest.Builder get = GetObjectRequest.builder().bucket(bucket).key(prefix + key);
        if (offset > 0 || length > 0) get.range("bytes=" + offset + "-" + (length > 0 ? offset + length - 1 : ""));
        if (version != null) get.ifMatch(quoted(version));
        try {
            return new Body(s3.getObject(get.build()));
        } catch (SdkException e) {
            if (S3Errors.conditionFailed(e)) {
                throw new ObjectChangedException(
                        key, describe(key) + " changed: it is no longer version " + version + " that was listed");
            }
            if (e instanceof S3Exception s && s.statusCode() == 416) return InputStream.nullInputStream();
            throw errors.translate(e, "reading " + describe(key), describe(key));
        }
    }

    @Override
    public StoredObject write(String key, Path file, WriteCondition condition) throws IOException {
        long size = Files.size(file);
        if (size > settings.partSize()) return multipart(key, file, size, condition);
        return put(key, Files.readAllBytes(file), condition);
    }

    @Override
    public StoredObject write(String key, byte[] content, WriteCondition condition) throws IOException {
        return put(key, content, condition);
    }

    private StoredObject put(String key, byte[] content, WriteCondition condition) throws IOException {
        byte[] sha256 = sha256().digest(content);
        try {
            String etag = s3.putObject(
                            b -> b.bucket(bucket)
                                    .key(prefix + key)
                                    .contentLength((long) content.length)
                                    .checksumSHA256(Base64.getEncoder().encodeToString(sha256))
                                    .overrideConfiguration(conditional(condition)),
                            RequestBody.fromContentProvider(
                                    () -> new ByteArrayInputStream(content),
                                    content.length,
                                    "application/octet-stream"))
                    .eTag();
            StoredObject o =
                    object(key, content.length, Instant.now(), etag(etag, "the write of " + describe(key)), null);
            Map<String, String> sums = new HashMap<>(o.checksums());
            sums.put("sha256", HexFormat.of().formatHex(sha256));
            return new StoredObject(key, o.size(), o.lastModified(), o.version(), sums);
        } catch (SdkException e) {
            if (S3Errors.conditionFailed(e)) {
                // the SDK retries a PUT whose answer was lost: its first attempt may have landed, and the retry
                // then fails its own condition; the same bytes in place mean the write is done
                Optional<StoredObject> now =
                        holding(key, "sha256", HexFormat.of().formatHex(sha256));
                if (now.isPresent()) return now.get();
            }
            throw writeError(e, key, condition);
        }
    }

    /**
     * In parts of {@code part_size} (larger for a file that would need more than S3's 10,000 parts: {@link #partSize}),
     * {@value #PARTS_IN_FLIGHT} at a time (so at most that many parts in memory); completed under the condition,
     * aborted on any failure once no part is in flight.
     */
    private StoredObject multipart(String key, Path file, long size, WriteCondition condition) throws IOException {
        String uploadId;
        try {
            uploadId = s3.createMultipartUpload(b -> b.bucket(bucket).key(prefix + key))
                    .uploadId();
        } catch (SdkException e) {
            throw errors.translate(e, "starting the upload of " + describe(key), describe(key));
        }
        long part = partSize(size);
        int count = (int) ((size + part - 1) / part);
        BlockingQueue<byte[]> buffers = new ArrayBlockingQueue<>(Math.min(PARTS_IN_FLIGHT, count));
        while (buffers.remainingCapacity() > 0) buffers.add(new byte[Math.toIntExact(part)]);
        List<Future<CompletedPart>> inFlight = new ArrayList<>();
        try (FileChannel ch = FileChannel.open(file)) {
            for (int number = 1; number <= count; number++) {
                byte[] buffer = buffers.take();
                if (inFlight.stream().anyMatch(f -> f.state() == Future.State.FAILED)) break; // reported below
                int n = readFully(ch, buffer);
                int partNumber = number;
                inFlight.add(uploads.submit(() -> {
                    try {
                        String etag = s3.uploadPart(
                                        b -> b.bucket(bucket)
                                                .key(prefix + key)
                                                .uploadId(uploadId)
                                                .partNumber(partNumber)
                                                .contentLength((long) n),
                                        RequestBody.fromContentProvider(
                                                () -> new ByteArrayInputStream(buffer, 0, n),
                                                n,
                                                "application/octet-stream"))
                                .eTag();
                        // CompleteMultipartUpload names each part by its ETag: a null one went into it as nothing
                        if (etag == null) {
                            throw errors.missing(
                                    "an ETag",
                                    "part " + partNumber + " of the upload of " + describe(key),
                                    PART_WITHOUT_ETAG);
                        }
                        return CompletedPart.builder()
                                .partNumber(partNumber)
                                .eTag(etag)
                                .build();
                    } finally {
                        buffers.add(buffer);
                    }
                }));
            }
            List<CompletedPart> parts = new ArrayList<>();
            for (Future<CompletedPart> f : inFlight) parts.add(f.get());
            String etag = s3.completeMultipartUpload(b -> b.bucket(bucket)
                            .key(prefix + key)
                            .uploadId(uploadId)
                            .multipartUpload(m -> m.parts(parts))
                            .overrideConfiguration(conditional(condition)))
                    .eTag();
            return object(key, size, Instant.now(), etag(etag, "the write of " + describe(key)), null);
        } catch (ExecutionException | InterruptedException | IOException | RuntimeException e) {
            Exception cause = e instanceof ExecutionException x && x.getCause() instanceof Exception c ? c : e;
            for (Future<CompletedPart> f : inFlight) awaitQuietly(f); // an abort with parts in flight may not hold
            abort(key, uploadId, cause);
            if (cause instanceof SdkException sdk) throw writeError(sdk, key, condition);
            if (cause instanceof IOException io) throw io;
            if (cause instanceof InterruptedException) Thread.currentThread().interrupt();
            throw new IOException("writing " + describe(key) + " failed: " + cause, cause);
        }
    }

    private static void awaitQuietly(Future<?> f) {
        try {
            f.get();
        } catch (ExecutionException | CancellationException failed) {
            // reported through the first failure
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void abort(String key, String uploadId, Exception cause) {
        try {
            s3.abortMultipartUpload(b -> b.bucket(bucket).key(prefix + key).uploadId(uploadId));
        } catch (SdkException e) {
            // abortIncompleteWrites (or a bucket lifecycle rule) removes it later
            cause.addSuppressed(e);
        }
    }

    private IOException writeError(SdkException e, String key, WriteCondition condition) {
        if (S3Errors.conditionFailed(e) || condition instanceof WriteCondition.IfVersion && S3Errors.notFound(e)) {
            return new ObjectChangedException(
                    key,
                    describe(key)
                            + switch (condition) {
                                case WriteCondition.IfAbsent a -> " already exists; written only if absent";
                                case WriteCondition.IfVersion v ->
                                    " is no longer version " + v.version() + " that the write expected";
                                case WriteCondition.None n -> " changed during the write";
                            });
        }
        return errors.translate(e, "writing " + describe(key), describe(key));
    }

    @Override
    public StoredObject copy(String fromKey, String toKey) throws IOException {
        return copyFrom(this, fromKey, null, toKey);
    }

    /**
     * Server-side (CopyObject; in parts with UploadPartCopy above 5 GB) from a store on the same S3 endpoint, whose
     * bucket this store's credentials are then expected to read; from any other store, downloaded and uploaded.
     */
    @Override
    public StoredObject copyFrom(ObjectStore source, String fromKey, String version, String toKey) throws IOException {
        if (!(source instanceof S3ObjectStore from) || !from.settings.endpoint().equals(settings.endpoint())) {
            return ObjectStore.super.copyFrom(source, fromKey, version, toKey);
        }
        StoredObject o = from.stat(fromKey)
                .orElseThrow(() -> new NoSuchFileException(
                        from.describe(fromKey), null, "no object to copy to " + describe(toKey)));
        if (version != null && !version.equals(o.version())) {
            throw new ObjectChangedException(fromKey, from.describe(fromKey) + " is no longer version " + version);
        }
        Copy copy = new Copy(from.bucket, from.prefix + fromKey, o);
        try {
            if (o.size() > MAX_SINGLE_COPY) return copyInParts(copy, toKey);
            var r = s3.copyObject(b -> b.sourceBucket(copy.bucket())
                    .sourceKey(copy.key())
                    .copySourceIfMatch(quoted(o.version()))
                    .destinationBucket(bucket)
                    .destinationKey(prefix + toKey));
            return object(
                    toKey,
                    o.size(),
                    r.copyObjectResult().lastModified(),
                    etag(r.copyObjectResult().eTag(), "the copy to " + describe(toKey)),
                    null);
        } catch (SdkException e) {
            if (S3Errors.conditionFailed(e) || S3Errors.notFound(e)) {
                throw new ObjectChangedException(fromKey, from.describe(fromKey) + " changed while being copied");
            }
            throw errors.translate(e, "copying " + from.describe(fromKey) + " to " + describe(toKey), null);
        }
    }

    /** The source of a server-side copy: its bucket, its full key, and the version copied. */
    private record Copy(String bucket, String key, StoredObject object) {}

    private StoredObject copyInParts(Copy from, String toKey) throws IOException {
        String uploadId = s3.createMultipartUpload(b -> b.bucket(bucket).key(prefix + toKey))
                .uploadId();
        long size = from.object().size();
        try {
            long part = partSize(size);
            List<CompletedPart> parts = new ArrayList<>();
            for (long start = 0; start < size; start += part) {
                int number = parts.size() + 1;
                String range = "bytes=" + start + "-" + (Math.min(start + part, size) - 1);
                String etag = s3.uploadPartCopy(b -> b.sourceBucket(from.bucket())
                                .sourceKey(from.key())
                                .copySourceIfMatch(quoted(from.object().version()))
                                .copySourceRange(range)
                                .destinationBucket(bucket)
                                .destinationKey(prefix + toKey)
                                .uploadId(uploadId)
                                .partNumber(number))
                        .copyPartResult()
                        .eTag();
                if (etag == null) {
                    throw errors.missing(
                            "an ETag", "part " + number + " of the copy to " + describe(toKey), PART_WITHOUT_ETAG);
                }
                parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
            }
            String etag = s3.completeMultipartUpload(b -> b.bucket(bucket)
                            .key(prefix + toKey)
                            .uploadId(uploadId)
                            .multipartUpload(m -> m.parts(parts)))
                    .eTag();
            return object(toKey, size, Instant.now(), etag(etag, "the copy to " + describe(toKey)), null);
        } catch (IOException | RuntimeException e) {
            abort(toKey, uploadId, e);
            throw e;
        }
    }

    /**
     * {@code part_size}, or larger for an object that would need more parts than S3 takes (a write of over 160 GiB at
     * the default 16 MiB): the size over 10,000, so that any object up to S3's 5 TiB fits.
     */
    private long partSize(long size) {
        return Math.max(settings.partSize(), (size + maxParts - 1) / maxParts);
    }

    @Override
    public void delete(String key) throws IOException {
        try {
            s3.deleteObject(b -> b.bucket(bucket).key(prefix + key));
        } catch (SdkException e) {
            throw errors.translate(e, "deleting " + describe(key), null);
        }
    }

    /**
     * One DELETE with {@code If-Match} (S3 since 2025, and S3Proxy 4.1.0): the server removes the object only while it
     * is that version, so an input written over since it was read stays, even in the moment between the caller's read
     * and this. Until this store's server is known to honour the header, a HEAD goes first, because a server without
     * conditional deletes may ignore the header and delete whatever is there: it then has only that moment's window,
     * not the whole time since the read. The first DELETE finds out, with an ETag no object has ({@link #PROBE}): a
     * 412 proves the server honours the header, and later deletes are the conditional DELETE alone; a removal proves
     * nothing (a server that ignores the header deletes too), so a 2xx, or a 400 or 501 refusing the header, means it
     * is not applied, and this store then deletes after a HEAD without it (logged once).
     */
    @Override
    public void delete(String key, String version) throws IOException {
        if (ifMatchDelete != IfMatchDelete.HONOURED) {
            Optional<StoredObject> now = stat(key);
            if (now.isEmpty()) return;
            if (!now.get().version().equals(version)) throw changed(key, version);
        }
        if (ifMatchDelete == IfMatchDelete.IGNORED) {
            delete(key);
            return;
        }
        if (ifMatchDelete == IfMatchDelete.UNKNOWN) {
            try {
                deleteIfMatch(key, PROBE);
            } catch (SdkException e) {
                if (S3Errors.notFound(e)) return; // gone since the HEAD: nothing to delete, nothing learnt
                if (S3Errors.conditionFailed(e)) {
                    ifMatchDelete = IfMatchDelete.HONOURED; // then the DELETE below
                } else if (!(e instanceof S3Exception x && (x.statusCode() == 400 || x.statusCode() == 501))) {
                    throw errors.translate(e, "deleting " + describe(key), null);
                } // else a server that refuses the header (400) or conditional deletes (501): as one that ignores it
            }
            if (ifMatchDelete == IfMatchDelete.UNKNOWN) {
                ifMatchDelete = IfMatchDelete.IGNORED;
                LOG.warn(
                        "{} answered a DELETE with an If-Match that no object matches without a 412 (an "
                                + "S3-compatible server without conditional deletes): {} deletes one version by a "
                                + "HEAD, then a DELETE; an object written over in the milliseconds between them is "
                                + "deleted unread",
                        settings.endpoint().map(Object::toString).orElse("S3"),
                        root());
                delete(key, version); // it may have deleted the object, or left it: looked at again
                return;
            }
        }
        try {
            deleteIfMatch(key, version);
        } catch (SdkException e) {
            if (S3Errors.notFound(e)) return; // nothing there: no error
            if (S3Errors.conditionFailed(e)) {
                if (stat(key).isEmpty()) return; // gone since, as a 412 may also say
                throw changed(key, version);
            }
            throw errors.translate(e, "deleting " + describe(key), null);
        }
    }

    /**
     * An ETag no object has (an MD5 no content has, in an ETag's form, for servers that check it): a DELETE with it as
     * {@code If-Match} tells whether the server applies the header.
     */
    static final String PROBE = "00000000000000000000000000000000";

    private void deleteIfMatch(String key, String version) {
        s3.deleteObject(b -> b.bucket(bucket)
                .key(prefix + key)
                .overrideConfiguration(o -> o.putHeader("If-Match", quoted(version))));
    }

    private ObjectChangedException changed(String key, String version) {
        return new ObjectChangedException(
                key, describe(key) + " is no longer version " + version + ", so it was not removed");
    }

    /** Whether this store's server applies {@code If-Match} on a DELETE: found out by its first such DELETE. */
    private enum IfMatchDelete {
        UNKNOWN,
        HONOURED,
        IGNORED
    }

    @Override
    public int abortIncompleteWrites(String keyPrefix, Instant startedBefore) throws IOException {
        return abortUploads(keyPrefix, u -> true, startedBefore, "under " + describe(keyPrefix));
    }

    /**
     * One search for all the keys (ListMultipartUploads under their longest common prefix, a request per 1000 open
     * uploads there), not one per key: a killed commit of a partitioned output lists many files. Only uploads of
     * exactly these keys are aborted, not those of a longer key that starts with one (another output's).
     */
    @Override
    public int abortIncompleteWrites(Collection<String> keys, Instant startedBefore) throws IOException {
        if (keys.isEmpty()) return 0;
        Set<String> wanted = new HashSet<>();
        for (String k : keys) wanted.add(prefix + k);
        String common = Utf8.commonPrefix(keys);
        return abortUploads(
                common,
                u -> wanted.contains(u.key()),
                startedBefore,
                "of " + keys.size() + " files under " + describe(common));
    }

    private int abortUploads(String keyPrefix, Predicate<MultipartUpload> which, Instant startedBefore, String what)
            throws IOException {
        int aborted = 0;
        String keyMarker = null;
        String uploadIdMarker = null;
        try {
            while (true) {
                String km = keyMarker;
                String um = uploadIdMarker;
                ListMultipartUploadsResponse page = s3.listMultipartUploads(b -> b.bucket(bucket)
                        .encodingType(EncodingType.URL) // as in a listing: the key to abort, exactly
                        .prefix(prefix + keyPrefix)
                        .keyMarker(km)
                        .uploadIdMarker(um));
                for (MultipartUpload u : page.uploads()) {
                    if (!u.initiated().isBefore(startedBefore) || !which.test(u)) continue;
                    try {
                        s3.abortMultipartUpload(
                                b -> b.bucket(bucket).key(u.key()).uploadId(u.uploadId()));
                        aborted++;
                    } catch (SdkException e) {
                        if (!(e instanceof S3Exception s && s.statusCode() == 404)) throw e; // finished meanwhile
                    }
                }
                if (!Boolean.TRUE.equals(page.isTruncated())) return aborted;
                keyMarker = page.nextKeyMarker();
                uploadIdMarker = page.nextUploadIdMarker();
            }
        } catch (SdkException e) {
            throw errors.translate(e, "aborting unfinished uploads " + what, null);
        }
    }

    @Override
    public Capabilities capabilities() {
        return new Capabilities(true, false);
    }

    @Override
    public String credentialSource() {
        return credentials.source();
    }

    @Override
    public void close() {
        uploads.shutdownNow();
        s3.close();
        credentials.close();
    }

    /** An answer's ETag; S3 always sends one, and without it the object has no version (was a NullPointerException). */
    private String etag(String etag, String what) throws IOException {
        if (etag == null) throw errors.missing("an ETag", what);
        return etag;
    }

    private StoredObject object(String key, long size, Instant modified, String etag, String sha256Base64) {
        String version = etag.replace("\"", "");
        Map<String, String> sums = new HashMap<>();
        // a single-part ETag is the content's MD5 (not with SSE-KMS/SSE-C, whose ETags then never match: a missed
        // duplicate, never a false one); a multipart ETag ends in -<parts>
        if (version.matches("[0-9a-fA-F]{32}")) sums.put("md5", version.toLowerCase(java.util.Locale.ROOT));
        // a multipart object's checksum is a checksum of part checksums ("...-3"), not one of the content
        if (sha256Base64 != null && !sha256Base64.contains("-")) {
            sums.put("sha256", HexFormat.of().formatHex(Base64.getDecoder().decode(sha256Base64)));
        }
        return new StoredObject(key, size, modified, version, sums);
    }

    private static AwsRequestOverrideConfiguration conditional(WriteCondition condition) {
        AwsRequestOverrideConfiguration.Builder o = AwsRequestOverrideConfiguration.builder();
        switch (condition) {
            case WriteCondition.IfAbsent a -> o.putHeader("If-None-Match", "*");
            case WriteCondition.IfVersion v -> o.putHeader("If-Match", quoted(v.version()));
            case WriteCondition.None n -> {}
        }
        return o.build();
    }

    private static String quoted(String version) {
        return "\"" + version + "\"";
    }

    private static int readFully(FileChannel ch, byte[] buffer) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(buffer);
        while (b.hasRemaining() && ch.read(b) >= 0) {
            // until the part is full or the file ends
        }
        return b.position();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A GET's body that, closed before its end, drops the connection rather than reading the rest of the object to
     * reuse it (which closing the SDK's stream does).
     */
    private static final class Body extends FilterInputStream {
        private final ResponseInputStream<GetObjectResponse> response;
        private boolean ended;

        Body(ResponseInputStream<GetObjectResponse> response) {
            super(response);
            this.response = response;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            ended |= b < 0;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            ended |= n < 0;
            return n;
        }

        @Override
        public void close() throws IOException {
            if (!ended) response.abort();
            super.close();
        }
    }

    /** ListObjectsV2 page by page as the stream is read; the first page before {@link #list} returns. */
    private final class Pages implements Iterator<StoredObject> {
        private final String keyPrefix;
        private Iterator<StoredObject> page;
        private String token;
        private boolean last;

        Pages(String keyPrefix, String startAfter) throws IOException {
            this.keyPrefix = keyPrefix;
            fetch(startAfter);
        }

        @Override
        public boolean hasNext() {
            while (!page.hasNext() && !last) {
                try {
                    fetch(null);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return page.hasNext();
        }

        @Override
        public StoredObject next() {
            if (!hasNext()) throw new NoSuchElementException();
            return page.next();
        }

        private void fetch(String startAfter) throws IOException {
            String continuation = token;
            ListObjectsV2Response r;
            try {
                // keys URL-encoded in the XML (the SDK decodes them): raw, a key's \r would be read as \n (that
                // object then looks deleted) and a control character breaks the page
                r = s3.listObjectsV2(b -> b.bucket(bucket)
                        .encodingType(EncodingType.URL)
                        .prefix(prefix + keyPrefix)
                        .maxKeys(settings.pageSize())
                        .continuationToken(continuation)
                        .startAfter(startAfter == null ? null : prefix + startAfter));
            } catch (SdkException e) {
                throw errors.translate(e, "listing " + describe(keyPrefix), null);
            }
            // S3 lists every object with its ETag; S3Proxy's file system store lists an object being overwritten
            // without one for a moment: it is not there yet, as an unfinished upload is not (a later listing has it).
            // A "folder" made in the S3 console (or by s3fs, rclone, Hadoop) is an empty object named "a/b/": no
            // file's key ends so, and read as a file it would be an empty input (or a broken Parquet one)
            List<StoredObject> objects = new ArrayList<>();
            for (S3Object o : r.contents()) {
                if (o.eTag() == null) continue;
                String key = o.key().substring(prefix.length());
                if (o.size() == null || o.lastModified() == null) {
                    // S3 always sends Size and LastModified; without Size this may be data as well as a folder
                    // object: never skip data, so a HEAD tells (its Content-Length, its Last-Modified: without one
                    // the entry was a NullPointerException), and only what it cannot find is left out
                    stat(key).filter(x -> !(key.endsWith("/") && x.size() == 0)).ifPresent(objects::add);
                } else if (!(o.key().endsWith("/") && o.size() == 0)) {
                    objects.add(object(key, o.size(), o.lastModified(), o.eTag(), null));
                }
            }
            page = objects.iterator();
            token = r.nextContinuationToken();
            last = !Boolean.TRUE.equals(r.isTruncated()) || token == null;
        }
    }
}
