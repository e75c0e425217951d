//! Who may run a privileged control. The guarded path itself (confirmation, audit) is
//! [`crate::guarded`]; this path stays for callers outside `control`.

pub use crate::guarded::is_admin;
