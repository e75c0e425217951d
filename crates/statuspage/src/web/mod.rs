//! The page, its JSON, feed and badge, and their HTTP serving (filled by the web side).
