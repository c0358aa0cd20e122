-- Usage and other feeds name a customer by an external id without saying which system issued it.
create index customer_xref_external_id on customer_xref (external_id);
