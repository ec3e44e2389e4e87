package io.sluice.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.pipeline.EngineOptions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

class EngineStartTest {

    @Test
    void theEngineStartedAsideServesTheRun() throws Exception {
        try (EngineStart starting = EngineStart.begin(new EngineOptions(null, 1, null, null), 1);
                Connection c = starting.engine().connect();
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT 42")) {
            assertThat(r.next()).isTrue();
            assertThat(r.getInt(1)).isEqualTo(42);
        }
    }

    /** The run meets a mistake in {@code run.engine} as it did when it started the engine itself, before any split. */
    @Test
    void aMistakeInTheEngineOptionsIsThrownWhenTheEngineIsAskedFor() throws Exception {
        EngineStart starting = EngineStart.begin(new EngineOptions("lots", null, null, null), 1);
        assertThatThrownBy(starting::engine)
                .isInstanceOf(SQLException.class)
                .hasMessageStartingWith("invalid engine option (run.engine): ");
        starting.close(); // an engine that never started holds nothing to close
    }
}
