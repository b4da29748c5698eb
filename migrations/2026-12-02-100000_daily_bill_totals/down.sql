DROP TRIGGER daily_bills_are_final ON daily_bills;
DROP FUNCTION daily_bills_are_final();
DROP TRIGGER daily_bills_add_to_totals ON daily_bills;
DROP FUNCTION daily_bill_totals_add();
DROP TABLE daily_bill_totals;
