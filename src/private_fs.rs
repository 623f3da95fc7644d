//! Files and folders only their owner can read: what the service writes into the
//! data dir (the SQLite register, which holds the keys; the scheme CA; the `.eml`
//! outbox) is created mode 0600, its folders 0700. (Unix; elsewhere the platform's
//! defaults apply.)

use std::io::Write;
use std::path::Path;

#[cfg(unix)]
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};

/// Creates `dir` (and missing parents, each 0700) and makes `dir` itself 0700: for
/// the service's own folders (`keys/`, `outbox/`).
pub fn create_dir(dir: &Path) -> std::io::Result<()> {
    create_missing_dirs(dir)?;
    restrict(dir, 0o700)
}

/// Creates whatever of `dir` is missing, 0700; a folder already there is left as
/// it is (the folder a database path names may be anyone's).
pub fn create_missing_dirs(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    builder.mode(0o700);
    builder.create(dir)
}

/// Creates the file if it is missing (0600) and makes it 0600 if it is not. An
/// existing file is never opened: closing a descriptor on a SQLite database drops
/// the locks that this process's other connections to it hold.
pub fn touch(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.create_new(true).write(true);
    #[cfg(unix)]
    options.mode(0o600);
    match options.open(path) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e),
    }
    restrict(path, 0o600)
}

/// Writes `bytes` to `path`, a file only its owner can read.
pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = open(path)?;
    restrict(path, 0o600)?;
    file.write_all(bytes)
}

/// Makes an existing file only its owner's (0600).
pub fn restrict_file(path: &Path) -> std::io::Result<()> {
    restrict(path, 0o600)
}

fn open(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.create(true).write(true).truncate(true);
    #[cfg(unix)]
    options.mode(0o600);
    options.open(path)
}

#[cfg(unix)]
fn restrict(path: &Path, mode: u32) -> std::io::Result<()> {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn restrict(_: &Path, _: u32) -> std::io::Result<()> {
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).expect("stat").permissions().mode() & 0o777
    }

    #[test]
    fn files_and_folders_are_the_owners_only() {
        let tmp = tempfile::tempdir().expect("tmp");
        let dir = tmp.path().join("a/b");
        create_dir(&dir).expect("dir");
        assert_eq!((mode(&tmp.path().join("a")), mode(&dir)), (0o700, 0o700));
        let f = dir.join("k.pem");
        std::fs::write(&f, "old").expect("write");
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        write(&f, b"new").expect("write");
        assert_eq!(mode(&f), 0o600);
        assert_eq!(std::fs::read_to_string(&f).expect("read"), "new");
        let shared = tmp.path().join("shared");
        std::fs::create_dir(&shared).expect("dir");
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        create_missing_dirs(&shared.join("new")).expect("dirs");
        assert_eq!((mode(&shared), mode(&shared.join("new"))), (0o755, 0o700));
        let db = dir.join("x.db");
        touch(&db).expect("touch");
        assert_eq!(mode(&db), 0o600);
    }
}
