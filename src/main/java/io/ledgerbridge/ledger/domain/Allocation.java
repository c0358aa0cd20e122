package io.ledgerbridge.ledger.domain;

import java.math.BigInteger;

/** Splitting an amount by weights so that the parts add up exactly (largest remainder method). */
public final class Allocation {

    private Allocation() {
    }

    /** Parts of {@code amount} proportional to {@code weights} (non-negative, not all zero), summing to {@code amount}. */
    public static long[] largestRemainder(long amount, long[] weights) {
        long total = 0;
        for (long w : weights) {
            if (w < 0) {
                throw new IllegalArgumentException("negative weight");
            }
            total += w;
        }
        if (total == 0) {
            throw new IllegalArgumentException("all weights are zero");
        }
        long[] parts = new long[weights.length];
        long[] remainders = new long[weights.length];
        long given = 0;
        BigInteger t = BigInteger.valueOf(total);
        for (int i = 0; i < weights.length; i++) {
            BigInteger[] qr = BigInteger.valueOf(amount).multiply(BigInteger.valueOf(weights[i])).divideAndRemainder(t);
            parts[i] = qr[0].longValueExact();
            remainders[i] = qr[1].longValueExact();
            given += parts[i];
        }
        for (long left = amount - given; left > 0; left--) {
            int best = 0;
            for (int i = 1; i < remainders.length; i++) {
                if (remainders[i] > remainders[best]) {
                    best = i;
                }
            }
            parts[best]++;
            remainders[best] = -1;
        }
        return parts;
    }
}
