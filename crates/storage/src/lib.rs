//! Files on disk, done one way everywhere.
//!
//! * [`write_atomically`]: a file is replaced whole or not at all, and the replacement
//!   survives a power cut once the call returns.
//! * [`move_without_replacing`]: moves a file to another folder, never over a file
//!   already there (moving data between layouts).
//! * [`lock_for_change`]: one read-modify-write at a time of a file the app and the CLI
//!   both change.
//! * [`DataLayout`]: where the desktop app and the CLI keep each of their files inside
//!   the data folder they share.
//!
//! A leaf crate: it depends on no other crate of the workspace, so every crate
//! (including the platform emulator) may use it.

mod atomic;
mod layout;
mod lock;

pub use atomic::{
    create_folder, move_without_replacing, write_atomically, Moved, Permissions, WriteError,
};
pub use layout::{
    os_data_folder, DataLayout, Mode, APP_IDENTIFIER, CONNECTIONS_FILE, DATA_DIR_VARIABLE,
};
pub use lock::{
    lock_for_change, lock_path, ChangeLock, LockError, DEFAULT_WAIT as DEFAULT_LOCK_WAIT,
};
