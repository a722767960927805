# Question: Define a settings record for a forecast run and show its derived configuration.
from dataclasses import dataclass, field, fields, replace


@dataclass(slots=True, kw_only=True)
class ForecastConfig:
    horizon_weeks: int = 12
    seasonality: str = "weekly"
    confidence: float = 0.9
    regressors: list[str] = field(default_factory=list)
    holidays: dict[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        return f"{self.horizon_weeks}w {self.seasonality} forecast at {self.confidence:.0%} with {len(self.regressors)} regressor(s)"


base = ForecastConfig(regressors=["price", "promo"])
holiday = replace(base, horizon_weeks=6, holidays={"2024-12-25": "Christmas"})
print(base.describe())
print(holiday.describe(), holiday.holidays)
print("Fields:", [(f.name, f.type) for f in fields(ForecastConfig)][:3])
try:
    base.notes = "ad hoc field"
except AttributeError:
    print("slots=True: ad hoc attributes are rejected")
try:
    ForecastConfig(8)
except TypeError as exc:
    print("Positional args rejected:", "positional" in str(exc))
