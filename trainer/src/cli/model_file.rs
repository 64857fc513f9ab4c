//! Reading a model file with bounded memory: special files are refused,
//! the magic is checked before the rest is read, and no more than
//! [`MAX_MODEL_BYTES`] are ever read.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use anyhow::{bail, Context, Result};
use infer_nostd::format::MAGIC;

/// The largest model file read, in bytes (160 MiB). The biggest model the
/// host engine can run is about 129 MiB: 16 LSTM directions (4 layers,
/// bidirectional, encoder and decoder) of two int16 2044 x 512 matrices
/// (511 units, 511 columns) and an int16 head of 65,535 x 512; the largest
/// trained echo model is 367 KB.
pub const MAX_MODEL_BYTES: u64 = 160 << 20;

/// Opens `path` to read a `what` ("model file"): a regular file of at
/// most `limit` bytes, refused by its metadata before anything is read.
fn open_regular(path: &Path, what: &str, limit: u64) -> Result<File> {
    let shown = path.display();
    let meta = std::fs::metadata(path).with_context(|| format!("cannot read {what} {shown}"))?;
    if meta.is_dir() {
        bail!("{shown} is a directory, not a {what}");
    }
    if !meta.is_file() {
        bail!("{shown} is not a regular file (a device, pipe or socket): give a {what}");
    }
    if meta.len() > limit {
        bail!(
            "{shown} is {} bytes: larger than any {what} ({} at most)",
            meta.len(),
            size(limit)
        );
    }
    File::open(path).with_context(|| format!("cannot read {what} {shown}"))
}

/// `bytes` in MiB, or KiB below one MiB.
fn size(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{} KiB", bytes >> 10)
    }
}

/// Reads the rest of `file` (`already` read) up to `limit` bytes in all,
/// reading one byte past the cap to tell a file that grew since its size
/// was read.
fn read_capped(
    mut file: File,
    mut bytes: Vec<u8>,
    path: &Path,
    what: &str,
    limit: u64,
) -> Result<Vec<u8>> {
    let shown = path.display();
    let already = bytes.len() as u64;
    (&mut file)
        .take((limit + 1).saturating_sub(already))
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {what} {shown}"))?;
    if bytes.len() as u64 > limit {
        bail!(
            "{shown} is larger than any {what} ({} at most)",
            size(limit)
        );
    }
    Ok(bytes)
}

/// Reads the model file at `path`: a regular file starting with the
/// model magic, at most [`MAX_MODEL_BYTES`] long.
pub fn read_model(path: &Path) -> Result<Vec<u8>> {
    let what = "model file";
    let mut file = open_regular(path, what, MAX_MODEL_BYTES)?;
    let mut magic = [0u8; 4];
    let got = read_up_to(&mut file, &mut magic)
        .with_context(|| format!("cannot read {what} {}", path.display()))?;
    if got < magic.len() || magic != MAGIC {
        bail!(
            "{} is not a model file (it does not start with the ELSM magic)",
            path.display()
        );
    }
    read_capped(file, magic.to_vec(), path, what, MAX_MODEL_BYTES)
}

/// Reads the UTF-8 text file at `path`, a `what`: a regular file of at
/// most `limit` bytes.
pub fn read_text(path: &Path, what: &str, limit: u64) -> Result<String> {
    let file = open_regular(path, what, limit)?;
    let bytes = read_capped(file, Vec::new(), path, what, limit)?;
    String::from_utf8(bytes).with_context(|| format!("{} is not UTF-8 text", path.display()))
}

/// Fills `buf` as far as the reader goes; returns the bytes read.
fn read_up_to(reader: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_and_foreign_files_are_refused_before_reading() {
        let err = read_model(Path::new("/dev/zero")).unwrap_err();
        assert!(format!("{err:#}").contains("not a regular file"), "{err:#}");
        let dir = tempfile::tempdir().unwrap();
        let err = read_model(dir.path()).unwrap_err();
        assert!(format!("{err:#}").contains("is a directory"), "{err:#}");
        let zeros = dir.path().join("zeros");
        std::fs::write(&zeros, vec![0u8; 1000]).unwrap();
        let err = read_model(&zeros).unwrap_err();
        assert!(format!("{err:#}").contains("not a model file"), "{err:#}");
        let short = dir.path().join("short");
        std::fs::write(&short, b"EL").unwrap();
        assert!(read_model(&short).is_err());
    }

    #[test]
    fn a_file_over_the_cap_is_refused_by_its_size() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.elsm");
        let file = File::create(&big).unwrap();
        // Sparse: no disk used.
        file.set_len(MAX_MODEL_BYTES + 1).unwrap();
        let err = read_model(&big).unwrap_err();
        assert!(
            format!("{err:#}").contains("larger than any model"),
            "{err:#}"
        );
    }
}
