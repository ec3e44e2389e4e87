package io.sluice.sources.jdbc;

import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Database column types as engine (DuckDB) types: the table in {@code docs/sources/jdbc.md}. A type with no faithful
 * engine type is refused with the cast to use, never read as something else silently.
 */
final class TypeMap {
    /** Unconstrained PostgreSQL {@code numeric}: the widest decimal the engine has, with room for fractions. */
    static final String UNCONSTRAINED_NUMERIC = "DECIMAL(38,10)";

    private TypeMap() {}

    /**
     * A column Sluice cannot map to an engine column, with what makes it readable: its type has no engine type (the
     * cast to use), or its name is an earlier column's to the engine (the name to give it).
     */
    static final class Unmappable extends Exception {
        private final String typed;
        private final String select;

        /** {@code cast} of {@code ref}, the column's name as the SQL of the suggested select item writes it. */
        Unmappable(String column, String ref, String type, String cast) {
            this("column '" + column + "' has type " + type, "`" + cast + " AS " + ref + "`", false);
        }

        private Unmappable(String typed, String select, boolean several) {
            super(typed + ", which Sluice cannot map to " + (several ? "engine types" : "an engine type") + "; select "
                    + (several ? "them" : "it") + " cast, e.g. " + select + " (in `columns:` or the `query:`)");
            this.typed = typed;
            this.select = select;
        }

        private Unmappable(String message) {
            super(message);
            this.typed = null;
            this.select = null;
        }

        /** One refusal naming every column of {@code each}, so that one round of fixes reads them all. */
        static Unmappable all(List<Unmappable> each) {
            if (each.size() == 1) return each.getFirst();
            return new Unmappable(
                    String.join(", ", each.stream().map(u -> u.typed).toList()),
                    String.join(", ", each.stream().map(u -> u.select).toList()),
                    true);
        }

        static Unmappable sameName(String earlier, String column) {
            String named = earlier.equals(column)
                    ? "two columns named '" + column + "'"
                    : "columns '" + earlier + "' and '" + column + "', one name to the engine (it ignores the case "
                            + "of names)";
            return new Unmappable("the rows read have " + named + "; " + JdbcErrors.OWN_NAMES);
        }
    }

    /**
     * Every column of a result, in order, with its engine type.
     *
     * @param product the database's product name (JDBC's {@code getDatabaseProductName}), for the casts a refusal names
     */
    static Map<String, String> columns(Dialect dialect, String product, ResultSetMetaData md)
            throws SQLException, Unmappable {
        Map<String, String> out = new LinkedHashMap<>();
        Map<String, String> byEngineName = new HashMap<>();
        List<Unmappable> refused = new ArrayList<>();
        for (int i = 1; i <= md.getColumnCount(); i++) {
            String name = md.getColumnLabel(i);
            // the spool holds every column (COPY writes them all) and the engine reads each by its name, ignoring
            // ASCII case: two of one name cannot both be read (names differing in case failed every split with
            // "Duplicate named argument", after the plan had passed)
            String earlier = byEngineName.putIfAbsent(engineName(name), name);
            if (earlier != null) throw Unmappable.sameName(earlier, name);
            try {
                out.put(
                        name,
                        dialect == Dialect.POSTGRES ? postgres(md, i, name) : generic(dialect, product, md, i, name));
            } catch (Unmappable e) {
                refused.add(e);
            }
        }
        if (!refused.isEmpty()) throw Unmappable.all(refused);
        return out;
    }

    /** A column's name as the engine compares names: ASCII letters in either case are one ({@code ID}, {@code id}). */
    private static String engineName(String name) {
        StringBuilder b = new StringBuilder(name.length());
        for (char ch : name.toCharArray()) b.append(ch >= 'A' && ch <= 'Z' ? (char) (ch + ('a' - 'A')) : ch);
        return b.toString();
    }

