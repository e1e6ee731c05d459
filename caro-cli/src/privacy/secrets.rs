//! The secrets filter: patterns for credentials that must never reach the
//! history (or, later, another device), plus recovery phrases (`phrase`).
//! Byte regexes in ASCII mode, compiled once per process and only when one of
//! a rule's literal triggers occurs in the text (see `matcher`), so the
//! common command costs one substring search per trigger.
//!
//! False positives are kept rare by what a value may start with: a variable
//! (`$TOKEN`), a command substitution, a path (`~/`, `/`, `./`), a redirect or
//! an option is never taken for a secret, and neither is an empty value
//! (`grep password= config.ini`).

use std::borrow::Cow;
use std::sync::OnceLock;

use crate::matcher::{Guarded, GuardedSet};

use super::phrase;

/// A kind of secret and how to recognise it.
#[derive(Debug)]
pub struct SecretPattern {
    /// Named in the refusal, e.g. "a GitHub token".
    pub kind: &'static str,
    /// Literals one of which any match contains (see `matcher`).
    pub triggers: &'static [&'static str],
    pub pattern: &'static str,
}

/// Named in the refusal when the text holds a BIP39 recovery phrase.
pub const PHRASE_KIND: &str = "a recovery phrase";

// Fragments shared by several patterns (macros, so that `concat!` can build
// each pattern as one `&'static str`).

/// The first character of a literal secret value, after an optional quote:
/// not a variable, substitution, path, redirect, template, glob or option.
macro_rules! literal_value {
    () => {
        r#"["']?[^\s"'$`<>~/.(){}%*\\@-]"#
    };
}

/// Where a shell word or a `key=value` pair starts.
macro_rules! pair_start {
    () => {
        r#"(?:^|[\s;&|(){}'"`=,?\\])"#
    };
}

/// A variable name that says it holds a password, passphrase, secret, token
/// or API key (`DB_PASSWORD`, `PGPASSWORD`, `GITHUB_TOKEN`, `MYSQL_PWD`, …).
macro_rules! secret_name {
    () => {
        r"(?:[a-z0-9_]*(?:pass(?:word|wd|phrase)|secret|token|api_?key|(?:access|secret|account|master|encryption|signing)_?key)|[a-z0-9_]*_(?:pass|pwd|pw)|pass)"
    };
}

/// Any other name ending in `key`: a secret only when its value looks like
/// one (16 or more key characters), so `KEY_PATH=~/.ssh/id` and
/// `SORT_KEY=name` are not.
macro_rules! key_name {
    () => {
        r"(?:[a-z0-9_]*_)?key"
    };
}

macro_rules! key_value {
    () => {
        r#"["']?[a-z0-9_+=-]{16,}"#
    };
}

/// fish's `set -x`/`set -gx`/`set -U` (never `-e`, which erases) and csh's
/// `setenv`, up to the variable name.
macro_rules! set_command {
    () => {
        r"(?:^|[\s;&|(])(?:set(?:\s+(?:-[glux]+|--(?:export|global|universal|local)))*|setenv)\s+"
    };
}

/// The segments of a long option before its last word, such as `db-` in
/// `--db-password`; never `ask-` or `no-`, which start flags without a value
/// (`--ask-pass`, `--no-password`).
macro_rules! option_prefix {
    () => {
        r"(?:(?:[b-mo-z0-9][a-z0-9]*|a|a[a-rt-z0-9][a-z0-9]*|as|as[a-jl-z0-9][a-z0-9]*|ask[a-z0-9]+|n|n[a-np-z0-9][a-z0-9]*|no[a-z0-9]+)-(?:[a-z0-9]+-)*)"
    };
}

/// The rest of a command after its name, up to one of its options: `\s`,
/// then anything but a command separator, ending in whitespace.
macro_rules! same_command {
    () => {
        r"\s(?:[^;&|\n]*\s)?"
    };
}

