"""Briefing packs: one PDF about a programme, a partner institution or a country, made offline.

A pack holds the subject, the date of the data, key figures, a map, a timeline, the costs as reported and
converted (with both rates used), data-quality flags and the sources. It reads through
portal/queries/brief_*.sql only, so the viewer's access rules apply, and every text comes from t().
It is drawn with reportlab: the map from the portal's own TopoJSON shapes, the text in the fonts of the
Debian packages fonts-dejavu-core (Latin, Cyrillic), fonts-nanum (Hangul) and fonts-ipafont-gothic (kanji).
No network is used. No Streamlit either: values read as portal/display.py writes them.

- fonts: the faces, text split into runs of one face, measured and cut to fit;
- styles: the page, colours, paragraph styles, paragraphs and tables;
- text: how a record reads (marked names, places, dates, notes of what was left out);
- shapes: the marks of the map and timeline, and their legend;
- maps, timeline, tables: the pack's sections;
- pack: the three packs assembled (programme_brief, institution_brief, country_brief).
"""

from portal.brief.fonts import FontsMissing
from portal.brief.pack import country_brief, institution_brief, programme_brief

__all__ = ["FontsMissing", "country_brief", "institution_brief", "programme_brief"]