    /**
     * A column's name as SQL writes it: bare when it is a plain name, else quoted, so that a suggested cast runs as it
     * is (bare, {@code encode(Bin Data, 'hex') AS Bin Data} was a syntax error).
     */
    static String ref(Dialect dialect, String name) {
        boolean plain = dialect == Dialect.MYSQL
                ? name.matches("[A-Za-z_][A-Za-z0-9_]*")
                : name.matches("[a-z_][a-z0-9_]*"); // PostgreSQL folds bare names to lower case
        return plain && !RESERVED.contains(name.toLowerCase(Locale.ROOT)) ? name : dialect.quote(name);
    }

    /**
     * Reserved words of PostgreSQL, MariaDB and MySQL 8 (its window functions' words) that make likely column names,
     * which a select item must quote.
     */
    private static final Set<String> RESERVED =
            Set.of(("all and any as asc between by case check column constraint create "
                            + "cross default desc distinct else end except from grant group having in "
                            + "index inner interval is join key left like limit not null on or order "
                            + "primary references right select table then to union unique user using "
                            + "values when where with "
                            + "rank dense_rank percent_rank cume_dist ntile row_number first_value last_value "
                            + "nth_value lead lag over window range rows row groups partition grouping cube "
                            + "system lateral recursive of read write update delete insert into div mod "
                            + "function empty member")
                    .split(" "));

    private static String postgres(ResultSetMetaData md, int i, String name) throws SQLException, Unmappable {
        String t = md.getColumnTypeName(i).toLowerCase(Locale.ROOT);
        String ref = ref(Dialect.POSTGRES, name);
        switch (t) {
            case "int2":
                return "SMALLINT";
            case "int4":
                return "INTEGER";
            case "int8", "oid":
                return "BIGINT";
            case "float4":
                return "FLOAT";
            case "float8":
                return "DOUBLE";
            case "numeric":
                return decimal(Dialect.POSTGRES, md, i, name, ref, t);
            case "bool":
                return "BOOLEAN";
            case "text",
                    "varchar",
                    "bpchar",
                    "char",
                    "name",
                    "citext",
                    "json",
                    "jsonb",
                    "xml",
                    "inet",
                    "cidr",
                    "macaddr":
                return "VARCHAR";
            case "uuid":
                return "UUID";
            case "date":
                return "DATE";
            case "time":
                return "TIME";
            case "timestamp":
                return "TIMESTAMP";
            case "timestamptz":
                return "TIMESTAMP WITH TIME ZONE";
            case "bytea":
                throw new Unmappable(name, ref, t, "encode(" + ref + ", 'hex')");
            case "interval":
                throw new Unmappable(name, ref, t, "extract(epoch FROM " + ref + ")");
            case "money":
                throw new Unmappable(name, ref, t, ref + "::numeric(18,2)");
            default:
                if (t.startsWith("_"))
                    throw new Unmappable(name, ref, t.substring(1) + "[]", "array_to_json(" + ref + ")::text");
                // an enum or a domain over text reads as its text
                int jdbc = md.getColumnType(i);
                if (jdbc == Types.VARCHAR || jdbc == Types.CHAR) return "VARCHAR";
                throw new Unmappable(name, ref, t, ref + "::text");
        }
    }

