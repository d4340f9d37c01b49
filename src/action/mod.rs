//! What runs on a host once it is connected: a command today; the fixups
//! (apt sources, chef-client, restarts) build on the same pieces.

pub mod capture;
pub mod command;
