"""The portal's web server: Streamlit's app (app.py) plus the route that sets the HttpOnly session cookie.

`streamlit run server.py` (what `python -m portal.serve` and scripts/start run) finds `app` and serves it.
"""

import streamlit as st

from portal import api, session_cookie

session_cookie.served = True
app = st.App("app.py", routes=[*session_cookie.routes(), *api.routes()])
