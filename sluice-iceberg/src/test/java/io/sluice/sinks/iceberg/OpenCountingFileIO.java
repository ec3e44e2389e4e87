package io.sluice.sinks.iceberg;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.io.InputFile;
import org.apache.iceberg.io.OutputFile;

/**
 * The sink's own file IO, noting every file it is asked to read: a catalog's {@code io-impl}, made by reflection, so
 * the locations are kept in one list for the JVM; a test picks out those under its own folder.
 */
public final class OpenCountingFileIO implements FileIO {
    private static final long serialVersionUID = 1L;
    private static final ConcurrentLinkedQueue<String> READ = new ConcurrentLinkedQueue<>();

    private final StoreFileIO delegate = new StoreFileIO();

    /** The locations read so far that lie under {@code folder} and end with {@code suffix}. */
    static List<String> read(String folder, String suffix) {
        return READ.stream()
                .filter(l -> l.contains(folder) && l.endsWith(suffix))
                .toList();
    }

    @Override
    public void initialize(Map<String, String> props) {
        delegate.initialize(props);
    }

    @Override
    public Map<String, String> properties() {
        return delegate.properties();
    }

    @Override
    public InputFile newInputFile(String location) {
        READ.add(location);
        return delegate.newInputFile(location);
    }

    @Override
    public InputFile newInputFile(String location, long length) {
        READ.add(location);
        return delegate.newInputFile(location, length);
    }

    @Override
    public OutputFile newOutputFile(String location) {
        return delegate.newOutputFile(location);
    }

    @Override
    public void deleteFile(String location) {
        delegate.deleteFile(location);
    }

    @Override
    public void close() {
        delegate.close();
    }
}
