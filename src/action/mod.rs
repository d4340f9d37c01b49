//! What runs on a host once it is connected: a command (`galley run`), or
//! steps (apt sources, chef-client, restarts, verification) that the fixup
//! commands chain over one session.

pub mod apt_sources;
pub mod capture;
pub mod chef_client;
pub mod command;
pub mod end_marker;
pub mod restart;
pub mod step;
pub mod verify;
