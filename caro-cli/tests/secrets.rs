//! End-to-end: one test per secret pattern. The refusal names the kind of
//! secret, never echoes it, exits 1, and stores nothing.

use crate::util::{stderr_of, stdout_of, Home};

fn rep(c: char, n: usize) -> String {
    std::iter::repeat_n(c, n).collect()
}

fn assert_refused(command: &str, secret: &str, kind: &str) {
    let home = Home::new();
    let out = home
        .caro()
        .args(["history", "add", "--command", command])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{command}");
    let err = stderr_of(&out);
    assert!(err.contains(&format!("looks like {kind}")), "{err}");
    assert!(!err.contains(secret), "secret echoed: {err}");
    assert!(!stdout_of(&out).contains(secret));
    assert!(home.list().is_empty());
}

macro_rules! refuses {
    ($name:ident, $kind:literal, $secret:expr, $template:literal) => {
        #[test]
        fn $name() {
            let secret: String = $secret;
            let command = format!($template, secret);
            assert_refused(&command, &secret, $kind);
        }
    };
}

refuses!(
    aws_access_key_id,
    "an AWS access key id",
    format!("{}{}", "AKIA", "IOSFODNN7EXAMPLE"),
    "export AWS_ACCESS_KEY_ID={}"
);
refuses!(
    aws_secret_key,
    "an AWS secret access key",
    rep('w', 40),
    "AWS_SECRET_ACCESS_KEY={} aws s3 ls"
);
refuses!(
    github_token,
    "a GitHub token",
    format!("ghp_{}", rep('a', 36)),
    "gh auth login --with-token {}"
);
refuses!(
    github_fine_grained,
    "a GitHub fine-grained token",
    format!("github_pat_{}", rep('B', 60)),
    "echo {}"
);
refuses!(
    gitlab_token,
    "a GitLab token",
    format!("glpat-{}", rep('x', 20)),
    "glab auth login --token {}"
);
refuses!(
    slack_token,
    "a Slack token",
    format!("xoxb-{}", "123456789012-abcdefghij"),
    "slack --token {}"
);
refuses!(
    slack_webhook,
    "a Slack webhook URL",
    format!("T0AAA/B0BBB/{}", rep('c', 24)),
    "curl -X POST https://hooks.slack.com/services/{}"
);
refuses!(
    stripe_key,
    "a Stripe secret key",
    format!("sk_live_{}", rep('s', 24)),
    "stripe --api-key {}"
);
refuses!(
    npm_token,
    "an npm token",
    format!("npm_{}", rep('n', 36)),
    "npm config set //registry.npmjs.org/:_authToken {}"
);
refuses!(
    pypi_token,
    "a PyPI token",
    format!("pypi-AgEIcHlwaS5vcmc{}", rep('p', 60)),
    "twine upload -p {} dist/*"
);
refuses!(
    anthropic_key,
    "an Anthropic API key",
    format!("sk-ant-api03-{}", rep('k', 40)),
    "claude --key {}"
);
refuses!(
    openai_key,
    "an OpenAI API key",
    format!("sk-proj-{}", rep('o', 48)),
    "llm keys set openai {}"
);
refuses!(
    google_api_key,
    "a Google API key",
    format!("AIza{}", rep('g', 35)),
    "curl 'https://maps.example.com?k={}'"
);
refuses!(
    sendgrid_key,
    "a SendGrid API key",
    format!("SG.{}.{}", rep('a', 22), rep('b', 43)),
    "sg send {}"
);
refuses!(
    huggingface_token,
    "a Hugging Face token",
    format!("hf_{}", rep('h', 34)),
    "huggingface-cli login --token {}"
);
refuses!(
    docker_hub_token,
    "a Docker Hub token",
    format!("dckr_pat_{}", rep('d', 27)),
    "echo {} | docker login -u me --password-stdin"
);
refuses!(
    digitalocean_token,
    "a DigitalOcean token",
    format!("dop_v1_{}", rep('a', 64)),
    "doctl auth init -t {}"
);
refuses!(
    private_key,
    "a private key",
    format!("-----BEGIN {} PRIVATE KEY-----", "OPENSSH"),
    "echo '{}' > id"
);
refuses!(
    jwt,
    "a JSON Web Token",
    format!("eyJ{}.eyJ{}.{}", rep('a', 20), rep('b', 20), rep('c', 20)),
    "http :8080 token=={}"
);
refuses!(
    url_password,
    "a password in a URL",
    "s3cr3t-hunter2".to_string(),
    "psql postgres://admin:{}@db.internal/app"
);
refuses!(
    authorization_header,
    "an authorization header",
    rep('t', 32),
    "curl -H 'Authorization: Bearer {}' https://api"
);
refuses!(
    curl_user_password,
    "a user:password option",
    "hunter2-s3cr3t".to_string(),
    "curl -u admin:{} https://api"
);
refuses!(
    mysql_password,
    "a MySQL password option",
    "hunter2-s3cr3t".to_string(),
    "mysql -u root -p{} app"
);
refuses!(
    password_option,
    "a password option",
    "hunter2-s3cr3t".to_string(),
    "mytool login --password {}"
);
refuses!(
    password_assignment,
    "a password or token assignment",
    "hunter2-s3cr3t".to_string(),
    "DB_PASSWORD={} ./run.sh"
);

#[test]
fn a_secret_in_the_prompt_is_refused_too() {
    let home = Home::new();
    let secret = format!("ghp_{}", rep('z', 36));
    let out = home
        .caro()
        .args(["history", "add", "--command", "gh auth status", "--prompt"])
        .arg(format!("log in with {secret}"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr_of(&out);
    assert!(
        err.contains("the prompt holds what looks like a GitHub token"),
        "{err}"
    );
    assert!(!err.contains(&secret));
}

#[test]
fn the_filter_can_be_turned_off() {
    let home = Home::new();
    home.caro()
        .args(["config", "set", "secrets_filter", "off"])
        .assert()
        .success();
    home.add("DB_PASSWORD=hunter2 ./run.sh");
    assert_eq!(home.commands(), ["DB_PASSWORD=hunter2 ./run.sh"]);
}

#[test]
fn exclude_patterns_are_never_stored() {
    let home = Home::new();
    home.caro()
        .args(["config", "set", "exclude_patterns", "^ssh .*prod", "vault"])
        .assert()
        .success();
    let out = home
        .caro()
        .args(["history", "add", "--command", "ssh admin@prod-db-1"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
    assert!(stderr_of(&out).contains("matches your exclude pattern '^ssh .*prod'"));
    home.add("ssh admin@staging");
    let file = home.file("h", b"vault read secret/x\nls\n");
    home.caro()
        .args(["history", "import", "bash", "--file"])
        .arg(&file)
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "not imported: 1 command matched an exclude pattern",
        ));
    let mut stored = home.commands();
    stored.sort();
    assert_eq!(stored, ["ls", "ssh admin@staging"]);
}
