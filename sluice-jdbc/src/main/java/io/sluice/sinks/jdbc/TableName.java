package io.sluice.sinks.jdbc;

/**
 * A table as the user wrote it: {@code name} or {@code schema.name}.
 *
 * @param schema null: the connection's current schema
 */
record TableName(String schema, String name) {
    static TableName parse(String written) {
        int dot = written.indexOf('.');
        return dot < 0
                ? new TableName(null, written)
                : new TableName(written.substring(0, dot), written.substring(dot + 1));
    }

    TableName in(String currentSchema) {
        return schema == null ? new TableName(currentSchema, name) : this;
    }

    @Override
    public String toString() {
        return schema == null ? name : schema + "." + name;
    }
}
