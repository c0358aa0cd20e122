/** Webhook plumbing, the inbox (the only writer of inbox_event) and the outbox relay to Kafka. */
@ApplicationModule(displayName = "Inbox")
package io.ledgerbridge.inbox;

import org.springframework.modulith.ApplicationModule;
