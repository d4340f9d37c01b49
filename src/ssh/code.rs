//! libssh2's error codes that decide an outcome (`libssh2.h`): the bottom
//! of the SSH layer, which every part of it may use.

/// LIBSSH2_ERROR_SOCKET_SEND.
pub(crate) const SOCKET_SEND: i32 = -7;
/// LIBSSH2_ERROR_TIMEOUT: the session's timeout passed while blocking.
pub(crate) const TIMEOUT: i32 = -9;
/// LIBSSH2_ERROR_SOCKET_DISCONNECT.
pub(crate) const SOCKET_DISCONNECT: i32 = -13;
/// LIBSSH2_ERROR_SOCKET_RECV.
pub(crate) const SOCKET_RECV: i32 = -43;
/// LIBSSH2_ERROR_EAGAIN: a non-blocking call would block.
pub(crate) const EAGAIN: i32 = -37;
