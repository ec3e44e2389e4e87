package io.sluice.storage.local;

import io.sluice.spi.Folders;
import io.sluice.spi.Utf8;
import io.sluice.spi.storage.ObjectChangedException;
import io.sluice.spi.storage.ObjectStore;
import io.sluice.spi.storage.StoredObject;
import io.sluice.spi.storage.WriteCondition;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A local folder as an object store: a key is a path below the folder. Writes go to a temp file in the target's own
 * folder and are then moved into place atomically, so a reader sees a whole file or none. {@code ifAbsent} is atomic
 * (a hard link, which fails when the target exists); {@code ifVersion} is checked and then moved, not atomic, so
 * {@link Capabilities#conditionalWrites()} is false and a sink holds the ledger's lock to replace an output.
 *
 * <p>A version is the modification time in nanoseconds and the size: a stat gives both at no cost, where a content
 * hash would read the whole file. The size catches a rewrite within the file system's time granularity (a second on
 * some), and every write here makes a new file (new inode, new time) rather than changing one in place.
 *
 * <p>A write returns once it survives a power loss: the temp file's bytes are flushed to the disk before the rename,
 * the folder after it (and the folders it created, and the folder a delete removed from), so a ledger that records the
 * output as committed never names an empty or missing file.
 */
public final class LocalObjectStore implements ObjectStore {
    /** Temp files are {@code .<name>.sluice-tmp-<random>} beside their target: hidden from listings. */
    static final String TEMP_MARK = ".sluice-tmp-";

    /**
     * Marks a temp file whose target's name was cut to fit ({@code .<start of name>.sluice-tmp-cut-<random>}): a file
     * system allows 255 bytes a name, and a name near that (a file an exec step wrote) would leave no room for the
     * mark.
     */
    private static final String CUT = "cut-";

    /** The longest file name, in bytes, that local file systems allow (ext4, XFS, APFS, NTFS in UTF-16 units). */
    private static final int NAME_MAX = 255;

    private final Path root;

    /** Flushes to the disk what this store wrote: a file's bytes, a folder's entries. A seam for tests. */
    interface Disk {
        void syncFile(Path file) throws IOException;

        void syncFolder(Path folder) throws IOException;
    }

    /** The disk; tests put a recorder here: a power loss cannot be caused in a test, the flushes' order can be seen. */
    volatile Disk disk = new Disk() {
        @Override
        public void syncFile(Path file) throws IOException {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                ch.force(true);
            }
        }

