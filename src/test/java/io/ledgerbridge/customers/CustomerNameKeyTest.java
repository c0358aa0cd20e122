package io.ledgerbridge.customers;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CustomerNameKeyTest {

    @Test
    void legalFormsCasePunctuationAndAccentsDoNotMakeAnotherName() {
        assertThat(CustomerDirectory.nameKey("Acme, Inc.")).isEqualTo("acme");
        assertThat(CustomerDirectory.nameKey("ACME Incorporated")).isEqualTo("acme");
        assertThat(CustomerDirectory.nameKey("The Acme Corporation")).isEqualTo("acme");
        assertThat(CustomerDirectory.nameKey("Müller & Söhne GmbH")).isEqualTo("muller and sohne");
        assertThat(CustomerDirectory.nameKey("Globex Industries Ltd")).isEqualTo(CustomerDirectory.nameKey("globex industries limited"));
        assertThat(CustomerDirectory.nameKey("Co")).isEqualTo("co");
        assertThat(CustomerDirectory.nameKey(" ")).isNull();
    }

    @Test
    void nearNamesAreAFewEditsApartAndShortNamesAreNeverNear() {
        assertThat(CustomerDirectory.similar("globex industries", "globex industrie")).isTrue();
        assertThat(CustomerDirectory.similar("initech software", "initech softwar3")).isTrue();
        assertThat(CustomerDirectory.similar("acme", "acne")).isFalse();
        assertThat(CustomerDirectory.similar("globex industries", "globex holdings")).isFalse();
    }
}