/// Ordered: when several match, the first names the refusal (so the
/// specific `sk-ant-` comes before the generic `sk-`, and vendor formats
/// before the generic assignment and option rules).
pub static SECRET_PATTERNS: &[SecretPattern] = &[
    SecretPattern {
        kind: "an AWS access key id",
        triggers: &["akia", "asia", "abia", "acca"],
        pattern: r"(?-u)\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b",
    },
    SecretPattern {
        kind: "an AWS secret access key",
        triggers: &["aws"],
        pattern: r#"(?i)(?-u)aws_?secret_?(?:access_?)?key["']?(?:\s*[=:]\s*|\s+)["']?[a-z0-9/+=]{40}\b"#,
    },
    SecretPattern {
        kind: "a GitHub token",
        triggers: &["ghp_", "gho_", "ghu_", "ghs_", "ghr_"],
        pattern: r"(?-u)\bgh[pousr]_[A-Za-z0-9]{36,255}\b",
    },
    SecretPattern {
        kind: "a GitHub fine-grained token",
        triggers: &["github_pat_"],
        pattern: r"(?-u)\bgithub_pat_[A-Za-z0-9_]{22,255}\b",
    },
    SecretPattern {
        kind: "a GitLab token",
        triggers: &["glpat-", "gldt-", "glptt-", "glrt-"],
        pattern: r"(?-u)\bgl(?:pat|dt|ptt|rt)-[A-Za-z0-9_-]{20,}",
    },
    SecretPattern {
        kind: "a Slack token",
        triggers: &["xoxa-", "xoxb-", "xoxp-", "xoxo-", "xoxs-", "xoxr-"],
        pattern: r"(?-u)\bxox[abposr]-[A-Za-z0-9-]{10,}",
    },
    SecretPattern {
        kind: "a Slack webhook URL",
        triggers: &["hooks.slack.com"],
        pattern: r"(?-u)hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]+",
    },
    SecretPattern {
        kind: "a Stripe secret key",
        triggers: &["_live_"],
        pattern: r"(?-u)\b(?:sk|rk)_live_[A-Za-z0-9]{16,}",
    },
    SecretPattern {
        kind: "an npm token",
        triggers: &["npm_"],
        pattern: r"(?-u)\bnpm_[A-Za-z0-9]{36}\b",
    },
    SecretPattern {
        kind: "a PyPI token",
        triggers: &["pypi-"],
        pattern: r"(?-u)\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}",
    },
    SecretPattern {
        kind: "an Anthropic API key",
        triggers: &["sk-ant-"],
        pattern: r"(?-u)\bsk-ant-[a-z]+\d{2}-[A-Za-z0-9_-]{32,}",
    },
    SecretPattern {
        kind: "an OpenAI API key",
        triggers: &["sk-"],
        pattern: r"(?-u)\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{32,}",
    },
    SecretPattern {
        kind: "a Google API key",
        triggers: &["aiza"],
        pattern: r"(?-u)\bAIza[0-9A-Za-z_-]{35}\b",
    },
    SecretPattern {
        kind: "a Google OAuth access token",
        triggers: &["ya29."],
        pattern: r"(?-u)\bya29\.[0-9A-Za-z_-]{20,}",
    },
    SecretPattern {
        kind: "a SendGrid API key",
        triggers: &["sg."],
        pattern: r"(?-u)\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b",
    },
    SecretPattern {
        kind: "a Hugging Face token",
        triggers: &["hf_"],
        pattern: r"(?-u)\bhf_[A-Za-z0-9]{34,}\b",
    },
    SecretPattern {
        kind: "a Docker Hub token",
        triggers: &["dckr_pat_"],
        pattern: r"(?-u)\bdckr_pat_[A-Za-z0-9_-]{20,}",
    },
    SecretPattern {
        kind: "a DigitalOcean token",
        triggers: &["_v1_"],
        pattern: r"(?-u)\bdo[opr]_v1_[a-f0-9]{64}\b",
    },
    SecretPattern {
        kind: "a HashiCorp Vault token",
        triggers: &["hvs.", "hvb.", "hvr."],
        pattern: r"(?-u)\bhv[sbr]\.[A-Za-z0-9_-]{24,}",
    },
    SecretPattern {
        kind: "a Shopify access token",
        triggers: &["shpat_", "shpca_", "shppa_", "shpss_"],
        pattern: r"(?-u)\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b",
    },
    SecretPattern {
        kind: "a Tailscale key",
        triggers: &["tskey-"],
        pattern: r"(?-u)\btskey-(?:auth|api|client|webhook)-[A-Za-z0-9-]{20,}",
    },
    SecretPattern {
        kind: "an age secret key",
        triggers: &["age-secret-key-1"],
        pattern: r"(?-u)\bAGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}\b",
    },
    SecretPattern {
        kind: "a private key",
        triggers: &["private key"],
        pattern: r"(?-u)-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----",
    },
    SecretPattern {
        kind: "a JSON Web Token",
        triggers: &["eyj"],
        pattern: r"(?-u)\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}",
    },
    SecretPattern {
        kind: "a password in a URL",
        triggers: &["://"],
        // The user may be empty (`redis://:p@host`); `$` starts a variable.
        pattern: r"(?-u)\b[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]*:[^/\s@$]+@",
    },
    SecretPattern {
        kind: "an authorization header",
        triggers: &["authorization"],
        // A bare credential needs 16 characters, so a scheme followed by a
        // variable (`Negotiate $T`) is not one.
        pattern: r#"(?i)(?-u)\b(?:proxy-)?authorization\s*:\s*["']?(?:(?:bearer|basic|token|digest|negotiate)\s+[a-z0-9._~+/=-]{8,}|[a-z0-9._~+/=-]{16,})"#,
    },
    SecretPattern {
        kind: "an API key header",
        triggers: &["x-", "api-key", "apikey", "private-token"],
        pattern: r#"(?i)(?-u)(?:\bx-[a-z0-9-]*(?:api-?key|token|secret)|\bapi-?key|\bprivate-token)\s*:\s*["']?[a-z0-9._~+/=-]{16,}"#,
    },
    SecretPattern {
        kind: "a user:password option",
        triggers: &["curl", "--auth", "--basic-auth"],
        pattern: concat!(
            r#"(?-u)(?:\bcurl"#,
            same_command!(),
            r#"(?:-u|--user|-U|--proxy-user)(?:\s*|=)|\s--(?:basic-)?auth(?:\s+|=))["']?[^\s:"'$-][^\s:"']*:[^\s"'$]"#
        ),
    },
    SecretPattern {
        kind: "a MySQL password option",
        triggers: &["mysql", "mariadb"],
        // Attached only: a separate `-p` prompts.
        pattern: concat!(
            r"(?-u)\b(?:mysql[a-z]*|mariadb[a-z-]*)",
            same_command!(),
            r"-p[^\s]"
        ),
    },
    SecretPattern {
        kind: "an sshpass password",
        triggers: &["sshpass"],
        // Only sshpass's own options: a `-p` after the command it runs
        // (`sshpass -f pw ssh -p 22`) is that command's.
        pattern: r#"(?-u)\bsshpass\s+(?:-[a-zA-Z]+\s+(?:[^\s-]\S*\s+)?)*-p\s*["']?[^\s"'$-]"#,
    },
    SecretPattern {
        kind: "a password option of a login command",
        triggers: &["login"],
        pattern: concat!(
            r"(?-u)\b(?:docker|podman|nerdctl|buildah|skopeo|helm|oras|crane|cf|az)",
            same_command!(),
            "login",
            same_command!(),
            r#"-p\s*["']?[^\s"'$<-]"#
        ),
    },
    SecretPattern {
        kind: "a redis-cli password option",
        triggers: &["redis-cli"],
        pattern: concat!(
            r"(?-u)\bredis-cli",
            same_command!(),
            r#"-a\s*["']?[^\s"'$-]"#
        ),
    },
    SecretPattern {
        kind: "an LDAP bind password",
        triggers: &["ldap"],
        pattern: concat!(
            r"(?-u)\bldap(?:search|add|modify|delete|passwd|whoami|compare|modrdn|exop)",
            same_command!(),
            r#"-w\s*["']?[^\s"'$-]"#
        ),
    },
    SecretPattern {
        kind: "a MongoDB password option",
        triggers: &["mongo"],
        pattern: concat!(
            r"(?-u)\bmongo(?:sh|dump|restore|import|export|stat|top|files)?",
            same_command!(),
            r#"-p\s*["']?[^\s"'$-]"#
        ),
    },
    SecretPattern {
        kind: "a SQL Server password option",
        triggers: &["sqlcmd", "bcp"],
        pattern: concat!(
            r"(?-u)\b(?:sqlcmd|bcp)",
            same_command!(),
            r#"-P\s*["']?[^\s"'$-]"#
        ),
    },
    SecretPattern {
        kind: "an archive password option",
        triggers: &["zip", "7z", "rar"],
        // zip and unzip take `-P pw`; 7z and rar `-ppw` (a bare `-p` prompts).
        pattern: concat!(
            r"(?-u)\b(?:(?:un)?zip",
            same_command!(),
            r"-P\s*|(?:7z[az]?|7zz|(?:un)?rar)",
            same_command!(),
            r#"-p)["']?[^\s"'$-]"#
        ),
    },
    SecretPattern {
        kind: "an OpenSSL pass: password",
        triggers: &["pass:"],
        pattern: r#"(?-u)\s-pass(?:in|out)?\s+["']?pass:[^\s"'$]"#,
    },
    SecretPattern {
        kind: "an SSH key passphrase option",
        triggers: &["ssh-keygen"],
        // `-N ''` (no passphrase) is not one.
        pattern: concat!(
            r"(?-u)\bssh-keygen",
            same_command!(),
            r#"-[NP]\s*(?:["'][^\s"'$]|[^\s"'$-])"#
        ),
    },
    SecretPattern {
        kind: "a password piped to a login",
        triggers: &["--password-stdin", "--with-token", "sudo"],
        pattern: concat!(
            r#"(?-u)(?:\becho\s+(?:-[neE]+\s+)?["']?[^\s"'$`<(-][^\s|;&]*["']?\s*\|\s*(?:[^;&|\n]*\s)?"#,
            r"(?:--password-stdin|--with-token|sudo\s+(?:-[a-zA-Z]+\s+(?:[^\s-]\S*\s+)?)*-[a-zA-Z]*S)\b",
            r#"|(?:--password-stdin|--with-token)\s*<<<\s*["']?[^\s"'$`<(])"#
        ),
    },
    SecretPattern {
        kind: "a Vault token argument",
        triggers: &["vault"],
        // `vault login TOKEN`; methods take `key=value` pairs, which have `=`.
        pattern: r"(?-u)\bvault\s+login\s+(?:-\S+\s+)*[^\s=$<(-][^\s=]{19,}(?:\s|$)",
    },
    SecretPattern {
        kind: "a credential in git config",
        triggers: &["config"],
        pattern: concat!(
            r"(?i)(?-u)\bgit\s+(?:-c\s+\S+\s+)*config\s+(?:--?[a-z-]+\s+)*[a-z0-9_.-]*(?:token|password|secret)\s+",
            literal_value!()
        ),
    },
    SecretPattern {
        kind: "a password option",
        triggers: &["pass"],
        pattern: concat!(
            r"(?i)(?-u)(?:^|\s)(?:--",
            option_prefix!(),
            r"?(?:password|passwd|pass|passphrase)|-(?:password|passwd|passphrase))(?:=|\s+)",
            literal_value!()
        ),
    },
    SecretPattern {
        kind: "a token option",
        triggers: &["token", "-key", "apikey", "secret"],
        // A bare `--secret` or `--key` names a file or an id (`docker build
        // --secret id=npm,src=…`, `curl --key client.pem`).
        pattern: concat!(
            r"(?i)(?-u)(?:^|\s)--(?:",
            option_prefix!(),
            r"?(?:token|api-?key)|",
            option_prefix!(),
            r"?(?:access|secret|master|license|account|encryption|signing|auth)-key|",
            option_prefix!(),
            r"secret)(?:=|\s+)",
            literal_value!()
        ),
    },
    SecretPattern {
        kind: "a password or token assignment",
        // A name ending in `key` is followed by `=`, `"` or whitespace, so
        // `KEY_PATH=~/.ssh/id` does not even compile this rule.
        triggers: &[
            "pass", "secret", "token", "_pw", "key=", "key\"", "key ", "key\t", "key\n", "key\r",
            "key\x0b", "key\x0c",
        ],
        // `NAME=value` (export, env prefix, docker -e, query strings), fish
        // and csh `set`, and JSON `"name": "value"`; then the same for names
        // ending in `key` with a key-like value.
        pattern: concat!(
            r"(?i)(?-u)(?:",
            pair_start!(),
            secret_name!(),
            "=|",
            set_command!(),
            secret_name!(),
            r#"\s+|""#,
            secret_name!(),
            r#""\s*:\s*)"#,
            literal_value!(),
            "|(?:",
            pair_start!(),
            key_name!(),
            "=|",
            set_command!(),
            key_name!(),
            r#"\s+|""#,
            key_name!(),
            r#""\s*:\s*)"#,
            key_value!()
        ),
    },
];

