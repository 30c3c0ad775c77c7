-- Macros of a build's (or an import preview's) connection: the SQL side of the rules etl/clean.py and common/text.py
-- apply in Python. tests/test_parity.py runs one table of cases (tests/parity_cases.csv) through both sides.

-- A number as printed in a cell, spaces and unit already removed: '1234', '1.234.567,89', '1,234,567.89', '2,5'.
CREATE OR REPLACE TEMP MACRO ess_num(s) AS (CASE
    WHEN regexp_full_match(s, '-?\d+') THEN TRY_CAST(s AS DECIMAL(20, 2))
    WHEN regexp_full_match(s, '-?\d{1,3}(\.\d{3})+(,\d+)?') THEN TRY_CAST(replace(replace(s, '.', ''), ',', '.') AS DECIMAL(20, 2))
    WHEN regexp_full_match(s, '-?\d{1,3}(,\d{3})+(\.\d+)?') THEN TRY_CAST(replace(s, ',', '') AS DECIMAL(20, 2))
    WHEN regexp_full_match(s, '-?\d+(,\d+)?') THEN TRY_CAST(replace(s, ',', '.') AS DECIMAL(20, 2))
    WHEN regexp_full_match(s, '-?\d+(\.\d+)?') THEN TRY_CAST(s AS DECIMAL(20, 2))
    ELSE NULL END);

-- An amount in a cell, cleaned (lower case, no spaces, no trailing euro sign): '12000', '15k', '2,5m€'.
CREATE OR REPLACE TEMP MACRO ess_amount_c(c) AS (CASE
    WHEN c IS NULL OR c = '' THEN NULL
    WHEN NOT regexp_matches(c, '[^0-9]') THEN TRY_CAST(c AS DECIMAL(20, 2))
    WHEN regexp_matches(c, '\d(k€|keur|k)$') THEN ess_num(regexp_replace(c, '(k€|keur|k)$', '')) * 1000
    WHEN regexp_matches(c, '\d(m€|meur|m)$') THEN ess_num(regexp_replace(c, '(m€|meur|m)$', '')) * 1000000
    ELSE ess_num(c) END);

-- A rate in a cell, cleaned: '50%', '0,5', '48,6' (a number above 1 is a percentage). In DECIMAL throughout (a
-- division would make it a DOUBLE: 76 905,15 € at 50 % gave 38 452,57 € instead of 38 452,58 €).
CREATE OR REPLACE TEMP MACRO ess_rate_c(c) AS (CASE
    WHEN c IS NULL OR c = '' THEN NULL
    WHEN regexp_full_match(c, '-?\d+([.,]\d+)?%') THEN TRY_CAST(replace(rtrim(c, '%'), ',', '.') AS DECIMAL(12, 6)) * 0.01
    WHEN regexp_full_match(c, '-?\d+([.,]\d+)?') THEN (CASE
        WHEN TRY_CAST(replace(c, ',', '.') AS DECIMAL(12, 6)) > 1 THEN TRY_CAST(replace(c, ',', '.') AS DECIMAL(12, 6)) * 0.01
        ELSE TRY_CAST(replace(c, ',', '.') AS DECIMAL(12, 6)) END)
    ELSE NULL END);

-- A date in a cell: DD/MM/YYYY, YYYY-MM-DD, DD.MM.YYYY, DD-MM-YYYY, DD/MM/YY, D/M/YYYY, an ISO timestamp.
CREATE OR REPLACE TEMP MACRO ess_date(x) AS (CASE
    WHEN x IS NULL THEN NULL
    WHEN length(x) = 10 THEN coalesce(try_strptime(x, '%d/%m/%Y'), try_strptime(x, '%Y-%m-%d'),
                                      try_strptime(x, '%d.%m.%Y'), try_strptime(x, '%d-%m-%Y'))
    WHEN length(x) = 8 AND regexp_full_match(x, '\d\d[/.-]\d\d[/.-]\d\d') THEN try_strptime(regexp_replace(x, '[.-]', '/', 'g'), '%d/%m/%y')
    WHEN regexp_full_match(x, '\d{1,2}[/.-]\d{1,2}[/.-]\d{4}') THEN try_strptime(regexp_replace(x, '[.-]', '/', 'g'), '%d/%m/%Y')
    WHEN regexp_full_match(x, '\d{4}-\d{2}-\d{2}[ T].*') THEN try_strptime(left(x, 10), '%Y-%m-%d')
    ELSE NULL END)::DATE;

-- common.text.fold: lower case, no accents, punctuation as one space, trimmed.
-- (ess_ligatures, from common.text.LIGATURES, is created by etl/schema.py before this file runs)
CREATE OR REPLACE TEMP MACRO ess_fold(x) AS trim(regexp_replace(lower(strip_accents(ess_ligatures(trim(x)))), '[^a-z0-9]+', ' ', 'g'));
-- etl.clean.slug: the folded text, its spaces as dashes
CREATE OR REPLACE TEMP MACRO ess_slug(x) AS trim(regexp_replace(lower(strip_accents(ess_ligatures(x))), '[^a-z0-9]+', '-', 'g'), '-');
-- an identifier already made of letters, digits and single dashes: lower case; else a slug
CREATE OR REPLACE TEMP MACRO ess_slug_id(x) AS (CASE
    WHEN regexp_full_match(x, '[A-Za-z0-9]+(-[A-Za-z0-9]+)*') THEN lower(x) ELSE ess_slug(x) END);
-- an amount for a message: '62 414 €'
CREATE OR REPLACE TEMP MACRO ess_eur(v) AS replace(format('{:,.0f}', v::DOUBLE), ',', ' ') || ' €';

-- A SIREN (9 digits) whose Luhn key is right (etl.clean.siren_ok): every second digit from the right doubled, the
-- digits summed, a multiple of 10.
CREATE OR REPLACE TEMP MACRO ess_luhn(s) AS (CASE WHEN regexp_full_match(s, '\d{9}') THEN list_sum(list_transform(
    range(1, 10), lambda i: CASE WHEN i % 2 = 0 THEN (s[i]::INTEGER * 2) // 10 + (s[i]::INTEGER * 2) % 10
                                 ELSE s[i]::INTEGER END)) % 10 = 0 ELSE false END);

-- A share in a cell, cleaned: '0.45', '0,45', '45%' (a decimal number as the SCDL schema prints it; no heuristic:
-- '1.5' is not a share).
CREATE OR REPLACE TEMP MACRO ess_share_c(c) AS (CASE
    WHEN c IS NULL OR c = '' THEN NULL
    WHEN regexp_full_match(c, '-?\d+([.,]\d+)?%') THEN TRY_CAST(replace(rtrim(c, '%'), ',', '.') AS DECIMAL(12, 6)) * 0.01
    WHEN regexp_full_match(c, '-?\d+([.,]\d+)?') THEN TRY_CAST(replace(c, ',', '.') AS DECIMAL(12, 6))
    ELSE NULL END);
