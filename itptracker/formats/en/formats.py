# English dates as the app has always written them: "29 Nov 2026", "29 Nov 2026, 14:05".
DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
MONTH_DAY_FORMAT = "j M"
YEAR_MONTH_FORMAT = "M Y"
# The SHORT_ names hold the weekday dates of reminders ("Mon 30 Nov"), not short dates.
SHORT_DATE_FORMAT = "D j M"
SHORT_DATETIME_FORMAT = "D j M Y"
TIME_FORMAT = "H:i"
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
