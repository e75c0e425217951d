//! Incident store.
