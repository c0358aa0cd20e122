package io.ledgerbridge.ledger.domain;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The account code of each role in a company's chart of accounts: every {@link AccountRole} the posting
 * rules post to, and any other role the chart names (a product's revenue account, for instance).
 */
public final class AccountRoles {

    private final Map<String, String> codes;

    private AccountRoles(Map<String, String> codes) {
        this.codes = codes;
    }

    /**
     * The roles of a chart ({@code role -> code}, roles as the chart spells them).
     *
     * @throws IllegalArgumentException naming the roles the posting rules need that no account plays
     */
    public static AccountRoles of(Map<String, String> codeByRole) {
        List<String> missing = new ArrayList<>();
        for (AccountRole role : AccountRole.values()) {
            String code = codeByRole.get(role.key());
            if (code == null || code.isBlank()) {
                missing.add(role.key());
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("no account has the role" + (missing.size() > 1 ? "s " : " ")
                    + String.join(", ", missing) + " (the posting rules post to "
                    + (missing.size() > 1 ? "them" : "it") + "): give an account of the chart 'role: " + missing.get(0) + "'");
        }
        return new AccountRoles(java.util.Collections.unmodifiableMap(new LinkedHashMap<>(codeByRole)));
    }

    /** The code of the account that plays the role. */
    public String code(AccountRole role) {
        return codes.get(role.key());
    }

    /** The code of the account that plays a role the chart names, if one does. */
    public Optional<String> code(String role) {
        return Optional.ofNullable(codes.get(role));
    }

    /** Every role and its code, in chart order. */
    public Map<String, String> asMap() {
        return codes;
    }

    @Override
    public String toString() {
        return codes.toString();
    }
}