    private static String generic(Dialect dialect, String product, ResultSetMetaData md, int i, String name)
            throws SQLException, Unmappable {
        String t = md.getColumnTypeName(i).toUpperCase(Locale.ROOT);
        String ref = ref(dialect, name);
        boolean signed = md.isSigned(i);
        // MariaDB's and MySQL's drivers call a YEAR a DATE (yearIsDateType), but its values are years: 2024, not
        // 2024-01-01; read as a date, every row of it was a bad record
        if (dialect == Dialect.MYSQL && t.equals("YEAR")) return "SMALLINT";
        return switch (md.getColumnType(i)) {
            case Types.BOOLEAN -> "BOOLEAN";
            case Types.BIT -> {
                if (md.getPrecision(i) > 1) throw new Unmappable(name, ref, t, "CAST(" + ref + " AS UNSIGNED)");
                yield "BOOLEAN";
            }
            case Types.TINYINT -> "SMALLINT";
            case Types.SMALLINT -> signed ? "SMALLINT" : "INTEGER";
            case Types.INTEGER -> signed ? "INTEGER" : "BIGINT";
            case Types.BIGINT -> signed ? "BIGINT" : "UBIGINT";
            // REAL is single precision by the JDBC book, but not by every driver's (SQLite's is a double); DOUBLE
            // holds either, and the value's text converts exactly
            case Types.REAL, Types.FLOAT, Types.DOUBLE -> "DOUBLE";
            case Types.DECIMAL, Types.NUMERIC -> decimal(dialect, md, i, name, ref, t);
            case Types.CHAR,
                    Types.VARCHAR,
                    Types.LONGVARCHAR,
                    Types.NCHAR,
                    Types.NVARCHAR,
                    Types.LONGNVARCHAR,
                    Types.CLOB,
                    Types.NCLOB -> "VARCHAR";
            case Types.DATE -> "DATE";
            case Types.TIME -> "TIME";
            // MariaDB's TIMESTAMP is an instant (shown in the session's zone, UTC here); DATETIME is a local time
            case Types.TIMESTAMP ->
                dialect == Dialect.MYSQL && t.equals("TIMESTAMP") ? "TIMESTAMP WITH TIME ZONE" : "TIMESTAMP";
            case Types.TIMESTAMP_WITH_TIMEZONE -> "TIMESTAMP WITH TIME ZONE";
            case Types.BINARY, Types.VARBINARY, Types.LONGVARBINARY, Types.BLOB ->
                throw new Unmappable(name, ref, t, dialect == Dialect.MYSQL ? "HEX(" + ref + ")" : hex(product, ref));
            default -> throw new Unmappable(name, ref, t, "CAST(" + ref + " AS CHAR)");
        };
    }

    /** Whether an engine type (of {@link #columns}) is a number, whose values are written as numbers in SQL. */
    static boolean numeric(String engineType) {
        return switch (engineType) {
            case "SMALLINT", "INTEGER", "BIGINT", "UBIGINT", "FLOAT", "DOUBLE" -> true;
            default -> engineType.startsWith("DECIMAL(");
        };
    }

    /** The bytes of {@code column} as hex text, in the SQL of the database {@code product} (only SQLite's is tested). */
    static String hex(String product, String column) {
        String p = product == null ? "" : product.toLowerCase(Locale.ROOT);
        if (p.contains("oracle") || p.equals("h2") || p.contains("hsql")) return "RAWTOHEX(" + column + ")";
        if (p.contains("microsoft sql server")) return "CONVERT(varchar(max), " + column + ", 2)";
        return "hex(" + column + ")"; // SQLite's (the generic dialect's tested database), also DB2's
    }

    private static String decimal(Dialect dialect, ResultSetMetaData md, int i, String name, String ref, String t)
            throws SQLException, Unmappable {
        int precision = md.getPrecision(i);
        int scale = md.getScale(i);
        if (precision <= 0 || precision > 1000) return UNCONSTRAINED_NUMERIC; // PostgreSQL reports none as 0 or 131089
        if (precision > 38) {
            // keep every integer digit and give up decimals: keeping the scale left DECIMAL(65,30) 8 integer digits,
            // and MariaDB's CAST turns a larger value into 99999999.99... with a warning only
            int integerDigits = precision - Math.max(0, scale);
            String text = dialect == Dialect.MYSQL ? "CAST(" + ref + " AS CHAR)" : ref + "::text";
            String decimal = "CAST(" + ref + " AS " + (dialect == Dialect.MYSQL ? "DECIMAL" : "numeric") + "(38,"
                    + Math.min(Math.max(0, scale), 38 - integerDigits) + "))";
            throw new Unmappable(
                    name, ref, t + "(" + precision + "," + scale + ")", integerDigits > 38 ? text : decimal);
        }
        return "DECIMAL(" + precision + "," + Math.max(0, scale) + ")";
    }
}
