"""The dashboard's charts written as SVG: well-formed, and thin results never look confident."""

import base64
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest

from orthoregen.analytics import kaplan_meier
from orthoregen.analytics.survival import numbers_at_risk
from orthoregen.web.registry import svgchart
from orthoregen.web.registry.measures import measure

SVG = "{http://www.w3.org/2000/svg}"


def parsed(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # raises on text that is not well-formed XML


def circles(svg: str) -> list[ET.Element]:
    return list(parsed(svg).iter(f"{SVG}circle"))


def change_rows(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["timepoint", "n_paired", "mean_change", "ci_low",
                                       "ci_high", "too_thin"])


@pytest.mark.parametrize(("low", "high", "expected"), [
    (0, 10, [0, 2, 4, 6, 8, 10]),
    (0, 1, [0, 0.2, 0.4, 0.6, 0.8, 1]),
    (-2.6, 0.1, [-2, -1, 0]),
    (-0.3, 0.05, [-0.3, -0.2, -0.1, 0]),
    (3, 3, [3]),
])
def test_ticks_are_round_and_inside_the_range(low, high, expected):
    assert svgchart.ticks(low, high) == pytest.approx(expected)


def test_change_chart_draws_thin_points_hollow_and_without_interval_bars():
    nrs = measure("nrs_pain", "pain", "knee")
    change = change_rows([("month_3", 40, -2.1, -2.6, -1.6, False),
                          ("month_6", 35, -2.4, -3.0, -1.8, False),
                          ("month_12", 4, -3.0, -9.0, 3.0, True)])
    svg = svgchart.change_chart(change, nrs)
    points = [c for c in circles(svg) if float(c.get("r")) > 3]  # not the legend's keys
    hollow = [c for c in points if c.get("fill") == "white"]
    assert len(points) == 3 and len(hollow) == 1
    for n in (40, 35, 4):
        assert f"n={n}" in svg
    # The thin point's interval (-9 to 3) is not drawn: the y axis stops near its mean.
    ticks = [float(t.text) for t in parsed(svg).iter(f"{SVG}text")
             if t.text and t.text.lstrip("-").replace(".", "").isdigit()
             and t.get("text-anchor") == "end"]
    assert min(ticks) > -9 and max(ticks) < 3
    assert "too few patients to conclude" in svg


def test_survival_chart_leaves_out_the_interval_band_when_too_thin():
    months = np.array([1.0, 5.0, 8.0, 12.0, 20.0])
    events = np.array([False, True, False, True, False])
    curve = kaplan_meier(months, events)
    assert curve.too_thin
    svg = svgchart.survival_chart(curve, numbers_at_risk(months, (0, 6, 12, 24)))
    assert not list(parsed(svg).iter(f"{SVG}polygon"))
    assert "at risk" in svg


def test_survival_chart_shades_the_interval_of_a_large_cohort():
    rng = np.random.default_rng(3)
    months = rng.uniform(1, 36, 200)
    events = rng.uniform(size=200) < 0.1
    curve = kaplan_meier(months, events)
    svg = svgchart.survival_chart(curve, numbers_at_risk(months, (0, 6, 12, 24, 36)))
    assert len(list(parsed(svg).iter(f"{SVG}polygon"))) == 1
    for n in numbers_at_risk(months, (0, 6, 12, 24, 36))["n_risk"]:
        assert f">{n}<" in svg


def test_words_are_escaped_and_the_uri_decodes_to_the_svg():
    plot = svgchart.Plot(100, 50, left=10, top=5, right=90, bottom=40, x_range=(0, 1),
                         y_range=(0, 1))
    plot.text(10, 20, "n<20 & \"thin\"")
    svg = plot.svg("a <title>")
    assert parsed(svg).find(f"{SVG}text").text == "n<20 & \"thin\""
    uri = svgchart.uri(svg)
    assert base64.b64decode(uri.removeprefix("data:image/svg+xml;base64,")).decode() == svg
