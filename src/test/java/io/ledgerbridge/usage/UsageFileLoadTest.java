package io.ledgerbridge.usage;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The file load's own readers: the common timestamp shape read by hand, and the key fingerprint. */
class UsageFileLoadTest {

    @Test
    void theCommonTimestampShapeReadsAsTheFormatterWould() {
        assertThat(UsageColumns.utcSeconds("2026-07-01T10:00:00Z")).isEqualTo(Instant.parse("2026-07-01T10:00:00Z"));
        assertThat(UsageColumns.utcSeconds("2024-02-29T23:59:59Z")).isEqualTo(Instant.parse("2024-02-29T23:59:59Z"));
        assertThat(UsageColumns.utcSeconds("1970-01-01T00:00:00Z")).isEqualTo(Instant.EPOCH);
    }

    @Test
    void anythingElseIsLeftToTheFormatter() {
        assertThat(UsageColumns.utcSeconds("2025-02-29T10:00:00Z")).isNull(); // no 29 February in 2025
        assertThat(UsageColumns.utcSeconds("2026-13-01T10:00:00Z")).isNull();
        assertThat(UsageColumns.utcSeconds("2026-06-31T10:00:00Z")).isNull();
        assertThat(UsageColumns.utcSeconds("2026-06-01T24:00:00Z")).isNull();
        assertThat(UsageColumns.utcSeconds("2026-06-01T10:00:00+02:00")).isNull();
        assertThat(UsageColumns.utcSeconds("2026-06-01T10:00:00.5Z")).isNull();
        assertThat(UsageColumns.utcSeconds("2026-06-01T1a:00:00Z")).isNull();
    }

    @Test
    void theFingerprintTellsProducerAndEventApart() {
        assertThat(UsageFileLoad.fingerprint("default", "ev-1")).isEqualTo(UsageFileLoad.fingerprint("default", "ev-1"));
        assertThat(UsageFileLoad.fingerprint("default", "ev-1")).isNotEqualTo(UsageFileLoad.fingerprint("meter-b", "ev-1"));
        assertThat(UsageFileLoad.fingerprint("ab", "c")).isNotEqualTo(UsageFileLoad.fingerprint("a", "bc"));
    }
}
