//! A scratch directory of its own for one test, removed when dropped: where
//! the binary or a script runs, so that nothing of the checkout (a developer's
//! `.env`, say) changes what the test sees.

use std::path::{Path, PathBuf};

/// An empty directory under the system's temporary directory.
pub struct ScratchDir(PathBuf);

impl ScratchDir {
    /// Creates a fresh, empty directory.
    pub fn new() -> Self {
        let path = std::env::temp_dir().join(format!("bc-test-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&path).unwrap();
        ScratchDir(path)
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Writes `text` to the file `name` (a relative path) inside it.
    pub fn write(&self, name: &str, text: &str) {
        let file = self.0.join(name);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, text).unwrap();
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
