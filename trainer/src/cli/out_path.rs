//! Where `trainer train` writes: `--out` resolved and checked before any
//! training, so a bad path fails in a second, not after the run.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

/// The model path for `--out`: `models/NAME.elsm` (the task's name, or
/// the data file's) without one; `DIR/NAME.elsm` when it names an existing
/// directory or ends with a slash; else the path itself.
pub fn resolve(out: Option<&Path>, name: &str) -> PathBuf {
    let file = format!("{name}.elsm");
    match out {
        None => Path::new("models").join(file),
        Some(p) if p.is_dir() || ends_with_separator(p) => p.join(file),
        Some(p) => p.to_path_buf(),
    }
}

fn ends_with_separator(p: &Path) -> bool {
    p.as_os_str()
        .to_string_lossy()
        .ends_with(std::path::is_separator)
}

/// Makes sure `model` can be written: its directory exists (created if
/// needed, refused if a part of it is a file) and accepts a new file, and
/// `model` itself is not a directory.
pub fn prepare(model: &Path) -> Result<()> {
    if model.is_dir() {
        bail!("--out {} is a directory", model.display());
    }
    let dir = match model.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if let Some(file) = dir.ancestors().find(|a| a.is_file()) {
        bail!(
            "cannot write {}: {} is a file, not a directory",
            model.display(),
            file.display()
        );
    }
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create output directory {}", dir.display()))?;
    // Writing is the only reliable test of permission (ACLs, read-only
    // mounts): make and remove an empty file where the model will go.
    let probe = dir.join(format!(
        ".{}.probe-{}",
        model.file_name().unwrap_or_default().to_string_lossy(),
        std::process::id()
    ));
    std::fs::File::create(&probe)
        .with_context(|| format!("cannot write in output directory {}", dir.display()))?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::task::{Echo, Task};

    #[test]
    fn a_directory_receives_the_task_file() {
        let dir = tempfile::tempdir().unwrap();
        let task = Task::from(Echo::Whole);
        assert_eq!(
            resolve(Some(dir.path()), &task.to_string()),
            dir.path().join("echo-whole.elsm")
        );
        let new = dir.path().join("new");
        let mut slash = new.clone().into_os_string();
        slash.push("/");
        assert_eq!(
            resolve(Some(Path::new(&slash)), &task.to_string()),
            new.join("echo-whole.elsm")
        );
        assert_eq!(
            resolve(None, &task.to_string()),
            Path::new("models/echo-whole.elsm")
        );
        prepare(&new.join("echo-whole.elsm")).unwrap();
        assert!(new.is_dir());
    }

    #[test]
    fn a_file_in_the_way_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("afile");
        std::fs::write(&file, b"").unwrap();
        let err = prepare(&file.join("sub/x.elsm")).unwrap_err();
        assert!(
            format!("{err:#}").contains("is a file, not a directory"),
            "{err:#}"
        );
    }
}
