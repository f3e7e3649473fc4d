-- The import's set-based check (portal/screen.py): what the row checker (portal/validate.py) does to one
-- cell, as SQL macros. Each accepts at most what the row checker accepts; anything else sends the workbook
-- to the row checker, which names the problem.
-- Python's str.strip(): every character str.isspace() is true for (tests/test_import_sql_screen.py checks it).
-- trim() with a character list is slow, so only cells that start or end with one of them go through it.
CREATE OR REPLACE TEMP MACRO python_strip(s) AS CASE
    WHEN regexp_matches(s, '^[\t\n\x0b\x0c\r\x1c-\x20\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]|[\t\n\x0b\x0c\r\x1c-\x20\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]$')
    THEN trim(s, chr(9)||chr(10)||chr(11)||chr(12)||chr(13)||chr(28)||chr(29)||chr(30)||chr(31)||chr(32)||chr(133)
        ||chr(160)||chr(5760)||chr(8192)||chr(8193)||chr(8194)||chr(8195)||chr(8196)||chr(8197)||chr(8198)||chr(8199)
        ||chr(8200)||chr(8201)||chr(8202)||chr(8232)||chr(8233)||chr(8239)||chr(8287)||chr(12288))
    ELSE s END;
-- workbook.unescape_formula: a leading quote before a formula character, written by the portal's exports.
CREATE OR REPLACE TEMP MACRO unescaped_formula(s) AS
    CASE WHEN s[1] = '''' AND s[2] IN ('=', '+', '-', '@', chr(9), chr(13)) THEN s[2:] ELSE s END;
-- A cell's text as the row checker sees it: stripped; NULL when blank.
CREATE OR REPLACE TEMP MACRO cell_text(s) AS nullif(python_strip(s), '');
-- validate.ID_PATTERN
CREATE OR REPLACE TEMP MACRO is_id(t) AS regexp_full_match(t, '[A-Za-z0-9._-]{1,64}');
-- validate.PARTIAL_DATE_PATTERN, and a day the calendar has (year 1 onwards, as Python's date).
CREATE OR REPLACE TEMP MACRO is_partial_date(t) AS
    regexp_full_match(t, '[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?') AND t[1:4] <> '0000' AND CASE length(t)
        WHEN 4 THEN true WHEN 7 THEN t[6:7] BETWEEN '01' AND '12' ELSE TRY_CAST(t AS DATE) IS NOT NULL END;
-- validate.NUMBER_PATTERN, read as a double (NULL: not a number the row checker reads).
CREATE OR REPLACE TEMP MACRO number_of(t) AS
    CASE WHEN regexp_full_match(t, '[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?') THEN TRY_CAST(t AS DOUBLE) END;
-- validate.parse_list: items split on ';', stripped, blanks dropped; NULL when none is left.
CREATE OR REPLACE TEMP MACRO list_of(t) AS CASE WHEN NOT contains(t, ';') THEN [t] ELSE nullif(
    list_filter(list_transform(string_split(t, ';'), lambda item: python_strip(item)), lambda item: item <> ''), []) END;
-- What validate.parse_url accepts, narrowed to plain ASCII: http(s), a host name, then anything printable.
CREATE OR REPLACE TEMP MACRO is_plain_url(t) AS
    regexp_full_match(t, '(?i)https?://[A-Za-z0-9.-]+(:[0-9]*)?([/?#][!-~]*)?');
