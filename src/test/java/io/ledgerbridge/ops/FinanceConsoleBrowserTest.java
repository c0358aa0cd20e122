package io.ledgerbridge.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.ledgerbridge.support.LedgerbridgeTest;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The finance console end to end in Debian's Chromium, driven by playwright-core
 * ({@code src/test/console/console.test.mjs}). {@code .ci/run} installs Chromium and the npm package
 * and sets {@code LB_REQUIRE_BROWSER=1}, so there the test cannot be skipped; on a machine without
 * them it is skipped with the reason.
 */
@LedgerbridgeTest
class FinanceConsoleBrowserTest {

    private static final Path SCRIPT = Path.of("src/test/console/console.test.mjs");

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;

    @Test
    void approveAnExceptionAndReplayADeadLetterInARealBrowser() throws Exception {
        String chromium = System.getenv().getOrDefault("CHROMIUM_PATH", "/usr/bin/chromium");
        boolean ready = new File(chromium).canExecute() && Files.isDirectory(Path.of("src/test/console/node_modules/playwright-core"));
        if (!ready) {
            String why = "needs " + chromium + " (apt-get install chromium) and playwright-core (npm ci --prefix src/test/console)";
            if ("1".equals(System.getenv("LB_REQUIRE_BROWSER"))) {
                throw new AssertionError("the browser test cannot run: it " + why);
            }
            Assumptions.abort("skipped: the browser test " + why);
        }
        long exception = jdbc.queryForObject("""
                insert into exception_item (kind, summary, requested_by, notified_at)
                values ('console_check', 'Contract for Console Test Inc: payment terms Net 60 exceed the limit of Net 45', 'approver', now())
                returning id""", Long.class);
        long deadLetter = jdbc.queryForObject("""
                insert into dead_letter (route_id, replay_uri, payload, error_class, error_message)
                values ('erp-sync', 'direct:erp-retry', '{"postingId":-1}', 'io.ledgerbridge.erp.ErpException$Refused',
                        'quickbooks refused the document (HTTP 400): Invalid Reference Id')
                returning id""", Long.class);
        Path shot = Path.of("target/console.png");
        Process p = new ProcessBuilder(List.of("node", SCRIPT.toString(), "http://localhost:" + port, Long.toString(exception),
                Long.toString(deadLetter), shot.toString())).redirectErrorStream(true).start();
        boolean ended = p.waitFor(120, TimeUnit.SECONDS);
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!ended) {
            p.destroyForcibly();
        }
        assertThat(ended).as("the browser run ended: " + output).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        assertThat(output).contains("OK console");
        assertThat(jdbc.queryForObject("select status || ' by ' || decided_by from exception_item where id = ?", String.class, exception))
                .isEqualTo("approved by approver2");
        assertThat(jdbc.queryForObject("select status || ' by ' || resolved_by from dead_letter where id = ?", String.class, deadLetter))
                .isEqualTo("replayed by admin");
        assertThat(shot).exists();
    }
}
