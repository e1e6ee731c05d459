//! The secrets filter: patterns for credentials that must never reach the
//! history (or, later, another device). Byte regexes in ASCII mode, compiled
//! once per process and only when a command is checked.

use std::sync::OnceLock;

use crate::matcher::{Guarded, GuardedSet};

/// A kind of secret and how to recognise it.
#[derive(Debug)]
pub struct SecretPattern {
    /// Named in the refusal, e.g. "a GitHub token".
    pub kind: &'static str,
    /// Literals one of which any match contains (see `matcher`).
    pub triggers: &'static [&'static str],
    pub pattern: &'static str,
}

/// Ordered: when several match, the first names the refusal (so the
/// specific `sk-ant-` comes before the generic `sk-`).
pub static SECRET_PATTERNS: &[SecretPattern] = &[
    SecretPattern {
        kind: "an AWS access key id",
        triggers: &["akia", "asia", "abia", "acca"],
        pattern: r"(?-u)\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b",
    },
    SecretPattern {
        kind: "an AWS secret access key",
        triggers: &["aws"],
        pattern: r#"(?-u)(?i)aws_?secret_?(?:access_?)?key["']?\s*[=:]\s*["']?[A-Za-z0-9/+=]{40}\b"#,
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
        pattern: r"(?-u)\b[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]+:[^/\s@$]+@",
    },
    SecretPattern {
        kind: "an authorization header",
        triggers: &["authorization"],
        pattern: r"(?-u)(?i)\bauthorization:\s*(?:bearer|basic|token)\s+[A-Za-z0-9._~+/=-]{8,}",
    },
    SecretPattern {
        kind: "a user:password option",
        triggers: &["curl"],
        pattern: r#"(?-u)\bcurl\s(?:[^;&|]*\s)?(?:-u|--user)\s*["']?[^\s:"']+:[^\s"'$]+"#,
    },
    SecretPattern {
        kind: "a MySQL password option",
        triggers: &["mysql"],
        pattern: r"(?-u)\bmysql(?:dump|admin)?\s[^;&|]*\s-p[^\s]",
    },
    SecretPattern {
        kind: "a password option",
        triggers: &["pass"],
        pattern: r#"(?-u)(?i)\s--?(?:password|passwd|pass)(?:=|\s+)["']?[^\s"'$-]"#,
    },
    SecretPattern {
        kind: "a password or token assignment",
        triggers: &[
            "password",
            "passwd",
            "secret",
            "api_key",
            "apikey",
            "access_token",
            "accesstoken",
            "auth_token",
            "authtoken",
            "client_secret",
            "clientsecret",
        ],
        pattern: r#"(?-u)(?i)\b[A-Z0-9_]*(?:password|passwd|secret|api_?key|access_?token|auth_?token|client_?secret)["']?\s*[=:]\s*["']?[^\s"'$]"#,
    },
];

fn pattern_set() -> &'static GuardedSet {
    static SET: OnceLock<GuardedSet> = OnceLock::new();
    SET.get_or_init(|| {
        let patterns = SECRET_PATTERNS.iter().map(|p| Guarded {
            pattern: p.pattern,
            triggers: p.triggers,
        });
        GuardedSet::new(patterns, false)
    })
}

/// The kind of the first secret found in `text`.
pub fn find(text: &str) -> Option<&'static str> {
    let index = *pattern_set().matches(text.as_bytes()).first()?;
    Some(SECRET_PATTERNS[index].kind)
}

#[cfg(test)]
mod tests {
    use super::{find, SECRET_PATTERNS};

    // Test secrets are assembled at run time so that the source holds no
    // string a secret scanner would flag.
    fn rep(c: char, n: usize) -> String {
        std::iter::repeat_n(c, n).collect()
    }

    macro_rules! secret {
        ($test:ident, $kind:literal, $make:expr) => {
            #[test]
            fn $test() {
                assert!(
                    SECRET_PATTERNS.iter().any(|p| p.kind == $kind),
                    "no pattern {}",
                    $kind
                );
                let command: String = $make;
                assert_eq!(find(&command), Some($kind), "{command}");
            }
        };
    }

