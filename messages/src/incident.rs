//! Incident messages.
