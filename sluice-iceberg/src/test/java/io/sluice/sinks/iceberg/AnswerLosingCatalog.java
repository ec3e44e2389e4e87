package io.sluice.sinks.iceberg;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.apache.iceberg.TableMetadata;
import org.apache.iceberg.TableOperations;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.jdbc.JdbcCatalog;

/**
 * Iceberg's JDBC catalog whose next commit of a table's new version goes through and then fails as armed: the answer
 * to a commit that landed is lost (a timeout, a dropped connection, a REST catalog's 5xx or a false "commit failed").
 * Named by {@code catalog-impl}; one lost answer per {@link #loseNextAnswer}.
 */
public final class AnswerLosingCatalog extends JdbcCatalog {
    private static final AtomicReference<Supplier<RuntimeException>> NEXT = new AtomicReference<>();

    /** The next commit onto an existing table's version lands, then throws what {@code failure} gives. */
    static void loseNextAnswer(Supplier<RuntimeException> failure) {
        NEXT.set(failure);
    }

    /** Whether the armed loss has happened. */
    static boolean answerLost() {
        return NEXT.get() == null;
    }

    @Override
    protected TableOperations newTableOps(TableIdentifier identifier) {
        return new LosingOps(super.newTableOps(identifier));
    }

    private record LosingOps(TableOperations ops) implements ForwardingTableOperations {
        @Override
        public void commit(TableMetadata base, TableMetadata metadata) {
            ops.commit(base, metadata);
            if (base == null) return; // a table's creation keeps its answer
            Supplier<RuntimeException> failure = NEXT.getAndSet(null);
            if (failure != null) throw failure.get();
        }
    }
}
