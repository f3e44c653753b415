DROP TABLE billing_requisites;
