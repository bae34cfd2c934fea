//! How output leaves the process (DOMAIN.md §3 "Writing files"): standard output that may be a
//! closed pipe, diagnostics on standard error, and `--output` files that are never half-written,
//! never written through a planted link, and never an input file.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::Path;

use anyhow::{bail, Context, Result};

/// Writes to standard output. A reader that went away (`cchc report … | head`) is not an
/// error: the exit code was decided before writing started and stays what it is.
pub fn write_stdout(bytes: &[u8]) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(e).context("writing to standard output"),
    }
}

/// Writes a diagnostic to standard error; a closed standard error is ignored (`eprint!` would
/// panic), since nothing else could be said about it anyway.
pub fn diagnostic(text: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = stderr.write_all(text.as_bytes());
}

/// Refuses, before anything is read, an output path that names one of the inputs: the report
/// would silently replace the export it was computed from.
pub fn refuse_output_over_input<'a>(
    output: &Path,
    inputs: impl IntoIterator<Item = &'a Path>,
) -> Result<()> {
    let Ok(target) = fs::metadata(output) else {
        // Nothing there yet: it cannot be an input.
        return Ok(());
    };
    let canonical = fs::canonicalize(output).ok();
    for input in inputs {
        let Ok(metadata) = fs::metadata(input) else {
            continue;
        };
        let same_path = canonical.is_some() && fs::canonicalize(input).ok() == canonical;
        if same_path || same_file(&target, &metadata) {
            bail!(
                "--output {} is the input file {}: writing the report there would replace it. \
                 Choose another output path",
                output.display(),
                input.display()
            );
        }
    }
    Ok(())
}

#[cfg(unix)]
fn same_file(a: &fs::Metadata, b: &fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    // Devices (/dev/null given twice) are not "files" a report could destroy.
    a.is_file() && b.is_file() && a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_: &fs::Metadata, _: &fs::Metadata) -> bool {
    false
}

/// Writes `bytes` to `path`. A regular file (or a new one) gets an exclusively created temporary
/// file with an unpredictable name beside it, renamed over the target, so a reader never sees half
/// a report, a link planted at a guessable name is never followed, and an existing file keeps its
/// permissions. A device or FIFO (`/dev/null`, `/dev/stdout`, a named pipe) is written directly:
/// replacing it would break the system or leave its reader waiting. A directory is an error.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let context = || format!("cannot write the output file {}", path.display());
    match fs::metadata(path) {
        Ok(existing) if existing.is_dir() => {
            bail!(
                "--output {} is a directory: name a file inside it, e.g. {}",
                path.display(),
                path.join("report.json").display()
            )
        }
        Ok(existing) if !existing.is_file() => {
            let mut target = OpenOptions::new()
                .write(true)
                .open(path)
                .with_context(context)?;
            target
                .write_all(bytes)
                .and_then(|()| target.flush())
                .with_context(context)
        }
        Ok(existing) => replace_atomically(path, bytes, Some(existing.permissions())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => replace_atomically(path, bytes, None),
        Err(e) => Err(e).with_context(context),
    }
}

fn replace_atomically(
    path: &Path,
    bytes: &[u8],
    permissions: Option<fs::Permissions>,
) -> Result<()> {
    let context = || format!("cannot write the output file {}", path.display());
    let directory = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .with_context(|| format!("--output {} names no file", path.display()))?;
    let prefix = format!(".{}.", name.to_string_lossy());
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    // A new file gets the usual mode (0666 less the umask), not the temporary file's 0600.
    #[cfg(unix)]
    let default_mode = {
        use std::os::unix::fs::PermissionsExt;
        fs::Permissions::from_mode(0o666)
    };
    #[cfg(unix)]
    if permissions.is_none() {
        builder.permissions(default_mode);
    }
    let mut temporary = builder.tempfile_in(directory).with_context(context)?;
    temporary.write_all(bytes).with_context(context)?;
    temporary.as_file().sync_all().with_context(context)?;
    if let Some(permissions) = permissions {
        temporary
            .as_file()
            .set_permissions(permissions)
            .with_context(context)?;
    }
    // On failure the temporary file is removed when `temporary` is dropped.
    temporary
        .persist(path)
        .map_err(|e| e.error)
        .with_context(context)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_file_and_a_replaced_one() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("out.json");
        write_file(&path, b"one")?;
        assert_eq!(fs::read(&path)?, b"one");
        write_file(&path, b"two")?;
        assert_eq!(fs::read(&path)?, b"two");
        // No temporary file is left behind.
        assert_eq!(fs::read_dir(dir.path())?.count(), 1);
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn permissions_of_an_existing_file_are_kept() -> Result<()> {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("private.csv");
        fs::write(&path, "old")?;
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600))?;
        write_file(&path, b"new")?;
        assert_eq!(fs::metadata(&path)?.permissions().mode() & 0o777, 0o600);
        Ok(())
    }

    #[test]
    fn a_directory_is_refused() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let message = format!("{:#}", write_file(dir.path(), b"x").unwrap_err());
        assert!(message.contains("is a directory"), "{message}");
    }

    #[test]
    fn an_input_is_not_an_output() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let input = dir.path().join("data.csv");
        fs::write(&input, "x")?;
        let other = dir.path().join("other.csv");
        assert!(refuse_output_over_input(&other, [input.as_path()]).is_ok());
        let roundabout = dir.path().join(".").join("data.csv");
        assert!(refuse_output_over_input(&roundabout, [input.as_path()]).is_err());
        Ok(())
    }
}
