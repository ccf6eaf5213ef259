# Spanish dates as Spanish patient pages write them: "29 nov 2026", "29 nov 2026, 14:05",
# with lower-case month and weekday abbreviations; numbers with a decimal comma ("45,5") and a
# point between thousands ("45.000").
DATE_FORMAT = "j b Y"
DATETIME_FORMAT = "j b Y, H:i"
MONTH_DAY_FORMAT = "j b"
YEAR_MONTH_FORMAT = "b Y"
# The SHORT_ names hold the weekday dates of reminders ("lun 30 nov"), not short dates.
SHORT_DATE_FORMAT = "D j b"
SHORT_DATETIME_FORMAT = "D j b Y"
TIME_FORMAT = "H:i"
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
NUMBER_GROUPING = 3
