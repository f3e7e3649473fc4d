-- Currencies a total can be reported in: US dollars and every currency with an fx rate.
SELECT 'USD' AS currency
UNION
SELECT DISTINCT currency FROM fx_rates
ORDER BY currency = 'USD' DESC, currency
