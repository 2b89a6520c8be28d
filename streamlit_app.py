"""Lantern: page set-up and routing only. Every page lives in views/."""

import streamlit as st

st.set_page_config(page_title="Lantern - 30-day readmission risk", page_icon=":material/light:", layout="wide")

pages = [
    st.Page("views/patient.py", title="Patient", icon=":material/stethoscope:", url_path="patient", default=True),
    st.Page("views/cohort.py", title="Cohort", icon=":material/groups:", url_path="cohort"),
    st.Page("views/model.py", title="Model card", icon=":material/description:", url_path="model"),
]
st.navigation(pages).run()
