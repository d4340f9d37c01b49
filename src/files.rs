//! Files galley writes that hold the fleet's data (reports carry hosts'
//! output; the completion cache carries node names and attributes): made
//! readable by their owner only, never through a symlink, never over
//! something that is not a regular file.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

/// Why a path cannot take a new file.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Refused {
    #[error("{} is a symbolic link: galley does not write through one (name the file itself)", .0.display())]
    Symlink(std::path::PathBuf),
    #[error("{} is a FIFO or a device, not a file: galley writes reports and pages to files (without -o, report junit and html print on stdout; a run's --output json prints one document there)", .0.display())]
    NotAFile(std::path::PathBuf),
    #[error("{} is a folder", .0.display())]
    Folder(std::path::PathBuf),
}

/// What is at `path` now, if anything galley must not write over.
pub(crate) fn check_target(path: &Path) -> Result<(), Refused> {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return Ok(());
    };
    let kind = meta.file_type();
    if kind.is_symlink() {
        Err(Refused::Symlink(path.to_path_buf()))
    } else if kind.is_dir() {
        Err(Refused::Folder(path.to_path_buf()))
    } else if kind.is_fifo() || kind.is_char_device() || kind.is_block_device() || kind.is_socket()
    {
        Err(Refused::NotAFile(path.to_path_buf()))
    } else {
        Ok(())
    }
}

/// Creates `path` readable by its owner only (0600). `replace`: an
/// existing file is emptied; otherwise an existing file is an error
/// (`AlreadyExists`). Never follows a symlink at `path`.
pub(crate) fn create_private(path: &Path, replace: bool) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options
        .write(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW);
    if replace {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    let file = options.open(path)?;
    if !file.metadata()?.file_type().is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    // An existing file keeps its mode through O_TRUNC: narrow it too.
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    Ok(file)
}

/// Whether two paths name one file (an existing one, or the same path).
pub(crate) fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => std::path::absolute(a).ok() == std::path::absolute(b).ok(),
    }
}

/// Creates `dir` and the folders above it, readable by their owner only
/// (0700) where they are made.
pub(crate) fn create_private_dir(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// Writes `contents` to `path` whole, readable by its owner only: into a
/// new file beside it, then renamed over it, so a reader never sees half
/// a file. Refused: a symlink, folder, FIFO or device at `path`, and any
/// of `keep` (the files the contents were made from).
pub(crate) fn replace_private(path: &Path, contents: &[u8], keep: &[&Path]) -> Result<(), String> {
    check_target(path).map_err(|e| e.to_string())?;
    if keep.iter().any(|kept| same_file(kept, path)) {
        return Err(format!(
            "{} is one of the reports read: writing it would lose them (name another file)",
            path.display()
        ));
    }
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = folder.join(format!(".{name}.galley-{}", std::process::id()));
    let written = create_private(&temporary, false).and_then(|mut file| {
        use std::io::Write;
        file.write_all(contents)?;
        file.sync_all()
    });
    let renamed = written.and_then(|()| std::fs::rename(&temporary, path));
    renamed.map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        format!("cannot write {}: {e}", path.display())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn files_are_private_and_never_written_through_links_or_over_others() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.jsonl");
        create_private(&path, false).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(
            create_private(&path, false).unwrap_err().kind(),
            io::ErrorKind::AlreadyExists
        );
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        create_private(&path, true).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "an overwritten file is narrowed too");

        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&path, &link).unwrap();
        assert!(matches!(check_target(&link), Err(Refused::Symlink(_))));
        assert!(create_private(&link, true).is_err(), "O_NOFOLLOW");
        assert!(matches!(
            check_target(Path::new("/dev/null")),
            Err(Refused::NotAFile(_))
        ));
        assert!(check_target(&path).is_ok());
        assert!(check_target(&dir.path().join("new")).is_ok());
    }
}
