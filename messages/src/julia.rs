//! Julia control messages.
