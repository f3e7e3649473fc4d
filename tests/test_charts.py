"""The shared chart builders: DataFrame in, figure out."""

from __future__ import annotations

from datetime import date

import pandas as pd

from portal import charts, contract, display


def items(*rows):
    columns = ["lane", "item_id", "label", "kind", "start_date", "end_date", "first_day", "last_day",
               "end_reported", "lane_total"]
    return pd.DataFrame([dict(zip(columns, row)) for row in rows], columns=columns)


def test_date_text_says_what_is_not_reported():
    assert display.date_text("2024") == "2024 (month not reported)"
    assert display.date_text("2024-03") == "2024-03 (day not reported)"
    assert display.date_text("2024-03-14") == "2024-03-14"
    assert display.date_text(None) == "not reported"


def test_utc_time_writes_every_moment_in_utc_to_the_minute():
    seoul = pd.Timestamp("2024-03-14 18:30:59", tz="Asia/Seoul")
    assert display.utc_time(seoul) == "2024-03-14 09:30 UTC"
    assert display.utc_time(pd.Timestamp("2024-03-14 09:30")) == "2024-03-14 09:30 UTC"  # no zone: taken as UTC
    assert display.utc_time("2024-03-14T23:59:00-01:00") == "2024-03-15 00:59 UTC"
    assert display.utc_time(pd.NaT) == "not reported"


def test_timeline_spans_an_imprecise_year_and_marks_it():
    figure = charts.timeline(items(
        ("programme", "P1", "Training", "training_abroad", "2024", None, date(2024, 1, 1), date(2024, 12, 31),
         False, 1),
        ("programme", "P2", "Fellowship", "fellowship", "2023-02-01", "2023-02-28", date(2023, 2, 1),
         date(2023, 2, 28), True, 1),
    ))
    bars = {bar.customdata[0]: bar for bar in figure.data if bar.type == "bar"}
    year = bars["P1"]
    assert year.base[0] == "2024-01-01" and year.x[0] == 366 * 24 * 3600 * 1000  # all of leap year 2024
    assert year.marker.pattern.shape == "/"
    assert "2024 (month not reported)" in year.hovertext[0] and "end not reported" in year.hovertext[0]
    assert bars["P2"].marker.pattern.shape == ""


def test_timeline_gives_every_item_its_own_row_even_with_the_same_label():
    figure = charts.timeline(items(
        ("equipment", "E1", "microscope", "microscope", "2020-05-01", None, date(2020, 5, 1), date(2020, 5, 1), True, 2),
        ("equipment", "E2", "microscope", "microscope", "2022-07-09", None, date(2022, 7, 9), date(2022, 7, 9), True, 2),
    ))
    assert list(figure.layout.yaxis.tickvals) == ["equipment:E1", "equipment:E2"]
    [points] = [trace for trace in figure.data if trace.type == "scatter"]  # single days are diamonds
    assert points.marker.symbol == "diamond" and list(points.customdata) == ["E1", "E2"]


def test_timeline_escapes_names_in_hover_text():
    figure = charts.timeline(items(
        ("event", "V1", "<b>bold</b> & co", "visit", "2021", None, date(2021, 1, 1), date(2021, 12, 31), True, 1)))
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; co" in figure.data[0].hovertext[0]


def test_empty_timeline_says_so():
    figure = charts.timeline(items())
    assert figure.layout.annotations[0].text == "Nothing to show for these filters"


def flows(**overrides):
    row = dict(home_id="H", home_name="Home", home_city="Ulaanbaatar", home_country="MNG", home_latitude=47.9,
               home_longitude=106.9, host_id="K", host_name="Host", host_city="Seoul", host_country="KOR",
               host_latitude=37.5, host_longitude=126.8, kind="training_abroad", programmes=2,
               participants=12, participants_not_reported=0, weight=12, weight_is_participants=True)
    row.update(overrides)
    return row


