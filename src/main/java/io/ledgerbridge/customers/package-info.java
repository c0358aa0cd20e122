/** One customer across CRM, e-signature, Stripe and ERP ids. */
@ApplicationModule(displayName = "Customers")
package io.ledgerbridge.customers;

import org.springframework.modulith.ApplicationModule;
