package io.ledgerbridge.canonical;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;

/** A customer as one source system knows it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Customer(String id, String name, String email, String currency, Map<String, String> metadata) {
}
