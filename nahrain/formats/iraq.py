"""Django's own formatting in Arabic and Sorani, kept to Nahrain's one convention (see
nahrain/core/templatetags/nahrain_format.py, which pages use): Western digits with Western
separators, day before month, never a numeric date on a page. Django's own Arabic data puts a
comma for the decimal point and a dot between thousands, and both languages have numeric short
dates (d/m/Y in Arabic, Y/n/j in Sorani); values Django itself localises (a form field's initial
number, an unformatted decimal) would then break the convention."""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y، H:i"
SHORT_DATE_FORMAT = "j F Y"
SHORT_DATETIME_FORMAT = "j F Y، H:i"
TIME_FORMAT = "H:i"
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
