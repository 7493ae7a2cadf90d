"""Greenlight domain: models, persistence, stats, decisions, import. No streamlit here."""
