# Question: Iterate over fiscal periods (4-4-5 calendar) for a retail year.
from datetime import date, timedelta


class FiscalPeriods:
    """Yields (period number, start, end) for a 4-4-5 week pattern."""

    PATTERN = [4, 4, 5] * 4

    def __init__(self, year_start):
        self.year_start = year_start

    def __iter__(self):
        return FiscalPeriodIterator(self.year_start, self.PATTERN)


class FiscalPeriodIterator:
    def __init__(self, start, pattern):
        self.cursor = start
        self.pattern = iter(enumerate(pattern, 1))

    def __iter__(self):
        return self

    def __next__(self):
        number, weeks = next(self.pattern)
        start = self.cursor
        end = start + timedelta(weeks=weeks) - timedelta(days=1)
        self.cursor = end + timedelta(days=1)
        return number, start, end


for number, start, end in FiscalPeriods(date(2024, 2, 4)):
    print(f"P{number:02d}: {start:%d %b %Y} - {end:%d %b %Y} ({(end - start).days + 1} days)")
