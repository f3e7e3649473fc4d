"""My submissions: a partner proposes records of its own institution and sees what became of each."""

import streamlit as st

from portal import stewardship_ui, submissions, submissions_ui, ui
from portal.contract import SHEETS
from portal.display import markdown_text
from portal.i18n import t

ui.require(("partner",), "access.partners_only")

generation = st.session_state.setdefault("submission_generation", 0)
sent = st.session_state.pop("submission_sent", None)
limit_mb, rows = submissions.upload_limit_bytes() / 1024**2, submissions.row_limit()

st.title(t("submissions.title"))
st.caption(t("submissions.intro"))
stewardship_ui.template_download()
if sent:
    st.success(t("submissions.sent", id=sent))
confirmed = st.session_state.pop("submission_confirmed", None)
if confirmed:
    st.success(confirmed)

upload = st.file_uploader(t("submissions.upload"), type=["xlsx", "zip"], key=f"submission_upload_{generation}",
                          help=t("submissions.upload_help", limit=f"{limit_mb:g}", rows=rows),
                          max_upload_size=max(1, int(limit_mb)))
if upload is not None and st.button(t("submissions.send"), type="primary", key="submission_send"):
    outcome = submissions_ui.send(upload)
    if isinstance(outcome, int):
        st.session_state["submission_sent"] = outcome
        st.session_state["submission_generation"] = generation + 1
        st.rerun()
    submissions_ui.show_refusal(outcome, upload.name)

with st.expander(t("submissions.form_title"), expanded="form_sheet" in st.query_params):
    st.caption(t("submissions.form_intro"))
    sheet = ui.coded_select(t("submissions.form_sheet"), {s: t(f"sheet.{s}") for s in submissions.FORM_SHEETS},
                            "form_sheet", default=submissions.FORM_SHEETS[0])
    existing, total = submissions_ui.form_records(sheet)
    correcting = st.selectbox(t("submissions.form_existing"), list(existing), index=None,
                              key=f"submission_existing_{sheet}_{generation}",
                              placeholder=t("submissions.form_new")) if existing else None
    ui.showing_note(len(existing), total, "submissions.form_records_cut")
    record = existing.get(correcting)
    fixed = submissions.fixed_columns(sheet, record)
    if fixed:
        st.caption(t("submissions.form_key_fixed", columns=", ".join(t(f"field.{c}") for c in fixed)))
    suffix = f"{generation}_{correcting}" if correcting else f"{generation}"
    with st.form(f"submission_form_{sheet}_{suffix}"):
        values = {column.name: stewardship_ui.field_input(column, (record or {}).get(column.name),
                                                          column.name in fixed,
                                                          key=f"submission_{sheet}_{column.name}_{suffix}",
                                                          sheet=sheet)
                  for column in SHEETS[sheet].columns}
        entered = st.form_submit_button(t("submissions.form_send"), type="primary")
if entered:
    outcome = submissions_ui.send_record(sheet, values, submissions_ui.prefilled_texts(record))
    if isinstance(outcome, int):
        st.session_state["submission_sent"] = outcome
        st.session_state["submission_generation"] = generation + 1
        st.rerun()
    submissions_ui.show_refusal(outcome, t("submissions.form_what", sheet=t(f"sheet.{sheet}")))

mine = ui.read("submissions_list", limit=500)
asked = st.query_params.get("submission")
shown = submissions_ui.own_submission(mine, asked)
if asked and shown is None:  # another institution's and a made-up id read the same
    ui.not_found("submissions.not_found", id=asked)
if mine.empty:
    st.info(t("submissions.none"))
else:
    ui.table(submissions_ui.queue_rows(mine), submissions_ui.MINE_HEADERS, download="my-submissions")
if shown is not None:
    row = next(mine[mine["submission_id"] == shown].itertuples())
    st.subheader(t("submissions.detail", id=shown))
    st.markdown(t("submissions.detail_state", state=submissions_ui.state_of(row),
                  how=submissions_ui.sent_as(row, markdown=True)))
    if isinstance(row.reason, str):
        st.markdown(t("review.reason_shown", reason=markdown_text(row.reason)))
    if row.kind == "confirmation":
        st.markdown(t("submissions.confirms",
                      programme=markdown_text(", ".join(submissions_ui.confirmed_programmes(shown)))))
    sent_records = ui.headed(submissions_ui.sent_records(shown), submissions_ui.SENT_HEADERS)
    ui.static_table(sent_records)  # long values wrap, in full
    ui.download_buttons(sent_records, f"submission-{shown}", key="sent")

st.subheader(t("confirm.title"))
st.caption(t("confirm.intro"))
programmes = ui.read("programme_confirmations")
ui.table(submissions_ui.confirmation_rows(programmes), submissions_ui.CONFIRMATION_HEADERS,
         download="programme-confirmations")
chosen = st.selectbox(t("confirm.choose"), submissions_ui.open_to_confirm(programmes), index=None,
                      key="confirm_programme", placeholder=t("confirm.choose_placeholder"))
if chosen and st.button(t("confirm.button"), key="confirm_send"):
    try:
        st.session_state["submission_confirmed"] = submissions_ui.confirm(chosen)
    except ValueError as refused:
        st.error(str(refused))
        st.stop()
    st.rerun()
