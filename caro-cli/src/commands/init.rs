//! `caro init bash|zsh|fish`: prints the hook to `eval` in the shell's rc file.

use std::io::Write;

use anyhow::Result;

use crate::cli::InitArgs;
use crate::shell::Shell;

const BASH: &str = include_str!("../../shell/caro.bash");
const ZSH: &str = include_str!("../../shell/caro.zsh");
const FISH: &str = include_str!("../../shell/caro.fish");

pub fn run(args: &InitArgs) -> Result<()> {
    let script = match args.shell {
        Shell::Bash => BASH,
        Shell::Zsh => ZSH,
        Shell::Fish => FISH,
    };
    let mut out = crate::commands::output::stdout();
    out.write_all(script.as_bytes())?;
    out.flush()?;
    Ok(())
}
