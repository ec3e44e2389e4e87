package io.sluice.sinks.iceberg;

import org.apache.iceberg.TableMetadata;
import org.apache.iceberg.TableOperations;
import org.apache.iceberg.encryption.EncryptionManager;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.io.LocationProvider;

/** Table operations that pass everything to {@link #ops()}; an implementation changes what it must (the commit). */
interface ForwardingTableOperations extends TableOperations {
    TableOperations ops();

    @Override
    default TableMetadata current() {
        return ops().current();
    }

    @Override
    default TableMetadata refresh() {
        return ops().refresh();
    }

    @Override
    default void commit(TableMetadata base, TableMetadata metadata) {
        ops().commit(base, metadata);
    }

    @Override
    default FileIO io() {
        return ops().io();
    }

    @Override
    default EncryptionManager encryption() {
        return ops().encryption();
    }

    @Override
    default String metadataFileLocation(String fileName) {
        return ops().metadataFileLocation(fileName);
    }

    @Override
    default LocationProvider locationProvider() {
        return ops().locationProvider();
    }

    @Override
    default TableOperations temp(TableMetadata uncommittedMetadata) {
        return ops().temp(uncommittedMetadata);
    }

    @Override
    default long newSnapshotId() {
        return ops().newSnapshotId();
    }

    @Override
    default boolean requireStrictCleanup() {
        return ops().requireStrictCleanup();
    }
}
