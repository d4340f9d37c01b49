//! What talks to a Chef server. Today: request signing
//! (mixlib-authentication). The credentials, the HTTP client and the server
//! node source build on it.

pub mod client;
pub mod config;
pub mod ruby;
pub mod signing;
