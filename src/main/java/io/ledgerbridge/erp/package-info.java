/** Postings to NetSuite, QuickBooks Online and Xero, and their read-back. */
@ApplicationModule(displayName = "ERP")
package io.ledgerbridge.erp;

import org.springframework.modulith.ApplicationModule;
