package io.ledgerbridge.canonical;

import com.fasterxml.jackson.databind.JsonNode;
import io.ledgerbridge.canonical.mapping.MappingException;
import java.util.Currency;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/**
 * Currency codes checked against ISO 4217 ({@link java.util.Currency}) and their exponent, the number
 * of minor units in a major unit, from the standard: 2 for USD, 0 for JPY, 3 for KWD. Money is kept in
 * integer minor units, so a code the standard does not know, or one without minor units (XAU, XXX:
 * "N.A." in ISO 4217), has no meaning here: it is refused, never given a guessed exponent.
 */
public final class Currencies {

    private Currencies() {
    }

    /** The ISO 4217 currency of a code in either case ("usd", "USD"); IllegalArgumentException naming the code otherwise. */
    public static Currency currency(String code) {
        if (code == null || code.isBlank()) {
            throw new IllegalArgumentException("no currency code");
        }
        Currency currency;
        try {
            currency = Currency.getInstance(code.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + code + "' is not an ISO 4217 currency code");
        }
        if (currency.getDefaultFractionDigits() < 0) {
            throw new IllegalArgumentException("'" + code + "' has no minor unit in ISO 4217 (not a currency amounts can be kept in)");
        }
        return currency;
    }

    /** The ISO 4217 exponent of a currency; IllegalArgumentException naming the code if it is not one. */
    public static int exponent(String code) {
        return currency(code).getDefaultFractionDigits();
    }

    /** Whether the code is an ISO 4217 currency with minor units. */
    public static boolean known(String code) {
        try {
            currency(code);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The code, checked: a {@link MappingException} naming the field and the value otherwise. */
    public static String check(String field, String code) {
        try {
            currency(code);
            return code;
        } catch (IllegalArgumentException e) {
            throw new MappingException("field '" + field + "': " + e.getMessage());
        }
    }

    /**
     * Checks every field named {@code currency} in a canonical body, at any depth (lines, fees, ...),
     * naming the first bad one by its path ({@code currency}, {@code lines[2].currency}). A null or
     * absent currency is left to the canonical schema, which says where one is required.
     */
    public static void checkAll(JsonNode body) {
        checkAll("", body);
    }

    private static void checkAll(String path, JsonNode node) {
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                checkAll(path + "[" + i + "]", node.get(i));
            }
        } else if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                String at = path.isEmpty() ? field.getKey() : path + "." + field.getKey();
                JsonNode value = field.getValue();
                if (field.getKey().equals("currency") && !value.isNull()) {
                    if (!value.isTextual()) {
                        throw new MappingException("field '" + at + "': " + value + " is not an ISO 4217 currency code");
                    }
                    check(at, value.asText());
                } else {
                    checkAll(at, value);
                }
            }
        }
    }
}
