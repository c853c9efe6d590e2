"""Calendar periods of recurring tasks: months, quarters and years, across year ends."""

import calendar
from datetime import date, timedelta


def period_containing(day: date, frequency: str) -> tuple[date, date]:
    """The first and last day of the monthly, quarterly or yearly period holding `day`."""
    if frequency == "monthly":
        start = day.replace(day=1)
        end = day.replace(day=calendar.monthrange(day.year, day.month)[1])
    elif frequency == "quarterly":
        first_month = 3 * ((day.month - 1) // 3) + 1
        start = date(day.year, first_month, 1)
        last_month = first_month + 2
        end = date(day.year, last_month, calendar.monthrange(day.year, last_month)[1])
    elif frequency == "yearly":
        start, end = date(day.year, 1, 1), date(day.year, 12, 31)
    else:
        raise ValueError(f"not a recurring frequency: {frequency}")
    return start, end


def periods_between(first: date, last: date, frequency: str):
    """Every period from the one holding `first` to the one holding `last`, in order."""
    start, end = period_containing(first, frequency)
    while start <= last:
        yield start, end
        start, end = period_containing(end + timedelta(days=1), frequency)
