"""The portal's pages: script, title, icon, navigation section and who may open them.

`PAGES` is the one list: app.py builds its `st.navigation` from it; the tests and the benchmark read it.
Every run starts with app.py, even under plain `streamlit run app.py`: see portal/first_run.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.access import ADMINISTRATOR_ROLES, MINISTRY_ROLES

EXPLORE, DATA = "nav.section_explore", "nav.section_data"  # section titles (message ids)
EVERYONE = None


@dataclass(frozen=True)
class PortalPage:
    """One page: its script, title (message id), icon, navigation section and the roles that may open it."""

    script: str
    title: str
    icon: str
    section: str = EXPLORE
    roles: tuple[str, ...] | None = EVERYONE
    default: bool = False
    badge: str | None = None  # a query whose `pending` count follows the title in the navigation
    # True: a viewer who may not open it still reaches its address (a shared link), hidden from the menu, and the
    # page says why, in the viewer's language, instead of Streamlit's English "Page not found"
    explains_refusal: bool = False

    @property
    def name(self) -> str:
        """The page's address under the server root, e.g. `programmes` (Streamlit's default: the file name)."""
        return self.script.rsplit("/", 1)[-1].removesuffix(".py")


PAGES = (
    PortalPage("pages/overview.py", "nav.overview", ":material/dashboard:", default=True),
    PortalPage("pages/programmes.py", "nav.programmes", ":material/flight_takeoff:"),
    PortalPage("pages/partners.py", "nav.partners", ":material/handshake:"),
    PortalPage("pages/equipment.py", "nav.equipment", ":material/biotech:"),
    PortalPage("pages/impact.py", "nav.impact", ":material/monitoring:"),
    PortalPage("pages/trainees.py", "nav.trainees", ":material/school:"),
    PortalPage("pages/data.py", "nav.data", ":material/upload_file:", DATA, ADMINISTRATOR_ROLES,
               explains_refusal=True),
    PortalPage("pages/records.py", "nav.records", ":material/edit_note:", DATA, ADMINISTRATOR_ROLES,
               explains_refusal=True),
    PortalPage("pages/review.py", "nav.review", ":material/inbox:", DATA, ADMINISTRATOR_ROLES,
               badge="submissions_pending", explains_refusal=True),
    PortalPage("pages/submissions.py", "nav.submissions", ":material/outbox:", DATA, ("partner",),
               badge="submissions_pending", explains_refusal=True),
    PortalPage("pages/history.py", "nav.history", ":material/history:", DATA, ADMINISTRATOR_ROLES,
               explains_refusal=True),
    PortalPage("pages/data_quality.py", "nav.quality", ":material/fact_check:", DATA, MINISTRY_ROLES,
               explains_refusal=True),
)


def page(name: str) -> PortalPage:
    """The page at address `name` (e.g. "programmes")."""
    return next(p for p in PAGES if p.name == name)


def pages_for(role: str | None) -> list[PortalPage]:
    """The pages a viewer with `role` (None: not signed in) may open, in navigation order."""
    return [p for p in PAGES if p.roles is EVERYONE or role in p.roles]


def addresses_for(role: str | None) -> list[tuple[PortalPage, bool]]:
    """Every page a viewer with `role` can reach by address, each with whether the menu shows it: theirs, and
    those that explain a refusal (hidden)."""
    theirs = pages_for(role)
    return [(p, p in theirs) for p in PAGES if p in theirs or p.explains_refusal]
