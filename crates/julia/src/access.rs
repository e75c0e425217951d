//! Who may run a privileged control. The guarded path itself (confirmation, audit) is
//! [`chatops_core::guarded`]; this path stays for callers outside `control`.

pub use chatops_core::guarded::is_admin;
