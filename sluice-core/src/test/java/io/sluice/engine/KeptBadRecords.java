package io.sluice.engine;

import io.sluice.spi.Split;
import io.sluice.spi.sink.BadRows;
import io.sluice.spi.sink.CommitContext;
import io.sluice.spi.sink.Rows;
import io.sluice.spi.sink.Sink;
import io.sluice.spi.sink.SinkWriter;
import io.sluice.spi.sink.WriteContext;
import io.sluice.spi.sink.Written;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A sink that reads every row it is given, writes nothing, and keeps the bad records it is handed, each by its fields'
 * names in order (line and byte as longs, whatever integer type the engine computed them in).
 */
final class KeptBadRecords implements Sink {
    final List<Map<String, Object>> bad = new ArrayList<>();

    @Override
    public void check() {}

    @Override
    public SinkWriter open(Split split, WriteContext context) {
        return new SinkWriter() {
            @Override
            public long stage(Rows rows, BadRows badRows) throws Exception {
                long n = read(rows).size();
                Optional<Rows> dead = badRows.rows();
                if (dead.isPresent()) bad.addAll(read(dead.get()));
                return n;
            }

            @Override
            public Written commit(CommitContext context) {
                return Written.NOTHING;
            }

            @Override
            public void abort() {}

            @Override
            public void close() {}
        };
    }

    private static List<Map<String, Object>> read(Rows rows) throws Exception {
        List<String> columns = rows.columns();
        List<Map<String, Object>> out = new ArrayList<>();
        try (Rows.RowCursor cursor = rows.cursor()) {
            while (cursor.next()) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 0; i < columns.size(); i++) {
                    Object value = cursor.get(i);
                    row.put(columns.get(i), value instanceof Number n ? (Object) n.longValue() : value);
                }
                out.add(row);
            }
        }
        return out;
    }
}
