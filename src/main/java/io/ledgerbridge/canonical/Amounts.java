package io.ledgerbridge.canonical;

import io.ledgerbridge.canonical.Currencies;
import java.math.BigDecimal;

/** Reading amounts as people type them in documents ("12,000.00", "$0.002", "10%") into minor units. */
public final class Amounts {

    private Amounts() {
    }

    /** The ISO 4217 exponent of a currency (2 for USD, 0 for JPY, 3 for KWD). */
    public static int exponent(String currency) {
        return Currencies.exponent(currency);
    }

    /** A decimal in major units, cleaned of grouping and currency symbols. */
    public static BigDecimal decimal(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty amount");
        }
        String cleaned = text.trim().replaceAll("[\\s,$€£¥%]", "").replaceAll("^[A-Za-z]{3}", "");
        try {
            return new BigDecimal(cleaned);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not an amount");
        }
    }

    /** Whole minor units; more decimals than the currency has is an error, never rounded away. */
    public static long minor(String text, String currency) {
        BigDecimal major = decimal(text);
        BigDecimal minor = major.movePointRight(exponent(currency));
        try {
            return minor.setScale(0, java.math.RoundingMode.UNNECESSARY).longValueExact();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("'" + text + "' has more decimals than " + currency + " has minor units");
        }
    }

    /** A unit price in (possibly fractional) minor units: USD 0.002 is 0.2 cents. */
    public static BigDecimal minorPrice(String text, String currency) {
        return decimal(text).movePointRight(exponent(currency)).stripTrailingZeros();
    }

    /**
     * "12000.00" for 1200000 USD, "1200" for 1200 JPY: the ISO 4217 exponent, integer arithmetic only.
     * A code that is not an ISO 4217 currency has no known exponent and none is guessed: the amount is
     * shown in minor units, saying so.
     */
    public static String format(long minor, String currency) {
        if (!Currencies.known(currency)) {
            return minor + " (minor units; " + currency + " is not an ISO 4217 currency)";
        }
        int exponent = Currencies.exponent(currency);
        if (exponent == 0) {
            return Long.toString(minor);
        }
        String digits = Long.toString(Math.abs(minor));
        while (digits.length() <= exponent) {
            digits = "0" + digits;
        }
        return (minor < 0 ? "-" : "") + digits.substring(0, digits.length() - exponent) + "." + digits.substring(digits.length() - exponent);
    }
}