/// Patterns that start `(?i)` are run without the flag on the ASCII-lowercased
/// text (and so are written in lowercase): a case-insensitive regex costs two
/// to three times as long to compile, and compiling is most of what a
/// triggered rule costs `history add`.
const FOLDED: &str = "(?i)";

/// The rules split by case: each set with the indices of its rules in
/// `SECRET_PATTERNS`.
struct PatternSets {
    exact: (GuardedSet, Vec<usize>),
    folded: (GuardedSet, Vec<usize>),
}

fn pattern_sets() -> &'static PatternSets {
    static SETS: OnceLock<PatternSets> = OnceLock::new();
    SETS.get_or_init(|| {
        let build = |folded: bool| {
            let rules: Vec<usize> = (0..SECRET_PATTERNS.len())
                .filter(|&i| SECRET_PATTERNS[i].pattern.starts_with(FOLDED) == folded)
                .collect();
            let patterns = rules.iter().map(|&i| Guarded {
                pattern: SECRET_PATTERNS[i]
                    .pattern
                    .strip_prefix(FOLDED)
                    .unwrap_or(SECRET_PATTERNS[i].pattern),
                triggers: SECRET_PATTERNS[i].triggers,
            });
            (GuardedSet::new(patterns, false), rules)
        };
        PatternSets {
            exact: build(false),
            folded: build(true),
        }
    })
}

