//! `caro init bash|zsh|fish`: prints the hook to `eval` in the shell's rc
//! file, then the search widgets (Ctrl-R, up arrow) unless both are disabled.

use std::io::Write;

use anyhow::Result;

use crate::cli::InitArgs;
use crate::shell::Shell;

const BASH: &str = include_str!("../../shell/caro.bash");
const ZSH: &str = include_str!("../../shell/caro.zsh");
const FISH: &str = include_str!("../../shell/caro.fish");
const BASH_SEARCH: &str = include_str!("../../shell/caro-search.bash");
const ZSH_SEARCH: &str = include_str!("../../shell/caro-search.zsh");
const FISH_SEARCH: &str = include_str!("../../shell/caro-search.fish");

pub fn run(args: &InitArgs) -> Result<()> {
    let (hook, widgets) = match args.shell {
        Shell::Bash => (BASH, BASH_SEARCH),
        Shell::Zsh => (ZSH, ZSH_SEARCH),
        Shell::Fish => (FISH, FISH_SEARCH),
    };
    let mut out = crate::commands::output::stdout();
    out.write_all(hook.as_bytes())?;
    if !(args.disable_ctrl_r && args.disable_up_arrow) {
        // The widget files read these shell variables to leave a key alone.
        for (disabled, name) in [
            (args.disable_ctrl_r, "__caro_disable_ctrl_r"),
            (args.disable_up_arrow, "__caro_disable_up_arrow"),
        ] {
            if disabled {
                let line = match args.shell {
                    Shell::Fish => format!("set -g {name} 1\n"),
                    Shell::Bash | Shell::Zsh => format!("{name}=1\n"),
                };
                out.write_all(line.as_bytes())?;
            }
        }
        out.write_all(widgets.as_bytes())?;
    }
    out.flush()?;
    Ok(())
}
