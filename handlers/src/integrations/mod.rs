//! Concrete clients of the systems the bot talks to; every base URL comes from configuration.

pub mod slack;