/// The kind of the first secret found in `text`.
pub fn find(text: &str) -> Option<&'static str> {
    let sets = pattern_sets();
    let exact = sets
        .exact
        .0
        .matches(text.as_bytes())
        .first()
        .map(|&i| sets.exact.1[i]);
    // Most commands are lowercase already and need no copy.
    let lower = if text.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(text.to_ascii_lowercase())
    } else {
        Cow::Borrowed(text)
    };
    let folded = sets
        .folded
        .0
        .matches(lower.as_bytes())
        .first()
        .map(|&i| sets.folded.1[i]);
    if let Some(index) = exact.into_iter().chain(folded).min() {
        return Some(SECRET_PATTERNS[index].kind);
    }
    phrase::holds_phrase(text).then_some(PHRASE_KIND)
}

#[cfg(test)]
mod examples;

#[cfg(test)]
mod tests {
    use bip39::{Language, Mnemonic};

    use super::examples::{bad_checksum, rules};
    use super::{find, pattern_sets, FOLDED, PHRASE_KIND, SECRET_PATTERNS};

    #[test]
    fn every_form_is_refused_by_its_rule_and_every_near_miss_recorded() {
        let mut wrong = Vec::new();
        for rule in rules() {
            for command in &rule.refused {
                let found = find(command);
                if found != Some(rule.kind) {
                    wrong.push(format!("{command:?}: want {:?}, got {found:?}", rule.kind));
                }
            }
            for command in &rule.recorded {
                if let Some(kind) = find(command) {
                    wrong.push(format!("{command:?}: a near-miss, refused as {kind:?}"));
                }
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn every_rule_has_forms_and_near_misses() {
        let rules = rules();
        let kinds = SECRET_PATTERNS.iter().map(|p| p.kind).chain([PHRASE_KIND]);
        for kind in kinds {
            let rule = rules.iter().find(|r| r.kind == kind);
            let rule = rule.unwrap_or_else(|| panic!("{kind} has no examples"));
            assert!(!rule.refused.is_empty(), "{kind}: no form");
            assert!(!rule.recorded.is_empty(), "{kind}: no near-miss");
        }
        assert_eq!(
            rules.len(),
            SECRET_PATTERNS.len() + 1,
            "a table row names no rule"
        );
        let forms: usize = rules.iter().map(|r| r.refused.len()).sum();
        let near: usize = rules.iter().map(|r| r.recorded.len()).sum();
        assert!(near >= forms, "{near} near-misses for {forms} forms");
    }

    /// A trigger is only a shortcut: on every example, the rules found
    /// through triggers are exactly those whose regex matches.
    #[test]
    fn triggers_hide_no_match() {
        let sets = pattern_sets();
        for rule in rules() {
            for command in rule.refused.iter().chain(&rule.recorded) {
                let lower = command.to_ascii_lowercase();
                for (set, text) in [(&sets.exact.0, command), (&sets.folded.0, &lower)] {
                    let text = text.as_bytes();
                    assert_eq!(
                        set.matches(text),
                        set.matches_unguarded(text),
                        "{command:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn bad_checksum_is_bad() {
        for (words, seed) in [(12, 9), (24, 10)] {
            let text = bad_checksum(words, seed);
            assert!(text
                .split(' ')
                .all(|w| Language::English.find_word(w).is_some()));
            assert!(Mnemonic::parse_in_normalized(Language::English, &text).is_err());
        }
    }

    #[test]
    fn every_pattern_compiles() {
        let sets = pattern_sets();
        sets.exact.0.compile_all();
        sets.folded.0.compile_all();
    }

    /// A folded pattern sees lowercase text only: an uppercase letter in it
    /// (outside an escape such as `\S` or a class) could never match.
    #[test]
    fn folded_patterns_are_lowercase() {
        for p in SECRET_PATTERNS
            .iter()
            .filter(|p| p.pattern.starts_with(FOLDED))
        {
            let mut in_class = false;
            let mut escaped = false;
            for c in p.pattern.chars() {
                match c {
                    _ if escaped => escaped = false,
                    '\\' => escaped = true,
                    '[' => in_class = true,
                    ']' => in_class = false,
                    _ => assert!(in_class || !c.is_ascii_uppercase(), "{}: {c}", p.kind),
                }
            }
        }
    }
}