        @Override
        public void syncFolder(Path folder) throws IOException {
            FileChannel ch;
            try {
                ch = FileChannel.open(folder, StandardOpenOption.READ);
            } catch (IOException cannotOpenAFolder) { // Windows opens no folder as a file: nothing to flush with
                return;
            }
            try (ch) {
                ch.force(true);
            }
        }
    };

    public LocalObjectStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    @Override
    public String root() {
        return root.toString();
    }

    @Override
    public String describe(String key) {
        return path(key).toString();
    }

    @Override
    public Stream<StoredObject> list(String prefix, String startAfter) throws IOException {
        return list(prefix, startAfter, key -> true);
    }

    /**
     * A link to a place inside the root is followed unless what it leads to is listed anyway: a file reached through
     * it is left out when {@code listedAnyway} takes the key the file has under its own name ({@code latest -> 2026-11}
     * read every file twice), and listed under the link's name otherwise (an include that names only
     * {@code latest/*.csv}, or {@code current.csv -> archive/v3.csv}). A link to a folder the walk is in (a loop) is
     * never followed; a link out of the root always is.
     */
    @Override
    public Stream<StoredObject> list(String prefix, String startAfter, Predicate<String> listedAnyway)
            throws IOException {
        Walk walk = new Walk(prefix, startAfter, listedAnyway);
        return StreamSupport.stream(
                Spliterators.spliteratorUnknownSize(
                        walk, Spliterator.ORDERED | Spliterator.NONNULL | Spliterator.DISTINCT),
                false);
    }

    @Override
    public Optional<StoredObject> stat(String key) throws IOException {
        Path p = path(key);
        try {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
            return a.isRegularFile() ? Optional.of(object(key, a)) : Optional.empty();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    @Override
    public InputStream read(String key, String version, long offset, long length) throws IOException {
        Path p = path(key);
        BasicFileAttributes before = attributes(key, p);
        checkVersion(key, version, before);
        SeekableByteChannel ch = Files.newByteChannel(p);
        try {
            // the path still names the file checked above, so the open channel reads that version: writes here never
            // change a file in place, they move a new one over it
            BasicFileAttributes after = attributes(key, p);
            if (!Objects.equals(before.fileKey(), after.fileKey())
                    || !version(after).equals(version(before))) {
                throw new ObjectChangedException(key, describe(key) + " was replaced while being opened");
            }
            ch.position(offset);
            InputStream in = Channels.newInputStream(ch);
            return length < 0 ? in : new BoundedInputStream(in, length);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    @Override
    public StoredObject write(String key, Path file, WriteCondition condition) throws IOException {
        return viaTemp(key, condition, temp -> Files.copy(file, temp));
    }

    /** A rename when the file is on this folder's disk (the files sink stages under the output folder), else a copy. */
    @Override
    public StoredObject writeMoving(String key, Path file, WriteCondition condition) throws IOException {
        return viaTemp(key, condition, temp -> Files.move(file, temp));
    }

    @Override
    public StoredObject write(String key, byte[] content, WriteCondition condition) throws IOException {
        return viaTemp(key, condition, temp -> Files.write(temp, content));
    }

    @Override
    public StoredObject copy(String fromKey, String toKey) throws IOException {
        return viaTemp(toKey, WriteCondition.none(), temp -> {
            try {
                Files.copy(path(fromKey), temp);
            } catch (NoSuchFileException e) {
                throw new NoSuchFileException(describe(fromKey), null, "no object to copy");
            }
        });
    }

    /**
     * From another folder on this machine: a hard link put in place by a rename, so no byte is copied (the store never
     * changes a file in place, so the two names cannot drift apart through it); a copy where a link cannot be made
     * (another file system).
     */
    @Override
    public StoredObject copyFrom(ObjectStore source, String fromKey, String version, String toKey) throws IOException {
        if (!(source instanceof LocalObjectStore from))
            return ObjectStore.super.copyFrom(source, fromKey, version, toKey);
        Path file = from.path(fromKey);
        BasicFileAttributes a = from.attributes(fromKey, file);
        from.checkVersion(fromKey, version, a);
        return viaTemp(toKey, WriteCondition.none(), temp -> {
            try {
                Files.createLink(temp, file);
            } catch (IOException | UnsupportedOperationException noLink) {
                Files.copy(file, temp);
            }
            // the file is still the version checked (a write moves a new file over it), so that is what was taken
            BasicFileAttributes now = from.attributes(fromKey, file);
            if (!Objects.equals(now.fileKey(), a.fileKey()) || !version(now).equals(version(a))) {
                throw new ObjectChangedException(fromKey, from.describe(fromKey) + " changed while being copied");
            }
        });
    }

    private interface Fill {
        void into(Path temp) throws IOException;
    }

    /** Fills a temp file beside the target, then puts it in place under the condition; never leaves the temp file. */
    private StoredObject viaTemp(String key, WriteCondition condition, Fill fill) throws IOException {
        Path target = path(key);
        Path temp = temp(target);
        try {
            fill.into(temp);
            disk.syncFile(temp); // first: a rename the disk kept must never name a file whose bytes it lost
            StoredObject written = commit(key, target, temp, condition);
            disk.syncFolder(target.getParent()); // then the rename itself
            return written;
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    @Override
    public void delete(String key) throws IOException {
        Path p = path(key);
        if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) && Files.deleteIfExists(p)) {
            disk.syncFolder(p.getParent()); // a stale output that came back after a power loss would be read again
        }
    }

    /** For tests: runs after a delete of one version found that version at the key, before it removes anything. */
    volatile Runnable afterVersionCheck = () -> {};

    /**
     * Moves the file aside (a rename, atomic) and removes it only when the file moved is the version named: a write
     * that lands after the check is what is moved, and is put back (unless a newer one is there by then). Deleting
     * whatever is at the key after a check would remove a file written in between: a replayed split's partial, an
     * input delivered again.
     */
    @Override
    public void delete(String key, String version) throws IOException {
        Optional<StoredObject> now = stat(key);
        if (now.isEmpty()) return;
        if (!now.get().version().equals(version)) throw notVersion(key, version);
        afterVersionCheck.run();
        Path p = path(key);
        Path aside = temp(p); // a temp file's name: a crash before it goes leaves what abortIncompleteWrites removes
        try {
            Files.move(p, aside, StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException gone) {
            return;
        }
        try {
            if (version(Files.readAttributes(aside, BasicFileAttributes.class)).equals(version)) return;
            try {
                Files.createLink(p, aside); // put back; never over a write newer still
            } catch (FileAlreadyExistsException newer) {
                // that one stays
            }
            throw notVersion(key, version);
        } finally {
            Files.deleteIfExists(aside);
            disk.syncFolder(p.getParent()); // the removal, or the put-back (else only its temp name might be kept)
        }
    }

    private ObjectChangedException notVersion(String key, String version) {
        return new ObjectChangedException(
                key, describe(key) + " is no longer version " + version + ", so it was not removed");
    }

    /**
     * Temp files lie beside their targets, so only the prefix's folder and the folders below it that keys of the prefix
     * can be in are looked at: a commit that clears its own key's leftovers does not walk the whole output (the bookkeeping
     * of thousands of other outputs, which other writers change meanwhile). What vanishes during the look is skipped.
     */
    @Override
    public int abortIncompleteWrites(String prefix, Instant startedBefore) throws IOException {
        Path start = root.resolve(folderOf(prefix));
        if (!Files.isDirectory(start)) return 0;
        List<Path> stale = new ArrayList<>();
        Files.walkFileTree(start, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                if (dir.equals(start)) return FileVisitResult.CONTINUE;
                String folder = key(dir) + "/";
                // below: keys in it may start with the prefix, or the prefix goes on inside it
                return folder.startsWith(prefix) || prefix.startsWith(folder)
                        ? FileVisitResult.CONTINUE
                        : FileVisitResult.SKIP_SUBTREE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                String name = file.getFileName().toString();
                if (isTemp(name)
                        && targets(key(file.resolveSibling(targetName(name))), isCut(name), prefix)
                        && attrs.lastModifiedTime().toInstant().isBefore(startedBefore)) stale.add(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) return FileVisitResult.CONTINUE; // removed meanwhile
                throw e;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null && !(e instanceof NoSuchFileException)) throw e;
                return FileVisitResult.CONTINUE;
            }
        });
        int removed = 0;
        for (Path p : stale) {
            if (Files.deleteIfExists(p)) removed++;
        }
        return removed;
    }

    @Override
    public Capabilities capabilities() {
        return new Capabilities(false, true);
    }

    @Override
    public String credentialSource() {
        return "none: local disk, as the user " + System.getProperty("user.name");
    }

    @Override
    public void close() {
        // nothing held open between calls
    }

    private StoredObject commit(String key, Path target, Path temp, WriteCondition condition) throws IOException {
        // read before the move: the move keeps them, and a later stat could see another writer's file
        StoredObject written = object(key, Files.readAttributes(temp, BasicFileAttributes.class));
        switch (condition) {
            case WriteCondition.IfAbsent ignored -> {
                try {
                    Files.createLink(target, temp);
                } catch (FileAlreadyExistsException e) {
                    throw new ObjectChangedException(key, describe(key) + " already exists; written only if absent");
                }
            }
            case WriteCondition.IfVersion v -> {
                Optional<StoredObject> now = stat(key);
                if (now.isEmpty() || !now.get().version().equals(v.version())) {
                    throw new ObjectChangedException(
                            key,
                            describe(key) + " is "
                                    + now.map(o -> "version " + o.version()).orElse("gone") + ", not version "
                                    + v.version() + " that the write expected");
                }
                move(temp, target);
            }
            case WriteCondition.None ignored -> move(temp, target);
        }
        return written;
    }

    private static void move(Path temp, Path target) throws IOException {
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException(
                    "cannot replace " + target + " atomically (" + e.getMessage() + "): the folder's file "
                            + "system does not rename within a folder atomically; use a local disk",
                    e);
        }
    }

    private Path temp(Path target) throws IOException {
        createFolders(target.getParent());
        String name = target.getFileName().toString();
        String random = UUID.randomUUID().toString();
        int room = NAME_MAX - (1 + TEMP_MARK.length() + random.length());
        if (name.getBytes(StandardCharsets.UTF_8).length <= room) {
            return target.resolveSibling("." + name + TEMP_MARK + random);
        }
        return target.resolveSibling("." + Utf8.head(name, room - CUT.length()) + TEMP_MARK + CUT + random);
    }

    /** Creates the folder and those missing above it, each kept by a flush of the folder it was made in. */
    private void createFolders(Path folder) throws IOException {
        if (Files.isDirectory(folder)) return;
        createFolders(folder.getParent());
        try {
            Files.createDirectory(folder);
        } catch (FileAlreadyExistsException raced) {
            if (!Files.isDirectory(folder)) throw raced;
        }
        disk.syncFolder(folder.getParent());
    }

    private Path path(String key) {
        Path p = root.resolve(key).normalize();
        if (key.isEmpty() || !p.startsWith(root) || p.equals(root)) {
            throw new IllegalArgumentException("key '" + key + "' is not below " + root);
        }
        return p;
    }

    private String key(Path p) {
        return Folders.key(root, p);
    }

    private BasicFileAttributes attributes(String key, Path p) throws IOException {
        try {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
            if (!a.isRegularFile()) throw new NoSuchFileException(describe(key), null, "a folder, not an object");
            return a;
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(describe(key), null, "no such object (deleted since it was listed?)");
        }
    }

    private void checkVersion(String key, String version, BasicFileAttributes a) throws ObjectChangedException {
        if (version != null && !version.equals(version(a))) {
            throw new ObjectChangedException(
                    key,
                    describe(key) + " changed: it is version " + version(a) + ", not version " + version
                            + " that was listed");
        }
    }

    private StoredObject object(String key, BasicFileAttributes a) {
        return new StoredObject(key, a.size(), a.lastModifiedTime().toInstant(), version(a), Map.of());
    }

    private static String version(BasicFileAttributes a) {
        return a.lastModifiedTime().to(TimeUnit.NANOSECONDS) + "-" + a.size();
    }

    /** A name like the temp files': listings skip it, and {@link #abortIncompleteWrites} removes it once old. */
    @Override
    public Optional<String> reservedName(String name) {
        if (!isTemp(name)) return Optional.empty();
        return Optional.of(
                "a name starting with '.' and holding '" + TEMP_MARK + "' is how a local folder's store names "
                        + "its temp files: listings skip such a file, and the clean-up of interrupted writes removes it");
    }

    static boolean isTemp(String name) {
        return name.startsWith(".") && name.contains(TEMP_MARK);
    }

    private static String targetName(String tempName) {
        return tempName.substring(1, tempName.lastIndexOf(TEMP_MARK));
    }

    /** Whether the temp file's name holds only the start of its target's ({@link #CUT}). */
    private static boolean isCut(String tempName) {
        return tempName.startsWith(CUT, tempName.lastIndexOf(TEMP_MARK) + TEMP_MARK.length());
    }

    /**
     * Whether a temp file for {@code target} may be for a key starting with {@code prefix}; when its name was cut,
     * {@code target} is only the start of the key, which may end inside the prefix.
     */
    private static boolean targets(String target, boolean cut, String prefix) {
        return target.startsWith(prefix) || (cut && prefix.startsWith(target));
    }

    private static String folderOf(String prefix) {
        int slash = prefix.lastIndexOf('/');
        return slash < 0 ? "" : prefix.substring(0, slash);
    }

    /**
     * Files below the root in key order, one folder read at a time: a folder's entries are sorted by name, with a
     * sub-folder as {@code name/}, which is key order ({@code a.txt} before {@code a/b} before {@code a0}). Folders
     * wholly before {@code startAfter} or outside the prefix are never opened.
     */
    private final class Walk implements Iterator<StoredObject> {
        /**
         * {@code own}: the key it has under its own name when it was reached through a link to a place inside the
         * root, else null.
         */
        private record Entry(String key, boolean folder, BasicFileAttributes attributes, String own) {
            /** A folder sorts as {@code name/}: the keys inside it all start so. */
            String sortKey() {
                return folder ? key + "/" : key;
            }
        }

        private final String prefix;
        private final String startAfter;
        private final Predicate<String> listedAnyway;
        /** The folders the walk is in, innermost first. */
        private final Deque<Iterator<Entry>> stack = new ArrayDeque<>();
        /** Their paths, in the same order: a link met is a loop when it leads to one of them. */
        private final Deque<Path> real = new ArrayDeque<>();

        private StoredObject next;
        /** The root with its links resolved, once a link is met. */
        private Path realRoot;

        Walk(String prefix, String startAfter, Predicate<String> listedAnyway) throws IOException {
            this.prefix = prefix;
            this.startAfter = startAfter;
            this.listedAnyway = listedAnyway;
            String folder = folderOf(prefix);
            Path start = folder.isEmpty() ? root : path(folder);
            if (Files.isDirectory(start)) push(start, null);
            advance();
        }

        private void push(Path folder, String own) throws IOException {
            stack.push(entries(folder, own).iterator());
            real.push(folder);
        }

        @Override
        public boolean hasNext() {
            return next != null;
        }

        @Override
        public StoredObject next() {
            if (next == null) throw new NoSuchElementException();
            StoredObject n = next;
            try {
                advance();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return n;
        }

        private void advance() throws IOException {
            next = null;
            while (next == null && !stack.isEmpty()) {
                Iterator<Entry> top = stack.peek();
                if (!top.hasNext()) {
                    stack.pop();
                    real.pop();
                    continue;
                }
                Entry e = top.next();
                if (e.folder()) {
                    push(path(e.key()), e.own());
                } else if (e.own() == null || !listedAnyway.test(e.own())) {
                    next = object(e.key(), e.attributes());
                }
            }
        }

        /** {@code own}: the folder's key under its own name, when it was reached through a link inside the root. */
        private List<Entry> entries(Path folder, String own) throws IOException {
            List<Entry> entries = new ArrayList<>();
            try (DirectoryStream<Path> dir = Files.newDirectoryStream(folder)) {
                for (Path p : dir) {
                    String name = p.getFileName().toString();
                    if (isTemp(name)) continue;
                    BasicFileAttributes a;
                    String ownKey = own == null ? null : own + "/" + name;
                    try {
                        a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                        if (a.isSymbolicLink()) {
                            Path target = p.toRealPath();
                            if (loop(target)) continue;
                            if (realRoot == null) realRoot = root.toRealPath();
                            // under a folder reached through a link inside the root, the link is listed at its own
                            // name too, whatever it leads to
                            if (own == null && target.startsWith(realRoot)) ownKey = Folders.key(realRoot, target);
                            a = Files.readAttributes(p, BasicFileAttributes.class);
                        }
                    } catch (NoSuchFileException deleted) {
                        continue; // (or a link to nothing)
                    }
                    String key = key(p);
                    if (a.isDirectory() ? wanted(key + "/") : a.isRegularFile() && matches(key)) {
                        entries.add(new Entry(key, a.isDirectory(), a, ownKey));
                    }
                }
            } catch (NoSuchFileException deleted) {
                return List.of();
            }
            entries.sort(java.util.Comparator.comparing(Entry::sortKey, Utf8::compare));
            return entries;
        }

        /**
         * Whether a link leads to a folder the walk is in: followed, it would list that folder again and again until the
         * system refuses the path.
         */
        private boolean loop(Path target) throws IOException {
            for (Path folder : real) if (folder.toRealPath().startsWith(target)) return true;
            return false;
        }

        private boolean matches(String key) {
            return key.startsWith(prefix) && (startAfter == null || Utf8.compare(key, startAfter) > 0);
        }

        /** Whether a folder ({@code key/}) can hold a key listed: inside the prefix and not wholly before startAfter. */
        private boolean wanted(String folder) {
            boolean inPrefix = folder.startsWith(prefix) || prefix.startsWith(folder);
            boolean notBefore =
                    startAfter == null || startAfter.startsWith(folder) || Utf8.compare(folder, startAfter) > 0;
            return inPrefix && notBefore;
        }
    }
}