def test_flow_map_widths_follow_weight_and_colours_follow_kind():
    figure = charts.flow_map(pd.DataFrame([
        flows(),
        flows(host_id="D", host_name="Other", host_latitude=52.5, host_longitude=13.4, kind="fellowship",
              participants=None, participants_not_reported=1, weight=1, weight_is_participants=False, programmes=1),
    ]))
    lines = {trace.legendgroup: trace for trace in figure.data if trace.mode == "lines"}
    assert lines["training_abroad"].line.width > lines["fellowship"].line.width
    assert lines["training_abroad"].line.color != lines["fellowship"].line.color
    lat = list(lines["training_abroad"].lat)
    assert (lat[0], lat[-2], lat[-1]) == (47.9, 37.5, None) and len(lat) > 3  # a bent line, not a straight one
    [middles] = [trace for trace in figure.data if trace.name == "Programme flows"]
    hover = dict(zip(middles.customdata, middles.hovertext))
    assert "12 participants reported" in hover["flow:H|K|training_abroad"]
    assert "Mongolia → South Korea" in hover["flow:H|K|training_abroad"]
    assert "participants not reported" in hover["flow:H|D|fellowship"]
    [ends] = [trace for trace in figure.data if trace.name == "Institutions"]
    assert set(ends.customdata) == {"institution:H", "institution:K", "institution:D"}
    home = dict(zip(ends.customdata, ends.hovertext))["institution:H"]
    assert "Home" in home and "Ulaanbaatar, Mongolia" in home and "3 programme(s): Fellowship, Training abroad" in home
    assert figure.layout.geo.showcountries


def test_institution_map_sizes_by_activity_and_outlines_the_selected():
    frame = pd.DataFrame([
        dict(institution_id="A", name="A", kind="hospital", city="x", country="MNG", latitude=47.0, longitude=106.0,
             activity=10, hover="A"),
        dict(institution_id="B", name="B", kind="hospital", city="y", country="KOR", latitude=37.0, longitude=127.0,
             activity=1, hover="B"),
        dict(institution_id="C", name="C", kind="ministry", city="z", country="MNG", latitude=None, longitude=None,
             activity=5, hover="C"),
    ])
    figure = charts.institution_map(frame, selected="B")
    [hospitals] = [trace for trace in figure.data if trace.name == "Hospital"]
    sizes = dict(zip(hospitals.customdata, hospitals.marker.size))
    assert sizes["A"] > sizes["B"]
    assert dict(zip(hospitals.customdata, hospitals.marker.line.width))["B"] == 4
    assert all("C" not in trace.customdata for trace in figure.data)  # no coordinates, not placed


def test_bars_stack_one_trace_per_colour_value():
    frame = pd.DataFrame({"year": [2020, 2020, 2021], "category": ["microscope", "endoscope", "microscope"],
                          "amount": [5.0, 3.0, 4.0]})
    figure = charts.bars(frame, "year", "amount", "category", "equipment_category")
    assert [trace.name for trace in figure.data] == ["Endoscope", "Microscope"]
    assert figure.layout.barmode == "stack"


