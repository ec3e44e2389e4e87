package io.sluice.steps.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** A `;` or `)` inside a string, a quoted name or a comment is part of the query; outside, it ends the wrapping. */
class OneQueryTest {
    @Test
    void semicolonsAndParenthesesInsideStringsNamesAndCommentsAreTheQuerys() {
        for (String sql : new String[] {
            "SELECT ';)' AS a, 'it''s;)' AS b FROM input",
            "SELECT E'\\';)' AS a FROM input",
            "SELECT \";)\" FROM input",
            "SELECT $$;)$$ AS a, $t$ $$ ;) $t$ AS b FROM input",
            "SELECT 1 /* ;) /* nested ;) */ still ;) */ FROM input",
            "SELECT 1 FROM input -- ;)",
            "SELECT a$1 FROM input WHERE x = $1"
        }) {
            assertThat(OneQuery.of(sql)).as(sql).isEqualTo(sql);
        }
    }

    @Test
    void theSemicolonsThatEndTheQueryGoWithTheCommentsAfterThem() {
        assertThat(OneQuery.of("SELECT 1 FROM input;")).isEqualTo("SELECT 1 FROM input");
        assertThat(OneQuery.of("SELECT 1 FROM input ; ;\n-- done\n/* really */ "))
                .isEqualTo("SELECT 1 FROM input");
    }

    @Test
    void aSecondStatementOrAParenthesisClosingTheWrappingIsRefused() {
        assertThatThrownBy(() -> OneQuery.of("SELECT 1;\n  DROP TABLE t"))
                .hasMessageStartingWith("a step is one query, and a second statement follows the `;` at line 1, "
                        + "column 9 of the step's SQL");
        assertThatThrownBy(() -> OneQuery.of("SELECT 'x' FROM input\n WHERE (a)) UNION SELECT 1"))
                .hasMessageStartingWith("the `)` at line 2, column 11 of the step's SQL closes a parenthesis");
    }
}
