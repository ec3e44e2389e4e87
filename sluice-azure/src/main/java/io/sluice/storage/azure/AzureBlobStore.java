package io.sluice.storage.azure;

import com.azure.core.http.HttpClient;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.http.policy.HttpPipelinePolicy;
import com.azure.core.http.rest.PagedIterable;
import com.azure.core.util.BinaryData;
import com.azure.core.util.Context;
import com.azure.core.util.polling.LongRunningOperationStatus;
import com.azure.core.util.polling.PollResponse;
import com.azure.identity.DefaultAzureCredentialBuilder;
import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.BlobContainerAsyncClient;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.models.BlobCopyInfo;
import com.azure.storage.blob.models.BlobDownloadAsyncResponse;
import com.azure.storage.blob.models.BlobErrorCode;
import com.azure.storage.blob.models.BlobHttpHeaders;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.BlobItemProperties;
import com.azure.storage.blob.models.BlobListDetails;
import com.azure.storage.blob.models.BlobProperties;
import com.azure.storage.blob.models.BlobRange;
import com.azure.storage.blob.models.BlobRequestConditions;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.models.BlockBlobItem;
import com.azure.storage.blob.models.DeleteSnapshotsOptionType;
import com.azure.storage.blob.models.ListBlobsOptions;
import com.azure.storage.blob.models.ParallelTransferOptions;
import com.azure.storage.blob.options.BlobUploadFromFileOptions;
import com.azure.storage.blob.options.BlockBlobCommitBlockListOptions;
import com.azure.storage.blob.options.BlockBlobSimpleUploadOptions;
import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;
import io.sluice.spi.Utf8;
import io.sluice.spi.storage.ObjectChangedException;
import io.sluice.spi.storage.ObjectStore;
import io.sluice.spi.storage.StoreRefusedException;
import io.sluice.spi.storage.StoredObject;
import io.sluice.spi.storage.WriteCondition;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A container (and prefix) of Azure Blob Storage. Block blobs only. Versions are ETags; conditional writes are
 * {@code If-None-Match: *} and {@code If-Match}; a large file goes up as blocks committed by one Put Block List, so it
 * becomes visible all at once, and a write that dies before the commit leaves only uncommitted blocks, invisible to
 * readers (removed by {@link #abortIncompleteWrites}, or by Azure after 7 days). Every write stores the content's
 * MD5 (Content-MD5), which a listing returns as the {@code md5} checksum.
 *
 * <p>Azure gives an ETag in quotes in a header ({@code "0x8D..."}) and bare in a listing ({@code 0x8D...}): a version
 * is the bare form wherever it was found ({@link #version}), and goes back in quotes in a condition ({@link #etag}).
 */
public final class AzureBlobStore implements ObjectStore {
    /** Files up to this size go up in one Put Blob; larger ones in blocks of this size. */
    static final long DEFAULT_BLOCK_SIZE = 8L * 1024 * 1024;

    private static final int PAGE_SIZE = 1000;
    private static final int UPLOAD_CONCURRENCY = 4;
    // Data Lake (hierarchical namespace) accounts list their directories as empty blobs with this metadata
    private static final String DIRECTORY_MARKER = "hdi_isfolder";

    private final AzureLocation location;
    private final BlobContainerClient container;
    private final BlobContainerAsyncClient asyncContainer;
    private final String credentialSource;
    private final long blockSize;

    private AzureBlobStore(
            AzureLocation location,
            BlobContainerClient container,
            BlobContainerAsyncClient asyncContainer,
            String credentialSource,
            long blockSize) {
        this.location = location;
        this.container = container;
        this.asyncContainer = asyncContainer;
        this.credentialSource = credentialSource;
        this.blockSize = blockSize;
    }

    /**
     * Opens the store at {@code root} with the {@code azure:} settings ({@code account}, {@code endpoint}) and the
     * environment (AZURE_STORAGE_CONNECTION_STRING, AZURE_STORAGE_ACCOUNT, and what DefaultAzureCredential reads).
     * Does not reach the network.
     */
    public static AzureBlobStore open(URI root, Map<String, Object> settings, Map<String, String> env) {
        return open(root, settings, env, DEFAULT_BLOCK_SIZE);
    }

    static AzureBlobStore open(URI root, Map<String, Object> settings, Map<String, String> env, long blockSize) {
        return open(root, settings, env, blockSize, List.of());
    }

    /** With {@code policies} in the request pipeline: what a test counts or changes of the service's answers. */
    static AzureBlobStore open(
            URI root,
            Map<String, Object> settings,
            Map<String, String> env,
            long blockSize,
            List<HttpPipelinePolicy> policies) {
        AzureLocation location = AzureLocation.parse(root, settings, env);
        // the JDK's HTTP client, not Netty: see this module's pom
        HttpClient http = new JdkHttpClientBuilder().build();
        // a few quick retries: the SDK's default backs off for 40s and more, and the runner retries outages itself
        RequestRetryOptions retries = new RequestRetryOptions(
                RetryPolicyType.EXPONENTIAL, 4, (Duration) null, Duration.ofMillis(500), Duration.ofSeconds(4), null);
        BlobServiceClientBuilder builder =
                new BlobServiceClientBuilder().httpClient(http).retryOptions(retries);
        policies.forEach(builder::addPolicy);
        String credentialSource;
        if (location.connectionString().isPresent()) {
            String cs = location.connectionString().get();
            try {
                builder.connectionString(cs);
            } catch (IllegalArgumentException e) {
                // the SDK's message may quote the string, and with it the key: not repeated here
                throw new IllegalArgumentException(AzureLocation.CONNECTION_STRING + " is not a storage connection "
                        + "string: write DefaultEndpointsProtocol=https;AccountName=...;AccountKey=... (or "
                        + "BlobEndpoint=...;SharedAccessSignature=...), as the portal's 'Access keys' page gives it");
            }
            credentialSource = "connection string in " + AzureLocation.CONNECTION_STRING + " ("
                    + (cs.contains("SharedAccessSignature=") ? "shared access signature" : "account key") + ")";
        } else {
            builder.credential(new DefaultAzureCredentialBuilder().build());
            credentialSource = defaultCredentialSource(env);
        }
        location.endpoint().ifPresent(builder::endpoint);
        if (location.connectionString().isEmpty()
                && location.endpoint().orElseThrow().startsWith("http:")) {
            throw new IllegalArgumentException(
                    "azure.endpoint: " + location.endpoint().get() + " is plain http, "
                            + "which Microsoft Entra ID tokens may not cross; use https, or give a connection string in "
                            + AzureLocation.CONNECTION_STRING + " (an emulator such as Azurite takes its account key)");
        }
        return new AzureBlobStore(
                location,
                builder.buildClient().getBlobContainerClient(location.container()),
                builder.buildAsyncClient().getBlobContainerAsyncClient(location.container()),
                credentialSource,
                blockSize);
    }

    /** Which source of DefaultAzureCredential's chain will answer, judged by the environment, as it tries them. */
    static String defaultCredentialSource(Map<String, String> env) {
        String chain = "Azure default credential chain: ";
        if (env.containsKey("AZURE_CLIENT_ID") && env.containsKey("AZURE_TENANT_ID")) {
            if (env.containsKey("AZURE_CLIENT_SECRET")) {
                return chain + "service principal from environment variables AZURE_CLIENT_ID, AZURE_TENANT_ID, "
                        + "AZURE_CLIENT_SECRET";
            }
            if (env.containsKey("AZURE_CLIENT_CERTIFICATE_PATH")) {
                return chain + "service principal certificate from AZURE_CLIENT_CERTIFICATE_PATH";
            }
            if (env.containsKey("AZURE_FEDERATED_TOKEN_FILE")) {
                return chain + "workload identity (token file in AZURE_FEDERATED_TOKEN_FILE)";
            }
        }
        if (env.containsKey("IDENTITY_ENDPOINT") || env.containsKey("MSI_ENDPOINT")) {
            return chain + "managed identity (IDENTITY_ENDPOINT)";
        }
        return chain + "managed identity from the instance metadata service, else the Azure CLI / Azure Developer "
                + "CLI / PowerShell login";
    }

    @Override
    public String root() {
        return location.root();
    }

    /**
     * The container's URL on its account's Blob service, then the prefix: {@code az://c/p/} and
     * {@code abfss://c@acct.dfs.core.windows.net/p/} of one account are one place, and another account's container of
     * the same name is another.
     */
    @Override
    public String place() {
        return container.getBlobContainerUrl() + "/" + location.prefix();
    }

    @Override
    public String describe(String key) {
        return location.describe(key);
    }

    @Override
    public Stream<StoredObject> list(String prefix, String startAfter) throws IOException {
        ListBlobsOptions options = new ListBlobsOptions()
                .setPrefix(location.blobName(prefix))
                .setMaxResultsPerPage(PAGE_SIZE)
                .setDetails(new BlobListDetails().setRetrieveMetadata(true));
        if (startAfter != null) {
            // startFrom is inclusive, and a service that ignores it (an old Azurite) lists from the start
            options.setStartFrom(location.blobName(startAfter));
        }
        PagedIterable<BlobItem> items = container.listBlobs(options, null);
        return translated(items::iterator, "list", prefix)
                .filter(item -> !isDirectory(item.getMetadata()))
                .map(item -> stored(item.getName(), item.getProperties()))
                // by UTF-8 bytes, Azure's order: String order differs past the BMP and would skip or repeat keys
                .filter(o -> startAfter == null || Utf8.compare(o.key(), startAfter) > 0);
    }

    @Override
    public Optional<StoredObject> stat(String key) throws IOException {
        try {
            BlobProperties p = blob(key).getProperties();
            if (isDirectory(p.getMetadata())) {
                return Optional.empty();
            }
            return Optional.of(new StoredObject(
                    key,
                    p.getBlobSize(),
                    p.getLastModified().toInstant(),
                    version(p.getETag()),
                    md5(p.getContentMd5())));
        } catch (BlobStorageException e) {
            if (e.getStatusCode() == 404 && e.getErrorCode() == BlobErrorCode.BLOB_NOT_FOUND) {
                return Optional.empty();
            }
            throw failure("read the properties of", key, e);
        } catch (RuntimeException e) {
            throw unreachable("read the properties of", key, e);
        }
    }

    @Override
    public InputStream read(String key, String version, long offset, long length) throws IOException {
        BlobRequestConditions conditions =
                version == null ? null : new BlobRequestConditions().setIfMatch(etag(version));
        try {
            if (length == 0) {
                // nothing to download; the object and its version are still checked
                blob(key).getPropertiesWithResponse(conditions, null, Context.NONE);
                return InputStream.nullInputStream();
            }
            BlobDownloadAsyncResponse response = asyncContainer
                    .getBlobAsyncClient(location.blobName(key))
                    .downloadStreamWithResponse(
                            new BlobRange(offset, length < 0 ? null : length), null, conditions, false)
                    .block();
            // one ranged GET, streamed as the caller reads; two buffers ahead at most
            return new BufferStream(response.getValue().toStream(2), () -> "read " + describe(key));
        } catch (BlobStorageException e) {
            if (e.getStatusCode() == 416) {
                return InputStream.nullInputStream(); // from the end of the object on
            }
            throw failure("read", key, e);
        } catch (RuntimeException e) {
            throw unreachable("read", key, e);
        }
    }

    @Override
    public StoredObject write(String key, Path file, WriteCondition condition) throws IOException {
        long size = Files.size(file);
        byte[] md5 = md5(file);
        BlobUploadFromFileOptions options = new BlobUploadFromFileOptions(file.toString())
                .setParallelTransferOptions(new ParallelTransferOptions()
                        .setBlockSizeLong(blockSize)
                        .setMaxSingleUploadSizeLong(blockSize)
                        .setMaxConcurrency(UPLOAD_CONCURRENCY))
                // stored with the blob: Put Block List keeps no MD5 of its own
                .setHeaders(new BlobHttpHeaders().setContentMd5(md5))
                .setRequestConditions(conditions(condition));
        try {
            BlockBlobItem item = blob(key)
                    .uploadFromFileWithResponse(options, null, Context.NONE)
                    .getValue();
            return written(key, size, item, md5);
        } catch (BlobStorageException e) {
            return ownBytesOrFailure(key, condition, md5, e);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } catch (RuntimeException e) {
            throw unreachable("write", key, e);
        }
    }

    @Override
    public StoredObject write(String key, byte[] content, WriteCondition condition) throws IOException {
        byte[] md5 = digest().digest(content);
        BlockBlobSimpleUploadOptions options = new BlockBlobSimpleUploadOptions(BinaryData.fromBytes(content))
                .setContentMd5(md5) // checked by the service on arrival
                .setHeaders(new BlobHttpHeaders().setContentMd5(md5))
                .setRequestConditions(conditions(condition));
        try {
            BlockBlobItem item = blob(key)
                    .getBlockBlobClient()
                    .uploadWithResponse(options, null, Context.NONE)
                    .getValue();
            return written(key, content.length, item, md5);
        } catch (BlobStorageException e) {
            return ownBytesOrFailure(key, condition, md5, e);
        } catch (RuntimeException e) {
            throw unreachable("write", key, e);
        }
    }

    @Override
    public StoredObject copy(String fromKey, String toKey) throws IOException {
        return copyFrom(this, fromKey, null, toKey);
    }

    /**
     * Copy Blob, server-side, from a container of the same account (authorised by this store's credentials), of exactly
     * the version (ETag) asked for; from any other store, downloaded and uploaded.
     */
    @Override
    public StoredObject copyFrom(ObjectStore source, String fromKey, String version, String toKey) throws IOException {
        if (!(source instanceof AzureBlobStore from)
                || !from.container.getAccountUrl().equals(container.getAccountUrl())) {
            return ObjectStore.super.copyFrom(source, fromKey, version, toKey);
        }
        try {
            var options = new com.azure.storage.blob.options.BlobBeginCopyOptions(
                            from.blob(fromKey).getBlobUrl())
                    .setSourceRequestConditions(new com.azure.storage.blob.models.BlobBeginCopySourceRequestConditions()
                            .setIfMatch(version == null ? null : etag(version)));
            // inside one account the copy usually completes at once, the poll only confirms it; one Azure carries on
            // in the background can end failed or aborted, with no copy of the input at toKey
            PollResponse<BlobCopyInfo> end = blob(toKey).beginCopy(options).waitForCompletion();
            if (end.getStatus() != LongRunningOperationStatus.SUCCESSFULLY_COMPLETED) {
                BlobCopyInfo copy = end.getValue();
                throw new IOException("Azure ended the copy of " + from.describe(fromKey) + " to " + describe(toKey)
                        + " as "
                        + (copy == null ? end.getStatus() : copy.getCopyStatus() + " (" + copy.getError() + ")")
                        + ": what is at " + describe(toKey) + " is not a copy of it; the input stays where it is");
            }
        } catch (BlobStorageException e) {
            if (offline(e)) throw from.offline(fromKey, "copy it to " + describe(toKey), e);
            if (e.getStatusCode() == 404) {
                throw new NoSuchFileException(from.describe(fromKey), null, "no object to copy to " + describe(toKey));
            }
            if (e.getStatusCode() == 412) {
                throw new ObjectChangedException(fromKey, from.describe(fromKey) + " is no longer version " + version);
            }
            throw failure("copy " + from.describe(fromKey) + " to", toKey, e);
        } catch (RuntimeException e) {
            throw unreachable("copy " + from.describe(fromKey) + " to", toKey, e);
        }
        return stat(toKey)
                .orElseThrow(() -> new NoSuchFileException(
                        describe(toKey), null, "deleted right after it was copied from " + from.describe(fromKey)));
    }

    @Override
    public void delete(String key) throws IOException {
        try {
            blob(key).deleteIfExistsWithResponse(DeleteSnapshotsOptionType.INCLUDE, null, null, Context.NONE);
        } catch (BlobStorageException e) {
            throw failure("delete", key, e);
        } catch (RuntimeException e) {
            throw unreachable("delete", key, e);
        }
    }

    /** One Delete Blob with {@code If-Match}: Azure removes the blob only while it is that version. */
    @Override
    public void delete(String key, String version) throws IOException {
        try {
            blob(key)
                    .deleteIfExistsWithResponse(
                            DeleteSnapshotsOptionType.INCLUDE,
                            new BlobRequestConditions().setIfMatch(etag(version)),
                            null,
                            Context.NONE);
        } catch (BlobStorageException e) {
            // If-Match fails on a blob that is gone too (412 as for another version): gone is no error here
            if (e.getStatusCode() == 412 && stat(key).isEmpty()) return;
            throw failure("delete", key, e);
        } catch (RuntimeException e) {
            throw unreachable("delete", key, e);
        }
    }

    /**
     * Removes the blobs under {@code prefix} that have uncommitted blocks and no committed content (a write that died
     * before its Put Block List). Uncommitted blocks staged over an existing blob cannot be listed without a request
     * per blob; Azure drops them after 7 days, and they are never visible.
     */
    @Override
    public int abortIncompleteWrites(String prefix, Instant startedBefore) throws IOException {
        return abortUncommitted(prefix, name -> true, startedBefore);
    }

    /**
     * One search for all the keys (the two listings under their longest common prefix, a request per 1000 blobs there
     * each), not two per key: a killed commit of a partitioned output lists many files. Only blobs of exactly these
     * keys are removed, not those of a longer key that starts with one (another output's).
     */
    @Override
    public int abortIncompleteWrites(Collection<String> keys, Instant startedBefore) throws IOException {
        if (keys.isEmpty()) return 0;
        Set<String> wanted = new HashSet<>();
        for (String k : keys) wanted.add(location.blobName(k));
        return abortUncommitted(Utf8.commonPrefix(keys), wanted::contains, startedBefore);
    }

    private int abortUncommitted(String prefix, Predicate<String> which, Instant startedBefore) throws IOException {
        String name = location.blobName(prefix);
        ListBlobsOptions all = new ListBlobsOptions()
                .setPrefix(name)
                .setMaxResultsPerPage(PAGE_SIZE)
                .setDetails(new BlobListDetails().setRetrieveUncommittedBlobs(true));
        ListBlobsOptions committed = new ListBlobsOptions().setPrefix(name).setMaxResultsPerPage(PAGE_SIZE);
        String action = "list unfinished writes under";
        int removed = 0;
        // Both listings are in the service's name order (UTF-8 bytes on Azure, UTF-16 on Azurite): walking them side
        // by side finds the names only the first one has. The walk only proposes; a name it proposes is removed only
        // where nothing is committed (removeUncommitted), so an order other than the one assumed here costs a request,
        // never a committed blob.
        try (Stream<BlobItem> withUncommitted =
                        translated(() -> container.listBlobs(all, null).iterator(), action, prefix);
                Stream<BlobItem> done =
                        translated(() -> container.listBlobs(committed, null).iterator(), action, prefix)) {
            Iterator<BlobItem> doneIt = done.iterator();
            String doneName = null;
            for (Iterator<BlobItem> it = withUncommitted.iterator(); it.hasNext(); ) {
                BlobItem item = it.next();
                while ((doneName == null || Utf8.compare(doneName, item.getName()) < 0) && doneIt.hasNext()) {
                    doneName = doneIt.next().getName();
                }
                if (item.getName().equals(doneName)
                        || !which.test(item.getName())
                        || !item.getProperties().getLastModified().toInstant().isBefore(startedBefore)) {
                    continue;
                }
                if (removeUncommitted(item.getName().substring(location.prefix().length()))) removed++;
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        return removed;
    }

    /**
     * Drops the uncommitted blocks of a blob that has nothing committed, in two steps that each hold whatever a live
     * write does meanwhile: a Put Block List of no blocks with {@code If-None-Match: *} commits an empty blob only
     * where none is committed (a write committed since: 409, left alone), and drops the uncommitted blocks (a write
     * that commits them later fails, and knows it); then a Delete Blob with that empty blob's ETag as its
     * {@code If-Match} (a write over it since: 412, left alone). A check, then a plain delete, removed a write that
     * committed in between, after it was told it had succeeded.
     *
     * @return whether it dropped uncommitted blocks (false: a blob was committed there)
     */
    private boolean removeUncommitted(String key) throws IOException {
        String empty;
        try {
            empty = blob(key)
                    .getBlockBlobClient()
                    .commitBlockListWithResponse(
                            new BlockBlobCommitBlockListOptions(List.of())
                                    .setRequestConditions(new BlobRequestConditions().setIfNoneMatch("*")),
                            null,
                            Context.NONE)
                    .getValue()
                    .getETag();
        } catch (BlobStorageException e) {
            if (e.getStatusCode() == 409 || e.getStatusCode() == 412) return false;
            throw failure("drop the uncommitted blocks of", key, e);
        } catch (RuntimeException e) {
            throw unreachable("drop the uncommitted blocks of", key, e);
        }
        try {
            delete(key, version(empty));
        } catch (ObjectChangedException written) {
            // a write committed over the empty blob since: its own content, kept
        }
        return true;
    }

    @Override
    public Capabilities capabilities() {
        return new Capabilities(true, false);
    }

    @Override
    public String credentialSource() {
        return credentialSource;
    }

    @Override
    public void close() {
        // the SDK's clients hold no resources of their own: the JDK HTTP client closes its idle connections itself
    }

    private BlobClient blob(String key) {
        return container.getBlobClient(location.blobName(key));
    }

    private StoredObject stored(String blobName, BlobItemProperties p) {
        return new StoredObject(
                blobName.substring(location.prefix().length()),
                p.getContentLength(),
                p.getLastModified().toInstant(),
                version(p.getETag()),
                md5(p.getContentMd5()));
    }

    private static StoredObject written(String key, long size, BlockBlobItem item, byte[] md5) {
        return new StoredObject(key, size, item.getLastModified().toInstant(), version(item.getETag()), md5(md5));
    }

    /**
     * The version an ETag names, bare: the form of a listing, which recorded versions of inputs hold, so that an
     * object's version is the same whether a listing, a HEAD or a write gave it.
     */
    static String version(String etag) {
        return etag.length() >= 2 && etag.startsWith("\"") && etag.endsWith("\"")
                ? etag.substring(1, etag.length() - 1)
                : etag;
    }

    /** A version as a condition header names it: in quotes, as Azure documents it (a quoted one stays as it is). */
    static String etag(String version) {
        return "\"" + version(version) + "\"";
    }

    private static Map<String, String> md5(byte[] md5) {
        return md5 == null ? Map.of() : Map.of("md5", HexFormat.of().formatHex(md5));
    }

    private static boolean isDirectory(Map<String, String> metadata) {
        return metadata != null && "true".equalsIgnoreCase(metadata.get(DIRECTORY_MARKER));
    }

    private static BlobRequestConditions conditions(WriteCondition condition) {
        return switch (condition) {
            case WriteCondition.None none -> null;
            case WriteCondition.IfAbsent absent -> new BlobRequestConditions().setIfNoneMatch("*");
            case WriteCondition.IfVersion v -> new BlobRequestConditions().setIfMatch(etag(v.version()));
        };
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no MD5", e);
        }
    }

    private static byte[] md5(Path file) throws IOException {
        MessageDigest md5 = digest();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), md5)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        return md5.digest();
    }

    /**
     * A conditional write the service refused may be this write's own retry: the SDK sends a Put Blob or Put Block List
     * again when its answer was lost (a timeout, a reset connection), and a first attempt that landed makes the retry
     * fail its own condition (409 BlobAlreadyExists, 412). The bytes this write sent in place (the Content-MD5 every
     * write stores) mean it is done ({@link #holding}); anything else is the refusal.
     */
    private StoredObject ownBytesOrFailure(String key, WriteCondition condition, byte[] md5, BlobStorageException e)
            throws IOException {
        IOException failure = writeFailure(key, condition, e);
        if (failure instanceof ObjectChangedException) {
            Optional<StoredObject> now = holding(key, "md5", HexFormat.of().formatHex(md5));
            if (now.isPresent()) return now.get();
        }
        throw failure;
    }

    /** A write whose condition does not hold: 409 when an If-None-Match: * blob exists, 412 on an If-Match miss. */
    private IOException writeFailure(String key, WriteCondition condition, BlobStorageException e) {
        int status = e.getStatusCode();
        if (!(condition instanceof WriteCondition.None)
                && (status == 412
                        || status == 409 && e.getErrorCode() == BlobErrorCode.BLOB_ALREADY_EXISTS
                        || status == 404 && e.getErrorCode() == BlobErrorCode.BLOB_NOT_FOUND)) {
            return new ObjectChangedException(
                    key,
                    "not written: " + describe(key)
                            + (condition instanceof WriteCondition.IfAbsent
                                    ? " exists already"
                                    : " is no longer version " + ((WriteCondition.IfVersion) condition).version())
                            + " (" + e.getErrorCode() + ")");
        }
        return failure("write", key, e);
    }

    private IOException failure(String action, String key, BlobStorageException e) {
        int status = e.getStatusCode();
        BlobErrorCode code = e.getErrorCode();
        if (status == 412) {
            return new ObjectChangedException(
                    key,
                    "could not " + action + " " + describe(key) + ": it is no longer the version asked for (" + code
                            + ")");
        }
        if (code == BlobErrorCode.BLOB_NOT_FOUND) {
            return new NoSuchFileException(describe(key), null, "could not " + action + " it: no such blob");
        }
        if (offline(e)) return offline(key, action + " it", e);
        if (code == BlobErrorCode.CONTAINER_NOT_FOUND) {
            return new StoreRefusedException(
                    "could not " + action + " " + describe(key) + ": the container '" + location.container()
                            + "' does not exist at " + container.getAccountUrl()
                            + "; check its spelling in the path, or create it",
                    e);
        }
        if (status == 401 || status == 403) {
            return new StoreRefusedException(
                    "Azure refused to " + action + " " + describe(key) + " (" + status + " " + code
                            + ") with credentials from " + credentialSource
                            + ": give that identity the role 'Storage Blob "
                            + "Data Contributor' on the container (or 'Reader' to read), or use other credentials",
                    e);
        }
        return new IOException(
                "could not " + action + " " + describe(key) + ": Azure answered " + status + " " + code, e);
    }

    /** A blob in the Archive tier, or on its way out of it: offline, so Azure neither reads nor copies it (409). */
    private static boolean offline(BlobStorageException e) {
        return e.getErrorCode() == BlobErrorCode.BLOB_ARCHIVED
                || e.getErrorCode() == BlobErrorCode.BLOB_BEING_REHYDRATED;
    }

    /**
     * What to do about an offline blob: no permission is missing, and retrying at once changes nothing. A lifecycle
     * rule moves blobs to the Archive tier; a Set Blob Tier to an online tier rehydrates one, in hours.
     */
    private IOException offline(String key, String doing, BlobStorageException e) {
        String then =
                ", then `sluice retry` once it is rehydrated; or leave such blobs out with the source's `exclude`";
        if (e.getErrorCode() == BlobErrorCode.BLOB_BEING_REHYDRATED) {
            return new IOException(
                    describe(key) + " is being rehydrated from the Archive tier (BlobBeingRehydrated while "
                            + "trying to " + doing + "): Azure serves it once that is done, in up to 15 hours" + then,
                    e);
        }
        return new IOException(
                describe(key) + " is in the Archive tier (BlobArchived while trying to " + doing + "): Azure serves it "
                        + "only once rehydrated to an online tier, which takes hours: `az storage blob set-tier "
                        + "--account-name " + container.getAccountName() + " --container-name " + location.container()
                        + " --name " + location.blobName(key) + " --tier Hot --rehydrate-priority Standard`" + then,
                e);
    }

    private IOException unreachable(String action, String key, RuntimeException e) {
        Throwable cause = e.getCause() != null ? e.getCause() : e; // the SDK wraps the ConnectException
        return new IOException(
                "could not " + action + " " + describe(key) + ": " + container.getAccountUrl() + " did not answer ("
                        + cause + "); check the endpoint and the network",
                e);
    }

    /**
     * A stream over the SDK's paged iterator: the first page is read here, so that a missing container or a refused
     * access fails at once; a later page that fails throws {@link UncheckedIOException} from the stream.
     */
    private <T> Stream<T> translated(Supplier<Iterator<T>> firstPage, String action, String prefix) throws IOException {
        Iterator<T> pages;
        try {
            pages = firstPage.get();
            // Reads the first page now, so that a missing container fails here rather than in the stream.
            var unused = pages.hasNext();
        } catch (BlobStorageException e) {
            throw failure(action, prefix, e);
        } catch (RuntimeException e) {
            throw unreachable(action, prefix, e);
        }
        Iterator<T> it = new Iterator<>() {
            @Override
            public boolean hasNext() {
                try {
                    return pages.hasNext();
                } catch (BlobStorageException e) {
                    throw new UncheckedIOException(failure(action, prefix, e));
                } catch (RuntimeException e) {
                    throw new UncheckedIOException(unreachable(action, prefix, e));
                }
            }

            @Override
            public T next() {
                if (!hasNext()) {
                    throw new java.util.NoSuchElementException();
                }
                return pages.next();
            }
        };
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(it, Spliterator.ORDERED), false);
    }
}
