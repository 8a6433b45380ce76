//! The desktop app's use cases, as plain async functions over the library
//! crates, with the view types the UI receives.
