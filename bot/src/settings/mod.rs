//! The whole configuration: the core settings and each capability's own, read from the
//! environment in one pass so that every problem is reported at once (`check-config` lists
//! them all). Each part is read by the crate that owns it; this module only puts them together.

#[cfg(test)]
mod paging_tests;
mod read;
mod report;
#[cfg(test)]
mod tests;

pub use read::Settings;

pub use report::Feature;
