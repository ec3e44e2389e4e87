package io.sluice.sinks.iceberg;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.exceptions.NotFoundException;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.io.InputFile;
import org.apache.iceberg.io.OutputFile;
import org.apache.iceberg.io.PositionOutputStream;
import org.apache.iceberg.io.SeekableInputStream;

/**
 * Iceberg's file IO over {@code java.nio}, for tables on local disk: iceberg-core has no local FileIO of its own
 * without Hadoop ({@code HadoopFileIO} needs Hadoop's FileSystem), and a whole Hadoop is too much for a folder. Takes
 * plain paths ({@code /data/lake/db/t/...}) and {@code file:} URIs. A catalog uses it when its properties name no
 * {@code io-impl} (the sink sets {@code io-impl} to this class).
 */
public final class LocalFileIO implements FileIO {
    private static final long serialVersionUID = 1L;

    private Map<String, String> properties = Map.of();

    @Override
    public void initialize(Map<String, String> props) {
        this.properties = Map.copyOf(props);
    }

    @Override
    public Map<String, String> properties() {
        return properties;
    }

    /** The local path of a location: a plain path or a {@code file:} URI. */
    static Path path(String location) {
        if (location.startsWith("file:")) return Path.of(URI.create(location));
        if (location.matches("[A-Za-z][A-Za-z0-9+.-]+://.*")) {
            throw new IllegalArgumentException("only tables on local disk are supported by this file IO, not "
                    + location + "; set the catalog's io-impl to a file IO for that store");
        }
        return Path.of(location);
    }

    @Override
    public InputFile newInputFile(String location) {
        return new Input(location, path(location));
    }

    @Override
    public OutputFile newOutputFile(String location) {
        return new Output(location, path(location));
    }

    @Override
    public void deleteFile(String location) {
        try {
            Files.deleteIfExists(path(location));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + location, e);
        }
    }

    private record Input(String location, Path file) implements InputFile {
        @Override
        public long getLength() {
            try {
                return Files.size(file);
            } catch (NoSuchFileException e) {
                throw new NotFoundException(e, "file %s does not exist", location);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public SeekableInputStream newStream() {
            try {
                return new SeekableChannelStream(Files.newByteChannel(file, StandardOpenOption.READ));
            } catch (NoSuchFileException e) {
                throw new NotFoundException(e, "file %s does not exist", location);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public boolean exists() {
            return Files.exists(file);
        }
    }

    private record Output(String location, Path file) implements OutputFile {
        @Override
        public PositionOutputStream create() {
            return open(StandardOpenOption.CREATE_NEW);
        }

        @Override
        public PositionOutputStream createOrOverwrite() {
            return open(StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
        }

        private PositionOutputStream open(StandardOpenOption... how) {
            try {
                Files.createDirectories(file.getParent());
                StandardOpenOption[] options = java.util.Arrays.copyOf(how, how.length + 1);
                options[how.length] = StandardOpenOption.WRITE;
                return new ChannelOutputStream(FileChannel.open(file, options));
            } catch (FileAlreadyExistsException e) {
                throw new AlreadyExistsException(e, "file %s already exists", location);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + location, e);
            }
        }

        @Override
        public InputFile toInputFile() {
            return new Input(location, file);
        }
    }

    private static final class SeekableChannelStream extends SeekableInputStream {
        private final SeekableByteChannel channel;

        SeekableChannelStream(SeekableByteChannel channel) {
            this.channel = channel;
        }

        @Override
        public long getPos() throws IOException {
            return channel.position();
        }

        @Override
        public void seek(long pos) throws IOException {
            channel.position(pos);
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) return 0;
            return channel.read(ByteBuffer.wrap(b, off, len));
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    private static final class ChannelOutputStream extends PositionOutputStream {
        private final FileChannel channel;
        private long pos; // asked after close too (the stored length of a manifest)

        ChannelOutputStream(FileChannel channel) {
            this.channel = channel;
        }

        @Override
        public long getPos() {
            return pos;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            ByteBuffer buffer = ByteBuffer.wrap(b, off, len);
            while (buffer.hasRemaining()) pos += channel.write(buffer);
        }

        @Override
        public void close() throws IOException {
            if (!channel.isOpen()) return; // closed twice (a writer and its caller both close it)
            // metadata and manifests must be on disk before the catalog points at them
            try (channel) {
                channel.force(true);
            }
        }
    }
}
