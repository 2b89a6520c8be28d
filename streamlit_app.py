"""Lantern: page set-up and routing only. Every page lives in views/."""

import streamlit as st

st.set_page_config(page_title="Lantern - 30-day readmission risk", page_icon="🏮", layout="wide")

pages = [
    st.Page("views/patient.py", title="Patient", icon="🩺", url_path="patient", default=True),
    st.Page("views/cohort.py", title="Cohort", icon="📋", url_path="cohort"),
    st.Page("views/model.py", title="Model card", icon="📄", url_path="model"),
]
st.navigation(pages).run()