def test_arcs_between_the_same_two_places_are_drawn_apart_and_the_busiest_ends_are_labelled():
    figure = charts.flow_map(pd.DataFrame([flows(), flows(kind="joint_surgery", programmes=1, weight=1)]))
    lines = [trace for trace in figure.data if trace.mode == "lines"]
    middles = [list(zip(trace.lon, trace.lat))[len(trace.lon) // 2 - 1] for trace in lines]
    assert len(lines) == 2 and middles[0] != middles[1]  # bent to opposite sides, never on top of each other
    [ends] = [trace for trace in figure.data if trace.name == "Institutions"]
    assert set(ends.text) == {"Home", "Host"}
    assert ends.textfont.shadow == "auto"  # a halo: a name across an arc stays readable


def test_institutions_at_nearly_the_same_place_stay_apart():
    frame = pd.DataFrame([
        dict(institution_id=i, name=i, kind="hospital", city="x", country="KOR", latitude=37.5 + d, longitude=126.8,
             activity=1, hover=i) for i, d in (("A", 0.0), ("B", 0.05))])
    figure = charts.institution_map(frame)
    points = {(lon, lat) for trace in figure.data for lon, lat in zip(trace.lon, trace.lat)}
    assert len(points) == 2 and max(abs(a[1] - b[1]) + abs(a[0] - b[0]) for a in points for b in points) > 1


def test_timeline_labels_wrap_at_spaces_and_the_chart_says_how_many_it_shows():
    long = "Spine surgery training at Soonchunhyang University Bucheon Hospital with a very long name"
    frame = items(("programme", "P1", long, "training_abroad", "2024", None, date(2024, 1, 1), date(2024, 12, 31),
                   False, 40))
    figure = charts.timeline(frame)
    [tick] = figure.layout.yaxis.ticktext
    assert "…" not in tick and tick.replace("<br>", " ") == "Programme · " + long
    notes = [a.text for a in figure.layout.annotations]
    assert any("showing the 1 most recent of 40 programmes" in n and "narrow the years" in n for n in notes)


def test_kinds_have_distinct_colours_from_a_colour_blind_safe_palette_even_when_dates_are_partial():
    colours = [charts.colour("programme_kind", kind) for kind in contract.PROGRAMME_KINDS]
    assert len(set(colours)) == len(colours) and set(colours) <= set(charts.OKABE_ITO)
    frame = items(("programme", "P1", "a", "training_abroad", "2024", None, date(2024, 1, 1), date(2024, 12, 31),
                   False, 1), ("event", "E1", "b", "agreement", "2024", None, date(2024, 1, 1), date(2024, 12, 31),
                   True, 1))
    bars = [trace for trace in charts.timeline(frame, colour_by="kind").data if trace.type == "bar"]
    assert len({trace.marker.color for trace in bars}) == 2  # partial dates keep their kind's own colour
    assert all(trace.marker.pattern.shape == "/" and trace.marker.opacity == 0.9 for trace in bars)


def test_a_tall_timeline_keeps_its_showing_note_inside_the_figure():
    frame = items(*[("programme", f"P{n}", f"Programme {n}", "training_abroad", "2024-01-01", "2024-06-30",
                     date(2024, 1, 1), date(2024, 6, 30), True, 90) for n in range(45)])
    figure = charts.timeline(frame, title="Programmes")
    [note] = [a for a in figure.layout.annotations if "showing the 45 most recent of 90" in a.text]
    # Anchored in pixels to the plot's top edge, so its place does not grow with the chart's height ...
    assert (note.yref, note.y, note.yanchor) == ("paper", 1, "bottom") and note.yshift > 0
    # ... on lines of its own, above the hatching note's (side by side, a long one ran into it) ...
    [hatching] = [a for a in figure.layout.annotations if "hatched" in a.text]
    assert note.yshift >= hatching.yshift + 1.3 * hatching.font.size
    # ... and the top margin holds the notes' lines above the plot and the title above that.
    lines = note.text.count("<br>") + 1
    assert lines == 2 and figure.layout.margin.t >= note.yshift + lines * 1.3 * note.font.size + 24
    assert figure.layout.height > 1000


# Machado, Oliveira & Fernandes (2009) at full severity, on linear RGB.
CVD = {"normal": ((1, 0, 0), (0, 1, 0), (0, 0, 1)),
       "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413),
                        (-0.011820, 0.042940, 0.968881)),
       "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216),
                      (-0.003882, -0.048116, 1.051998))}


