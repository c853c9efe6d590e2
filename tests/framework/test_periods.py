"""Recurring periods across month, quarter and year ends."""

from datetime import date

import pytest

from wenming.framework.periods import period_containing, periods_between


@pytest.mark.parametrize(
    ("day", "frequency", "expected"),
    [
        (date(2026, 12, 31), "monthly", (date(2026, 12, 1), date(2026, 12, 31))),
        (date(2028, 2, 29), "monthly", (date(2028, 2, 1), date(2028, 2, 29))),
        (date(2027, 2, 10), "monthly", (date(2027, 2, 1), date(2027, 2, 28))),
        (date(2026, 11, 22), "quarterly", (date(2026, 10, 1), date(2026, 12, 31))),
        (date(2027, 1, 1), "quarterly", (date(2027, 1, 1), date(2027, 3, 31))),
        (date(2026, 6, 30), "yearly", (date(2026, 1, 1), date(2026, 12, 31))),
    ],
)
def test_period_containing(day, frequency, expected):
    assert period_containing(day, frequency) == expected


def test_monthly_periods_cross_the_year_end():
    assert list(periods_between(date(2026, 11, 15), date(2027, 2, 1), "monthly")) == [
        (date(2026, 11, 1), date(2026, 11, 30)),
        (date(2026, 12, 1), date(2026, 12, 31)),
        (date(2027, 1, 1), date(2027, 1, 31)),
        (date(2027, 2, 1), date(2027, 2, 28)),
    ]


def test_quarterly_and_yearly_periods_cross_the_year_end():
    assert list(periods_between(date(2026, 8, 1), date(2027, 4, 1), "quarterly")) == [
        (date(2026, 7, 1), date(2026, 9, 30)),
        (date(2026, 10, 1), date(2026, 12, 31)),
        (date(2027, 1, 1), date(2027, 3, 31)),
        (date(2027, 4, 1), date(2027, 6, 30)),
    ]
    assert list(periods_between(date(2026, 3, 1), date(2027, 1, 1), "yearly")) == [
        (date(2026, 1, 1), date(2026, 12, 31)),
        (date(2027, 1, 1), date(2027, 12, 31)),
    ]