    secret!(
        aws_access_key_id,
        "an AWS access key id",
        format!("export AWS_ACCESS_KEY_ID={}{}", "AKIA", "IOSFODNN7EXAMPLE")
    );
    secret!(
        aws_secret_key,
        "an AWS secret access key",
        format!("aws configure set aws_secret_access_key {}", "")
            + &format!(" ; AWS_SECRET_ACCESS_KEY={}", rep('w', 40))
    );
    secret!(
        github_token,
        "a GitHub token",
        format!(
            "git clone https://github.com/x/y --token {}_{}",
            "ghp",
            rep('a', 36)
        )
    );
    secret!(
        github_fine_grained,
        "a GitHub fine-grained token",
        format!(
            "gh auth login --with-token {}_{}",
            "github_pat",
            rep('B', 60)
        )
    );
    secret!(
        gitlab_token,
        "a GitLab token",
        format!("glab auth login --token {}-{}", "glpat", rep('x', 20))
    );
    secret!(
        slack_token,
        "a Slack token",
        format!("slack-cli --token {}-{}", "xoxb", "123456789012-abcdefghij")
    );
    secret!(
        slack_webhook,
        "a Slack webhook URL",
        format!(
            "curl -X POST https://hooks.slack.com/services/T{}/B{}/{}",
            "0AAA",
            "0BBB",
            rep('c', 24)
        )
    );
    secret!(
        stripe_key,
        "a Stripe secret key",
        format!("stripe --api-key {}_live_{}", "sk", rep('s', 24))
    );
    secret!(
        npm_token,
        "an npm token",
        format!(
            "npm config set //registry.npmjs.org/:_authToken {}_{}",
            "npm",
            rep('n', 36)
        )
    );
    secret!(
        pypi_token,
        "a PyPI token",
        format!("twine upload -p pypi-{}{}", "AgEIcHlwaS5vcmc", rep('p', 60))
    );
    secret!(
        anthropic_key,
        "an Anthropic API key",
        format!("claude --key sk-ant-api03-{}", rep('k', 40))
    );
    secret!(
        openai_key,
        "an OpenAI API key",
        format!("llm keys set openai sk-proj-{}", rep('o', 48))
    );
    secret!(
        google_api_key,
        "a Google API key",
        format!(
            "curl 'https://maps.example.com?k={}{}'",
            "AIza",
            rep('g', 35)
        )
    );
    secret!(
        sendgrid_key,
        "a SendGrid API key",
        format!("sg send SG.{}.{}", rep('a', 22), rep('b', 43))
    );
    secret!(
        huggingface_token,
        "a Hugging Face token",
        format!("huggingface-cli login --token hf_{}", rep('h', 34))
    );
    secret!(
        docker_hub_token,
        "a Docker Hub token",
        format!(
            "docker login -u me --password-stdin <<< dckr_pat_{}",
            rep('d', 27)
        )
    );
    secret!(
        digitalocean_token,
        "a DigitalOcean token",
        format!("doctl auth init -t dop_v1_{}", rep('a', 64))
    );
    secret!(
        private_key,
        "a private key",
        format!("echo '-----BEGIN {} PRIVATE KEY-----' > k", "OPENSSH")
    );
    secret!(
        jwt,
        "a JSON Web Token",
        format!(
            "http :8080 token==eyJ{}.eyJ{}.{}",
            rep('a', 20),
            rep('b', 20),
            rep('c', 20)
        )
    );
    secret!(
        url_password,
        "a password in a URL",
        format!("psql postgres://admin:{}@db.internal/app", "hunter2")
    );
    secret!(
        authorization_header,
        "an authorization header",
        format!(
            "curl -H 'Authorization: Bearer {}' https://api",
            rep('t', 32)
        )
    );
    secret!(
        curl_user_password,
        "a user:password option",
        format!("curl -u admin:{} https://api", "hunter2")
    );
    secret!(
        mysql_password,
        "a MySQL password option",
        format!("mysql -u root -p{} app", "hunter2")
    );
    secret!(
        password_option,
        "a password option",
        format!("mytool login --password {}", "hunter2")
    );
    secret!(
        password_assignment,
        "a password or token assignment",
        format!("DB_PASSWORD={} ./run.sh", "hunter2")
    );

    #[test]
    fn every_pattern_compiles() {
        super::pattern_set().compile_all();
    }

    #[test]
    fn every_pattern_has_a_test() {
        let source = include_str!("secrets.rs");
        for p in SECRET_PATTERNS {
            let needle = format!("\"{}\"", p.kind);
            assert!(
                source.matches(&needle).count() >= 2,
                "{} has no secret!(...) test",
                p.kind
            );
        }
    }

    #[test]
    fn ordinary_commands_hold_no_secret() {
        for cmd in [
            "ls -la",
            "git push origin main",
            "docker login -u me --password-stdin",
            "export TOKEN=$GITHUB_TOKEN",
            "echo password=$PASSWORD",
            "mysql -u root -p",
            "ssh git@github.com",
            "git clone ssh://git@host:22/repo.git",
            "kubectl create secret generic db --from-file=./db.env",
            "cargo test password_assignment",
            "curl http://localhost:8080/api",
            "grep -r 'api_key' src",
            "pwd",
        ] {
            assert_eq!(find(cmd), None, "{cmd}");
        }
    }
}
