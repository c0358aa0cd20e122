package io.ledgerbridge.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.ledgerbridge.canonical.CanonicalType;
import io.ledgerbridge.support.LedgerbridgeTest;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** The routes' predicates on the canonical type use the direct conversion, and still choose as before. */
@LedgerbridgeTest
class CanonicalTypeConversionTest {

    @Autowired
    CamelContext camel;

    @Test
    void theCanonicalTypeHasAConverterOfItsOwnAndThePredicatesStillChoose() {
        assertThat(camel.getTypeConverterRegistry().lookup(CanonicalType.class, String.class)).isNotNull();
        assertThat(camel.getTypeConverter().convertTo(CanonicalType.class, "PAYOUT_PAID")).isEqualTo(CanonicalType.PAYOUT_PAID);
        assertThat(camel.getTypeConverter().tryConvertTo(CanonicalType.class, "NOT_A_TYPE")).isNull();

        Exchange exchange = new DefaultExchange(camel);
        exchange.getMessage().setBody(new Typed(CanonicalType.INVOICE_FINALIZED));
        assertThat(matches("${body.type} in 'CUSTOMER_UPSERTED,INVOICE_FINALIZED'", exchange)).isTrue();
        assertThat(matches("${body.type} in 'DEAL_CLOSED_WON,CONTRACT_SIGNED'", exchange)).isFalse();
        assertThat(matches("${body.type} != 'IGNORED'", exchange)).isTrue();
        exchange.getMessage().setBody(new Typed(CanonicalType.IGNORED));
        assertThat(matches("${body.type} != 'IGNORED'", exchange)).isFalse();
    }

    private boolean matches(String simple, Exchange exchange) {
        return camel.resolveLanguage("simple").createPredicate(simple).matches(exchange);
    }

    /** Shaped like the canonical event as the routes see it: a record with a type. */
    public record Typed(CanonicalType type) {
    }
}
