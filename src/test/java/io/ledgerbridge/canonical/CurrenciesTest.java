package io.ledgerbridge.canonical;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ledgerbridge.canonical.mapping.MappingException;
import org.junit.jupiter.api.Test;

/** ISO 4217 codes and exponents from java.util.Currency; every currency field of a body, nested ones named by path. */
class CurrenciesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void exponentsComeFromTheStandard() {
        assertThat(Currencies.exponent("USD")).isEqualTo(2);
        assertThat(Currencies.exponent("usd")).isEqualTo(2);
        assertThat(Currencies.exponent("JPY")).isZero();
        assertThat(Currencies.exponent("KWD")).isEqualTo(3);
        assertThat(Currencies.exponent("CLF")).isEqualTo(4);
    }

    @Test
    void unknownCodesAndCodesWithoutMinorUnitsAreRefusedNotGuessed() {
        assertThatThrownBy(() -> Currencies.exponent("XXQ")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'XXQ' is not an ISO 4217 currency code");
        assertThatThrownBy(() -> Currencies.exponent("XAU")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no minor unit");
        assertThatThrownBy(() -> Currencies.exponent(null)).isInstanceOf(IllegalArgumentException.class);
        assertThat(Currencies.known("EUR")).isTrue();
        assertThat(Currencies.known("XXQ")).isFalse();
        assertThatThrownBy(() -> Currencies.check("currency", "XXQ")).isInstanceOf(MappingException.class)
                .hasMessage("field 'currency': 'XXQ' is not an ISO 4217 currency code");
    }

    @Test
    void everyCurrencyFieldOfABodyIsCheckedAtAnyDepth() throws Exception {
        Currencies.checkAll(JSON.readTree("""
                {"currency":"USD","lines":[{"currency":"usd"},{"currency":null}],"fee":{"amount":1}}"""));
        assertThatThrownBy(() -> Currencies.checkAll(JSON.readTree("""
                {"currency":"USD","lines":[{"currency":"USD"},{"currency":"XXQ"}]}""")))
                .isInstanceOf(MappingException.class).hasMessage("field 'lines[1].currency': 'XXQ' is not an ISO 4217 currency code");
        assertThatThrownBy(() -> Currencies.checkAll(JSON.readTree("""
                {"fee":{"currency":840}}"""))).isInstanceOf(MappingException.class).hasMessageContaining("field 'fee.currency'");
    }
}