def seen_as(hex_colour: str, vision: str) -> tuple[float, float, float]:
    """CIELAB (D65) of an sRGB colour as a viewer with `vision` sees it."""
    srgb = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in srgb]
    r, g, b = (min(1.0, max(0.0, sum(m * c for m, c in zip(row, linear)))) for row in CVD[vision])
    xyz = ((0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047, 0.2126 * r + 0.7152 * g + 0.0722 * b,
           (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883)
    fx, fy, fz = (v ** (1 / 3) if v > (6 / 29) ** 3 else v / (3 * (6 / 29) ** 2) + 4 / 29 for v in xyz)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def closest_pair(colours) -> float:
    """The smallest CIE76 difference between two of `colours`, for normal vision, deuteranopia or protanopia."""
    return min(sum((p - q) ** 2 for p, q in zip(seen_as(a, vision), seen_as(b, vision))) ** 0.5
               for vision in CVD for i, a in enumerate(colours) for b in colours[i + 1:])


def test_every_kind_on_a_mixed_timeline_is_named_with_its_lane_and_told_apart_without_full_colour_vision():
    rows = [(lane, f"{lane}-{kind}-{precise}", kind, kind, "2024-03-14" if precise else "2024", None,
             date(2024, 1, 1), date(2024, 12, 31), True, 1)
            for lane, kinds in (("programme", contract.PROGRAMME_KINDS), ("event", contract.EVENT_KINDS))
            for kind in kinds for precise in (True, False)]
    figure = charts.timeline(items(*rows), colour_by="kind")
    legend = {trace.legendgroup: trace.name for trace in figure.data if trace.showlegend is not False}
    assert legend["programme:joint_surgery"] == "Programme · Joint surgery"
    assert legend["event:joint_surgery"] == "Event · Joint surgery"
    assert len(legend) == len(set(legend.values())) == len(contract.PROGRAMME_KINDS) + len(contract.EVENT_KINDS)
    drawn = sorted({trace.marker.color for trace in figure.data})
    assert len(drawn) == len(legend) and closest_pair(drawn) >= 10
    # The check has teeth: the colours events had before (Tol's muted) beside Okabe-Ito fail it.
    assert closest_pair(list(charts.OKABE_ITO) + list(charts.TOL_MUTED[:7])) < 10


def test_one_lane_timelines_name_kinds_alone():
    figure = charts.timeline(items(("programme", "P1", "a", "joint_surgery", "2024", None, date(2024, 1, 1),
                                    date(2024, 12, 31), True, 1)), colour_by="kind")
    assert [trace.name for trace in figure.data] == ["Joint surgery"]


def test_map_labels_go_to_the_busiest_skip_close_neighbours_and_stay_inside_the_frame():
    from portal.charts import geometry

    points = {"UB": (106.9, 47.9), "UB2": (107.5, 47.0), "Seoul": (126.9, 37.5), "Tashkent": (69.2, 41.3),
              "Hanoi": (105.8, 21.0), "Almaty": (76.9, 43.2)}
    weights = {"UB": 50, "UB2": 40, "Seoul": 30, "Tashkent": 20, "Hanoi": 10, "Almaty": 5}
    placed = geometry.labelled(points, weights, limit=4, gap=4, frame=(65, 143))
    assert list(placed) == ["UB", "Seoul", "Tashkent", "Hanoi"]  # UB2 sits by UB; the limit leaves out Almaty
    assert placed["Seoul"] == "middle left"  # by the right edge: its name reads leftwards, inside the map
    assert placed["Tashkent"] == "middle right" and placed["UB"] == placed["Hanoi"] == "top center"



def test_a_map_label_is_left_out_rather_than_drawn_over_another():
    """Two hospitals 5 degrees apart on one latitude, by the map's right edge: both names would read leftwards
    over each other, so the busier is named and the other only on hover."""
    from portal.charts import geometry

    points = {"east": (129.0, 36.0), "west": (124.0, 36.3)}
    weights = {"east": 2, "west": 1}
    assert list(geometry.labelled(points, weights, limit=6, gap=4, frame=(60, 145))) == ["east", "west"]
    long_names = {"east": (30.0, 1.4), "west": (30.0, 1.4)}  # each label 30 degrees wide
    assert geometry.labelled(points, weights, limit=6, gap=4, frame=(60, 145), extents=long_names) == {
        "east": "middle left"}
    figure = charts.flow_map(pd.DataFrame([
        flows(host_name="Kingfisher Bay Orthopaedic Hospital (illustrative)", host_latitude=36.0,
              host_longitude=129.0, programmes=2, weight=2),
        flows(host_id="K2", host_name="Maple Canal University Hospital (illustrative)", host_latitude=36.3,
              host_longitude=124.0, programmes=1, weight=1)]))
    [ends] = [trace for trace in figure.data if trace.name == "Institutions"]
    texts = dict(zip(ends.customdata, ends.text))
    assert texts["institution:K"] and not texts["institution:K2"]

def test_flow_map_labels_one_of_two_institutions_in_one_city_and_keeps_the_eastern_name_inside():
    figure = charts.flow_map(pd.DataFrame([
        flows(), flows(host_id="K2", host_name="Host two", host_latitude=37.45, host_longitude=126.75, programmes=1,
                       weight=1)]))
    [ends] = [trace for trace in figure.data if trace.name == "Institutions"]
    label = {data: (text, position) for data, text, position in zip(ends.customdata, ends.text, ends.textposition)}
    assert label["institution:K"] == ("Host", "middle left") and label["institution:K2"][0] == ""
    assert label["institution:H"][0] == "Home"


def test_dates_on_chart_axes_read_as_numbers_in_mongolian_and_korean_and_as_plotly_writes_them_in_english():
    """Plotly writes month names in English only ("Mar 2024"): in Mongolian and Korean every date axis gives numeric
    ticks ("2024-03"), finer as the reader zooms in."""
    from portal.i18n import set_language

    frame = items(("programme", "P1", "Programme 1", "training_abroad", "2024-01-01", "2024-06-30",
                   date(2024, 1, 1), date(2024, 6, 30), False, 1))
    formats = {}
    for language in ("en", "mn", "ko"):
        set_language(language)
        axis = charts.timeline(frame).layout.xaxis
        formats[language] = [stop.value for stop in axis.tickformatstops]
        assert axis.type == "date"
    assert formats["en"] == [] and formats["mn"] == formats["ko"] == ["%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y-%m", "%Y"]
