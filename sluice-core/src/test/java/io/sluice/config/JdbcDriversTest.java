package io.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The drivers Sluice ships connect without DriverManager; any other url still goes through it. */
class JdbcDriversTest {
    @Test
    void aShippedDriverIsAskedDirectlyByItsUrl() throws Exception {
        assertThat(JdbcDrivers.shipped("jdbc:sqlite::memory:")).isInstanceOf(org.sqlite.JDBC.class);
        assertThat(JdbcDrivers.shipped("jdbc:duckdb:")).isInstanceOf(org.duckdb.DuckDBDriver.class);
        assertThat(JdbcDrivers.shipped("jdbc:h2:mem:x")).as("not shipped").isNull();
        try (Connection c = JdbcDrivers.connect("jdbc:sqlite::memory:", new Properties());
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT 40 + 2")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(42);
        }
    }

    @Test
    void aUrlNoDriverTakesFailsAsDriverManagerSaysIt() {
        assertThatThrownBy(() -> JdbcDrivers.connect("jdbc:nosuchdb://localhost/x", new Properties()))
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("jdbc:nosuchdb://localhost/x");
    }

    /** Connection pools take a data source over the same drivers (HikariCP's own would use DriverManager). */
    @Test
    void aPoolsDataSourceConnectsThroughTheShippedDriver() throws Exception {
        javax.sql.DataSource source = JdbcDrivers.dataSource("jdbc:sqlite::memory:", new Properties());
        try (Connection c = source.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT 6 * 7")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(42);
        }
        assertThat(source.isWrapperFor(javax.sql.DataSource.class)).isTrue();
    }
}
