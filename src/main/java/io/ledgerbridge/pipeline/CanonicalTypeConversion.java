package io.ledgerbridge.pipeline;

import io.ledgerbridge.canonical.CanonicalType;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.TypeConversionException;
import org.apache.camel.spring.boot.CamelContextConfiguration;
import org.apache.camel.support.TypeConverterSupport;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The routes choose their path by the canonical type ({@code ${body.type} in 'INVOICE_FINALIZED,...'}).
 * Camel compares an enum with a text by converting the text; without a converter of its own that
 * goes through the generic enum fallback, which searches the converter registry on every message
 * (a third of a consumer thread's time under load). This registers the direct conversion once.
 */
@Configuration(proxyBeanMethods = false)
public class CanonicalTypeConversion {

    @Bean
    CamelContextConfiguration canonicalTypeConverter() {
        return new CamelContextConfiguration() {
            @Override
            public void beforeApplicationStart(CamelContext camel) {
                camel.getTypeConverterRegistry().addTypeConverter(CanonicalType.class, String.class, new TypeConverterSupport() {
                    @Override
                    @SuppressWarnings("unchecked")
                    public <T> T convertTo(Class<T> type, Exchange exchange, Object value) throws TypeConversionException {
                        try {
                            return (T) CanonicalType.valueOf(((String) value).trim());
                        } catch (IllegalArgumentException notACanonicalType) {
                            return null;
                        }
                    }
                });
            }

            @Override
            public void afterApplicationStart(CamelContext camel) {
                // nothing to do once started
            }
        };
    }
}
