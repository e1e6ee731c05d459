//! Writes `test-vectors/*.json` (except `rpc/`) from the generator in
//! `tests/generate/`: `cargo run -p crypto-core --example gen_vectors`.
//! `cargo test -p crypto-core --test vectors` fails if the committed files differ.

#[path = "../tests/generate/mod.rs"]
mod generate;

use std::path::Path;

fn main() -> std::io::Result<()> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../test-vectors");
    std::fs::create_dir_all(&dir)?;
    for (name, contents) in generate::vector_files() {
        std::fs::write(dir.join(name), &contents)?;
        println!("wrote test-vectors/{name} ({} bytes)", contents.len());
    }
    Ok(())
}
