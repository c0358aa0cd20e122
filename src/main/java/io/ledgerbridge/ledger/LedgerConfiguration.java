package io.ledgerbridge.ledger;

import io.ledgerbridge.ledger.domain.AccountRoles;
import io.ledgerbridge.ledger.domain.PostingRules;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The account roles of the chart of accounts, and the posting rules that post to them, for every module that posts. */
@Configuration
public class LedgerConfiguration {

    @Bean
    AccountRoles accountRoles(LedgerMappings mappings) {
        return mappings.roles();
    }

    @Bean
    PostingRules postingRules(AccountRoles roles) {
        return new PostingRules(roles);
    }
}
