"""Bar charts as server-side SVG geometry: no chart script, nothing fetched from elsewhere.

``bars`` turns labelled groups of values into rectangles the template draws; every bar keeps
its own link and title so a chart is as explorable as the figures beside it.
"""

from dataclasses import dataclass

WIDTH, HEIGHT, BASELINE = 640, 180, 20  # BASELINE: room for the labels under the bars


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: int
    title: str
    href: str


@dataclass(frozen=True)
class Label:
    x: float
    text: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    labels: list[Label]


def bars(groups: list[tuple[str, list[tuple[int, str, str]]]]) -> Chart:
    """``groups``: (label, [(value, title, href) per series]); values are non-negative."""
    peak = max((value for _, series in groups for value, _, _ in series), default=0) or 1
    slot = WIDTH / max(len(groups), 1)
    per_bar = slot * 0.8 / max((len(series) for _, series in groups), default=1)
    drawn, labels = [], []
    for index, (label, series) in enumerate(groups):
        left = index * slot + slot * 0.1
        labels.append(Label(x=round(left + slot * 0.4, 1), text=label))
        for number, (value, title, href) in enumerate(series):
            height = round((HEIGHT - BASELINE) * value / peak, 1)
            drawn.append(
                Bar(
                    x=round(left + number * per_bar, 1),
                    y=round(HEIGHT - BASELINE - height, 1),
                    width=round(per_bar * 0.9, 1),
                    height=height,
                    series=number,
                    title=title,
                    href=href,
                )
            )
    return Chart(width=WIDTH, height=HEIGHT, bars=drawn, labels=labels)
