"""Review queue: partner submissions, each field against the records now, accepted or rejected whole or by record."""

import streamlit as st

from portal import access, submissions_ui, ui
from portal.display import markdown_text
from portal.i18n import t

ui.require(access.ADMINISTRATOR_ROLES, "access.administrators_only")

done = st.session_state.pop("review_done", None)
decisions = st.session_state.setdefault("review_decisions", 0)  # a new choice box after each: none reads stale
queue = ui.read("submissions_list", limit=500)

st.title(t("review.title"))
st.caption(t("review.intro"))
if done:
    st.success(done)
if queue.empty:
    st.info(t("review.empty"))
    st.stop()
st.markdown(t("review.waiting", count=int((queue["state"] == "pending").sum())))
ui.table(submissions_ui.queue_rows(queue), submissions_ui.QUEUE_HEADERS, download="submissions")

labels = submissions_ui.choices(queue)
asked = st.query_params.get("submission")
preset = list(labels).index(int(asked)) if asked and asked.isdigit() and int(asked) in labels else None
chosen = st.selectbox(t("review.choose"), list(labels), index=preset, format_func=labels.get, key=f"review_choice_{decisions}",
                      placeholder=t("review.choose_placeholder"))
if chosen is None:
    st.stop()
row = next(queue[queue["submission_id"] == chosen].itertuples())
st.markdown(t("review.sent", account=markdown_text(row.account), institution=markdown_text(row.institution_id),
              when=submissions_ui.utc_time(row.sent_at),
              how=submissions_ui.sent_as(row, markdown=True)))
if row.state != "pending":
    st.markdown(t("review.decided", state=submissions_ui.state_of(row), reviewer=markdown_text(row.reviewer or "—"),
                  when=submissions_ui.utc_time(row.reviewed_at)))
    if isinstance(row.reason, str):
        st.markdown(t("review.reason_shown", reason=markdown_text(row.reason)))
if row.kind == "confirmation":
    st.markdown(t("submissions.confirms",
                  programme=markdown_text(", ".join(submissions_ui.confirmed_programmes(chosen)))))
if row.state != "pending":  # accepted records read as unchanged below: each one's decision is here
    st.markdown(t("review.records_decided"))
    ui.static_table(ui.headed(submissions_ui.sent_records(chosen), submissions_ui.DECISION_HEADERS))

# a decided submission's proposed values may now be the stored ones: it shows what the decision did to each
changes = submissions_ui.field_changes(chosen) if row.state == "pending" else submissions_ui.decided_changes(chosen)
if not st.toggle(t("review.show_unchanged"), key="review_unchanged"):
    changes = changes[changes["status_code"] != "unchanged"]
ui.table(changes, submissions_ui.FIELD_HEADERS, download=f"submission-{chosen}")
with st.expander(t("review.provenance")):
    ui.table(submissions_ui.provenance(chosen), submissions_ui.PROVENANCE_HEADERS, download=f"provenance-{chosen}")
if row.state != "pending":
    st.stop()

stale = int((changes["status_code"] == "stale").sum())
overwrite = False
if row.kind == "confirmation" and changes["status_code"].isin(("kept", "stale")).any():
    st.warning(t("review.confirmation_changed"))  # accepting would be refused: it confirmed an older record
elif stale:
    st.warning(t("review.stale_warning", count=stale, overwrite=t("review.overwrite")))
    overwrite = st.checkbox(t("review.overwrite"), key="review_overwrite")
records = submissions_ui.record_choices(chosen)
kept = set(range(len(records)))
if len(records) > 1:
    st.markdown(t("review.choose_records"))
    kept = {i for i, name in enumerate(records)
            if st.checkbox(markdown_text(name), value=True, key=f"review_record_{chosen}_{i}")}
reason = st.text_input(t("review.reason"), key="review_reason")
accept_column, reject_column = st.columns(2)
accepted = accept_column.button(t("review.accept") if len(kept) == len(records) else t("review.accept_chosen"),
                                type="primary", key="review_accept")
rejected = reject_column.button(t("review.reject"), key="review_reject")
if accepted or rejected:
    try:
        st.session_state["review_done"] = submissions_ui.decide(chosen, accepted, reason, overwrite, kept,
                                                                len(records))
    except ValueError as refused:
        st.error(str(refused))
        st.stop()
    st.session_state["review_decisions"] = decisions + 1
    st.query_params["submission"] = str(chosen)  # the new choice box opens the submission just decided
    st.rerun()
