//! The system calls galley makes past the standard library, each behind a
//! safe function: waiting on sockets, peeking at one, reserving file space,
//! the login name. This module and [`crate::ssh::ffi`] (libssh2's insides)
//! are the only places with `unsafe` (the crate denies it elsewhere).

use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::time::Duration;

/// Milliseconds for poll(2), saturated.
fn poll_ms(limit: Duration) -> i32 {
    i32::try_from(limit.as_millis()).unwrap_or(i32::MAX)
}

/// poll(2) over `fds` for up to `limit`; returns how many are ready (0 on
/// timeout or error: callers look at `revents` and loop).
pub(crate) fn poll(fds: &mut [libc::pollfd], limit: Duration) -> usize {
    let count = libc::nfds_t::try_from(fds.len()).unwrap_or(libc::nfds_t::MAX);
    // SAFETY: `fds` is a valid, exclusively borrowed array of `count`
    // pollfd for the duration of the call.
    let ready = unsafe { libc::poll(fds.as_mut_ptr(), count, poll_ms(limit)) };
    usize::try_from(ready).unwrap_or(0)
}

/// A pollfd asking for `events` on `fd`.
pub(crate) fn pollfd(fd: RawFd, events: i16) -> libc::pollfd {
    libc::pollfd {
        fd,
        events,
        revents: 0,
    }
}

/// Blocks until `fd` is readable or the time is up; true when readable.
pub(crate) fn wait_readable(fd: RawFd, limit: Duration) -> bool {
    poll(&mut [pollfd(fd, libc::POLLIN)], limit) > 0
}

/// Puts a TCP socket in quick-ack mode: the segments that arrive next are
/// acknowledged at once, not after the delayed-ACK timer. The kernel
/// leaves the mode by itself (it is not sticky), so it is set again where
/// it matters. Failure only costs time: ignored.
pub(crate) fn quick_ack(fd: RawFd) {
    let on: libc::c_int = 1;
    // SAFETY: an int option we own, for the duration of the call.
    unsafe {
        libc::setsockopt(
            fd,
            libc::IPPROTO_TCP,
            libc::TCP_QUICKACK,
            std::ptr::addr_of!(on).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        );
    }
}

/// Whether the peer closed the connection: the socket reads as end of
/// file, looked at without taking the byte (MSG_PEEK) or blocking.
pub(crate) fn peer_closed(fd: RawFd) -> bool {
    let mut byte = [0u8; 1];
    // SAFETY: a one-byte buffer we own, for the duration of the call.
    let n = unsafe {
        libc::recv(
            fd,
            byte.as_mut_ptr().cast(),
            1,
            libc::MSG_PEEK | libc::MSG_DONTWAIT,
        )
    };
    n == 0
}

/// Reads what the socket holds into `buf` without taking it (MSG_PEEK)
/// or blocking: Ok(0) at end of file, WouldBlock when nothing is there.
pub(crate) fn peek(fd: RawFd, buf: &mut [u8]) -> io::Result<usize> {
    // SAFETY: `buf` is ours and writable for its whole length.
    let n = unsafe {
        libc::recv(
            fd,
            buf.as_mut_ptr().cast(),
            buf.len(),
            libc::MSG_PEEK | libc::MSG_DONTWAIT,
        )
    };
    usize::try_from(n).map_err(|_| io::Error::last_os_error())
}

/// Takes `buf.len()` bytes that [`peek`] showed are there.
pub(crate) fn take(fd: RawFd, buf: &mut [u8]) -> io::Result<usize> {
    // SAFETY: as for `peek`.
    let n = unsafe { libc::recv(fd, buf.as_mut_ptr().cast(), buf.len(), libc::MSG_DONTWAIT) };
    usize::try_from(n).map_err(|_| io::Error::last_os_error())
}

/// Allocates `len` bytes of `file` from `offset` without changing its size
/// (fallocate with FALLOC_FL_KEEP_SIZE), so later writes there cannot fail
/// for want of space. `EOPNOTSUPP` where the file system cannot.
pub(crate) fn reserve(file: &std::fs::File, offset: u64, len: u64) -> io::Result<()> {
    let (Ok(offset), Ok(len)) = (i64::try_from(offset), i64::try_from(len)) else {
        return Err(io::Error::from(io::ErrorKind::InvalidInput));
    };
    // SAFETY: fallocate on a descriptor `file` owns and keeps open during
    // the call, with plain integer arguments; it touches no memory of ours.
    let done = unsafe { libc::fallocate(file.as_raw_fd(), libc::FALLOC_FL_KEEP_SIZE, offset, len) };
    if done == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// This machine's name, as gethostname(2) gives it.
pub(crate) fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "localhost".into())
}

/// The real user id of the process.
pub(crate) fn uid() -> u32 {
    // SAFETY: getuid has no preconditions and cannot fail.
    unsafe { libc::getuid() }
}

/// The login name of the process's user, from the password database
/// (getpwuid_r, not getpwuid: the entry lands in our own buffers, so
/// another thread reading the database cannot overwrite it).
pub(crate) fn login_name() -> Option<String> {
    let mut buffer = vec![0 as libc::c_char; 16 * 1024];
    // SAFETY: an all-zero passwd is a valid value of this plain C struct.
    let mut entry: libc::passwd = unsafe { std::mem::zeroed() };
    let mut found: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: every pointer is to our own live storage of the given size;
    // getuid has no preconditions.
    let rc = unsafe {
        libc::getpwuid_r(
            libc::getuid(),
            &mut entry,
            buffer.as_mut_ptr(),
            buffer.len(),
            &mut found,
        )
    };
    if rc != 0 || found.is_null() || entry.pw_name.is_null() {
        return None;
    }
    // SAFETY: on success pw_name points at a NUL-terminated string inside
    // `buffer`, which is still alive.
    let name = unsafe { std::ffi::CStr::from_ptr(entry.pw_name) };
    Some(name.to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sockets_report_readable_and_closed() {
        let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
        assert!(!wait_readable(a.as_raw_fd(), Duration::from_millis(10)));
        assert!(!peer_closed(a.as_raw_fd()));
        drop(b);
        assert!(wait_readable(a.as_raw_fd(), Duration::from_millis(10)));
        assert!(peer_closed(a.as_raw_fd()));
    }

    #[test]
    fn the_login_name_is_the_users() {
        let name = login_name().expect("the user has an entry");
        let id = std::process::Command::new("id")
            .arg("-un")
            .output()
            .unwrap();
        assert_eq!(name, String::from_utf8_lossy(&id.stdout).trim());
    }
}
