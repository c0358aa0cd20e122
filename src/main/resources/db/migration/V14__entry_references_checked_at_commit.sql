-- The ledger stage writes the entries of a batch together at its end (LedgerStore.writeTogether), while
-- the receivables and reductions that name them are written as each event is applied: those
-- references are checked at commit, when the entries are there. An entry missing then still fails
-- the commit, so nothing can name an entry that was not posted.
alter table ar_invoice alter constraint ar_invoice_entry_id_fkey deferrable initially deferred;
alter table ar_payment alter constraint ar_payment_entry_id_fkey deferrable initially deferred;
alter table line_reduction alter constraint line_reduction_entry_id_fkey deferrable initially deferred;
alter table usage_charge alter constraint usage_charge_relief_entry_id_fkey deferrable initially deferred;
