//! Every rule's examples, in one table checked by one loop: the forms a rule
//! must refuse and the near-misses that must still be recorded. A form is
//! claimed by its own rule (the first match names the refusal), a near-miss
//! by no rule at all.
//!
//! Secrets are assembled at run time so that the source holds no string a
//! secret scanner would flag.

use bip39::{Language, Mnemonic};

use super::{find, pattern_set, PHRASE_KIND, SECRET_PATTERNS};

struct Rule {
    kind: &'static str,
    refused: Vec<String>,
    recorded: Vec<String>,
}

fn rule<const R: usize, const N: usize>(
    kind: &'static str,
    refused: [String; R],
    recorded: [&str; N],
) -> Rule {
    Rule {
        kind,
        refused: refused.into(),
        recorded: recorded.iter().map(|s| s.to_string()).collect(),
    }
}

fn rep(c: char, n: usize) -> String {
    std::iter::repeat_n(c, n).collect()
}

/// A valid phrase of `words` words from deterministic entropy.
fn phrase(words: usize, seed: u8) -> String {
    let entropy: Vec<u8> = (0..words / 3 * 4)
        .map(|i| seed.wrapping_mul(31).wrapping_add(i as u8 * 7))
        .collect();
    Mnemonic::from_entropy_in(Language::English, &entropy)
        .expect("valid entropy length")
        .to_string()
}

/// A valid phrase with its last word changed in its lowest bit, which is
/// always a checksum bit: wordlist words only, and a checksum that fails.
fn bad_checksum(words: usize, seed: u8) -> String {
    let valid = phrase(words, seed);
    let (head, last) = valid.rsplit_once(' ').expect("several words");
    let index = Language::English.find_word(last).expect("a wordlist word");
    let wrong = Language::English.word_list()[usize::from(index ^ 1)];
    format!("{head} {wrong}")
}

#[rustfmt::skip] // one form per line reads better than rustfmt's wrapping
fn rules() -> Vec<Rule> {
    let aws_id = format!("{}{}", "AKIA", "IOSFODNN7EXAMPLE");
    let ghp = format!("{}_{}", "ghp", rep('a', 36));
    let hex32 = rep('f', 32);
    vec![
        rule("an AWS access key id",
            [format!("export AWS_ACCESS_KEY_ID={aws_id}")],
            ["aws configure get aws_access_key_id", "echo AKIAEXAMPLE"]),
        rule("an AWS secret access key",
            [format!("aws configure set aws_secret_access_key {}", rep('w', 40)),
             format!("AWS_SECRET_ACCESS_KEY={} aws s3 ls", rep('w', 40))],
            ["aws configure set aws_secret_access_key $AWS_SECRET", "aws configure set region us-east-1"]),
        rule("a GitHub token",
            [format!("gh auth login --with-token <<< {ghp}"),
             format!("git clone https://{ghp}@github.com/o/r.git")],
            ["grep -r ghp_ .", "echo ghp_short"]),
        rule("a GitHub fine-grained token",
            [format!("echo {}_{}", "github_pat", rep('B', 60))],
            ["grep github_pat_ ci.log"]),
        rule("a GitLab token",
            [format!("glab auth login --token {}-{}", "glpat", rep('x', 20))],
            ["grep glpat- .gitlab-ci.yml"]),
        rule("a Slack token",
            [format!("slack --token {}-{}", "xoxb", "123456789012-abcdefghij")],
            ["echo xoxb-"]),
        rule("a Slack webhook URL",
            [format!("curl -X POST https://hooks.slack.com/services/T0AAA/B0BBB/{}", rep('c', 24))],
            ["open https://hooks.slack.com/services/"]),
        rule("a Stripe secret key",
            [format!("stripe --api-key {}_live_{}", "sk", rep('s', 24))],
            ["stripe listen --api-key $STRIPE_KEY", "grep sk_live_ ."]),
        rule("an npm token",
            [format!("npm config set //registry.npmjs.org/:_authToken {}_{}", "npm", rep('n', 36))],
            ["npm config get //registry.npmjs.org/:_authToken", "npm config set //registry.npmjs.org/:_authToken=${NPM_TOKEN}"]),
        rule("a PyPI token",
            [format!("twine upload -p pypi-{}{} dist/*", "AgEIcHlwaS5vcmc", rep('p', 60))],
            ["twine upload -u __token__ dist/*"]),
        rule("an Anthropic API key",
            [format!("claude --key sk-ant-api03-{}", rep('k', 40))],
            ["export ANTHROPIC_API_KEY=$(pass show anthropic)"]),
        rule("an OpenAI API key",
            [format!("llm keys set openai sk-proj-{}", rep('o', 48))],
            ["git checkout sk-fix-login"]),
        rule("a Google API key",
            [format!("curl 'https://maps.example.com?k={}{}'", "AIza", rep('g', 35))],
            ["echo AIza"]),
        rule("a Google OAuth access token",
            [format!("export TOKEN={}.{}", "ya29", rep('g', 40))],
            ["gcloud auth print-access-token"]),
        rule("a SendGrid API key",
            [format!("sg send SG.{}.{}", rep('a', 22), rep('b', 43))],
            ["sg --help"]),
        rule("a Hugging Face token",
            [format!("huggingface-cli login --token hf_{}", rep('h', 34))],
            ["huggingface-cli login"]),
        rule("a Docker Hub token",
            [format!("echo dckr_pat_{} | docker login -u me --password-stdin", rep('d', 27))],
            ["docker login -u me --password-stdin < token.txt"]),
        rule("a DigitalOcean token",
            [format!("doctl auth init -t dop_v1_{}", rep('a', 64))],
            ["doctl auth init"]),
        rule("a HashiCorp Vault token",
            [format!("VAULT_TOKEN={}.{} vault kv get secret/app", "hvs", rep('V', 30))],
            ["vault token lookup"]),
        rule("a Shopify access token",
            [format!("curl -H 'X-Shopify-Access-Token: {}_{hex32}' https://shop", "shpat")],
            ["echo shpat_"]),
        rule("a Tailscale key",
            [format!("tailscale up --authkey {}-auth-{}", "tskey", rep('t', 30))],
            ["tailscale up --authkey file:/etc/ts.key", "tailscale up"]),
        rule("an age secret key",
            [format!("echo {}-SECRET-KEY-1{} > key.txt", "AGE", rep('Q', 58))],
            ["age-keygen -o key.txt", "age -r age1recipient -o out.age in.txt"]),
        rule("a private key",
            [format!("echo '-----BEGIN {} PRIVATE KEY-----' > k", "OPENSSH")],
            ["grep 'BEGIN PUBLIC KEY' cert.pem"]),
        rule("a JSON Web Token",
            [format!("http :8080 token==eyJ{}.eyJ{}.{}", rep('a', 20), rep('b', 20), rep('c', 20))],
            ["echo eyJhbGciOi | base64 -d"]),
        rule("a password in a URL",
            [format!("psql postgres://admin:{}@db.internal/app", "hunter2"),
             format!("git clone https://me:{}@github.com/o/r.git", "tok123"),
             format!("redis-cli -u redis://:{}@cache:6379", "hunter2"),
             format!("mongosh 'mongodb+srv://u:{}@cluster.example.net/db'", "p4ss"),
             format!("git config --global url.\"https://me:{}@github.com/\".insteadOf https://github.com/", "tok123")],
            ["curl https://example.com/user:name", "git clone ssh://git@host:22/repo.git",
             "psql postgres://admin@db/app", "psql \"postgres://admin:$PGPASS@db/app\"",
             "curl http://localhost:8080/api", "curl 'http://[::1]:8080/x'"]),
        rule("an authorization header",
            [format!("curl -H 'Authorization: Bearer {}' https://api", rep('t', 32)),
             format!("curl -H \"Authorization: Basic {}\" https://api", "dXNlcjpwYXNz"),
             format!("git -c http.extraHeader=\"Authorization: token {}\" clone https://h/r", rep('t', 20)),
             format!("curl -H 'Proxy-Authorization: {}' https://api", rep('p', 24))],
            ["curl -H \"Authorization: Bearer $TOKEN\" https://api", "grep -r \"Authorization: Bearer\" .",
             "curl -H \"Authorization: Negotiate $T\" https://api"]),
        rule("an API key header",
            [format!("curl -H 'X-API-Key: {}' https://api", rep('k', 24)),
             format!("curl -H 'PRIVATE-TOKEN: {}' https://gitlab.example.com/api/v4/projects", rep('p', 20)),
             format!("curl -H 'X-Vault-Token: {}' https://vault:8200/v1/x", rep('v', 24)),
             format!("curl -H 'apikey: {}' https://api", rep('a', 32))],
            ["curl -H \"X-API-Key: $API_KEY\" https://api", "grep -rn X-API-Key: access.log",
             "curl -H 'X-Request-Id: 1234567890abcdef1234' https://api"]),
        rule("a user:password option",
            [format!("curl -u admin:{} https://api", "hunter2"),
             format!("curl -uadmin:{} https://api", "hunter2"),
             format!("curl --user=admin:{} https://api", "hunter2"),
             format!("curl https://api --proxy-user me:{}", "hunter2"),
             format!("http --auth admin:{} example.org", "hunter2")],
            ["curl -u admin https://api", "curl -u \"$USER:$PASS\" https://api",
             "curl --user-agent 'Mozilla/5.0 (X11: x)' https://x", "curl -u me: https://api"]),
        rule("a MySQL password option",
            [format!("mysql -u root -p{} app", "hunter2"),
             format!("mysql -p{}", "hunter2"),
             format!("mysqldump -u root -p'{}' db > dump.sql", "hunter2"),
             format!("mariadb -u root -p{}", "hunter2")],
            ["mysql -u root -p", "mysql -u root -p app", "mysql -h db -P 3306 -u root -p"]),
        rule("an sshpass password",
            [format!("sshpass -p {} ssh me@host", "hunter2"),
             format!("sshpass -p{} scp f host:", "hunter2"),
             format!("sshpass -v -p '{}' ssh host", "hunter2")],
            ["sshpass -f ~/.pw ssh -p 22 me@host", "sshpass -e ssh me@host"]),
        rule("a password option of a login command",
            [format!("docker login -u me -p {} registry.example.com", "hunter2"),
             format!("podman login -u me -p{} quay.io", "hunter2"),
             format!("helm registry login -u me -p {} r.example.com", "hunter2"),
             format!("az login -u me@example.com -p {}", "hunter2")],
            ["docker login -u me -p $REGISTRY_PASSWORD", "docker run -p 8080:80 nginx",
             "docker login registry.example.com"]),
        rule("a redis-cli password option",
            [format!("redis-cli -h cache -a {} ping", "hunter2")],
            ["redis-cli -h cache --askpass ping", "redis-cli -a \"$REDIS_PASS\" ping"]),
        rule("an LDAP bind password",
            [format!("ldapsearch -x -D cn=admin,dc=ex -w {} -b dc=ex", "hunter2")],
            ["ldapsearch -x -D cn=admin,dc=ex -W -b dc=ex"]),
        rule("a MongoDB password option",
            [format!("mongosh --host db -u admin -p {}", "hunter2")],
            ["mongosh --host db -u admin -p", "mongodump --port 27017"]),
        rule("a SQL Server password option",
            [format!("sqlcmd -S db -U sa -P {} -Q 'select 1'", "hunter2")],
            ["sqlcmd -S db -U sa -Q 'select 1'", "bcp t out f -S db -T"]),
        rule("an archive password option",
            [format!("zip -P {} out.zip f", "hunter2"),
             format!("unzip -P {} a.zip", "hunter2"),
             format!("7z x -p{} a.7z", "hunter2")],
            ["unzip -p a.zip f.txt", "7z a -p a.7z dir", "zip -r out.zip dir"]),
        rule("an OpenSSL pass: password",
            [format!("openssl enc -aes-256-cbc -pass pass:{} -in f", "hunter2"),
             format!("openssl pkcs12 -export -passout pass:{} -out a.p12", "hunter2")],
            ["openssl enc -aes-256-cbc -pass file:key.txt -in f", "openssl pkcs12 -passin env:P12_PASS -in a.p12"]),
        rule("an SSH key passphrase option",
            [format!("ssh-keygen -t ed25519 -N {} -f k", "hunter2"),
             format!("ssh-keygen -p -P old -N \"{}\" -f k", "hunter2")],
            ["ssh-keygen -t ed25519 -N '' -f k", "ssh-keygen -t ed25519 -f ~/.ssh/id"]),
        rule("a password piped to a login",
            [format!("echo {} | docker login -u me --password-stdin", "hunter2"),
             format!("echo '{}' | sudo -S apt update", "hunter2"),
             format!("docker login -u me --password-stdin <<< {}", "hunter2"),
             format!("echo {} | gh auth login --with-token", "tok123")],
            ["echo \"$PASS\" | docker login -u me --password-stdin", "cat token.txt | gh auth login --with-token",
             "echo done | sudo tee /tmp/x", "docker login --password-stdin << EOF"]),
        rule("a Vault token argument",
            [format!("vault login s.{}", rep('v', 24))],
            ["vault login -method=userpass username=me", "vault login -method userpass username=me", "vault login"]),
        rule("a credential in git config",
            [format!("git config --global github.token {}", rep('g', 20)),
             format!("git config hub.oauthtoken {}", rep('g', 20))],
            ["git config --global credential.helper store", "git config --get github.token",
             "git config --global --unset github.token"]),
        rule("a password option",
            [format!("mytool login --password {}", "hunter2"),
             format!("wget --password={} ftp://h/f", "hunter2"),
             format!("mysql --password={} -u root", "hunter2"),
             format!("tool --db-password '{}'", "hunter2"),
             format!("java -jar t.jar -password {}", "hunter2"),
             format!("borg init --passphrase {}", "hunter2")],
            ["docker login -u me --password-stdin", "ansible-playbook --ask-pass site.yml",
             "ansible-playbook --ask-vault-pass site.yml", "tool --password-file ~/.pw", "tool --password $PW",
             "tool --no-password server", "man passwd", "passwd alice", "tool --password -v"]),
        rule("a token option",
            [format!("kubectl --token={} get pods", "abc123def"),
             format!("kubeadm join 10.0.0.1:6443 --token {}", "abcdef.0123456789abcdef"),
             format!("tool --api-key {}", "hunter2key"),
             format!("tool --client-secret {}", "hunter2"),
             format!("tool --access-key '{}'", "abc")],
            ["gh auth login --with-token < token.txt", "tool --token-file ~/.tok",
             "docker build --secret id=npm,src=$HOME/.npmrc .", "curl --key client.pem https://x",
             "kubeadm token create --print-join-command", "tool --token $TOKEN", "tool --api-key \"${API_KEY}\"",
             "kubeadm join h:6443 --discovery-token-ca-cert-hash sha256:abc"]),
        rule("a password or token assignment",
            [format!("export GITHUB_TOKEN={}", "abc123"),
             format!("DB_PASSWORD={} ./run.sh", "hunter2"),
             format!("PGPASSWORD={} psql -h db", "hunter2"),
             format!("MYSQL_PWD={} mysql", "hunter2"),
             format!("VAULT_TOKEN={} vault status", "s.abcdef"),
             format!("set -x API_TOKEN {}", "abc123"),
             format!("set -gx OPENAI_API_KEY '{}'", "abc123"),
             format!("set -Ux DB_PASS {}", "hunter2"),
             format!("setenv SECRET {}", "hunter2"),
             format!("docker run -e POSTGRES_PASSWORD={} postgres", "hunter2"),
             format!("curl 'https://api.example.com/v1?access_token={}'", "abc123"),
             format!("curl -d '{{\"password\": \"{}\"}}' https://api", "hunter2"),
             format!("curl -d \"user=me&passwd={}\" https://api", "hunter2"),
             format!("export ENCRYPTION_KEY={}", "0123456789abcdef0123"),
             format!("export KEY={}", "0123456789abcdefghij"),
             format!("kubectl create secret generic db --from-literal=password={}", "hunter2"),
             format!("git config --global credential.helper '!f() {{ echo \"password={}\"; }}; f'", "hunter2"),
             format!("printf 'host=github.com\\npassword={}\\n' | git credential approve", "hunter2"),
             format!("export GPG_PASSPHRASE=\"{}\"", "correct horse")],
            ["grep password= config.ini", "echo $TOKEN_FILE", "export KEY_PATH=~/.ssh/id",
             "export TOKEN=$GITHUB_TOKEN", "echo password=$PASSWORD", "set -x PATH $PATH ~/bin",
             "set -e API_TOKEN", "export SSH_ASKPASS=ksshaskpass", "export SORT_KEY=name",
             "export SSH_KEY=~/.ssh/id_ed25519", "TOKEN=$(cat ~/.token) ./deploy",
             "export PASSWORD_FILE=/run/secrets/db", "kubectl get secret db -o jsonpath='{.data.password}'",
             "sed -i 's/password=.*/password=REDACTED/' app.ini", "git log --author=alice",
             "export HISTIGNORE='*password*'", "PASSWORD= ./run", "echo \"$API_KEY\"", "export OLDPWD=/tmp",
             "kubectl create secret generic db --from-file=./db.env", "cargo test password_assignment",
             "grep -r 'api_key' src", "env | grep -i token"]),
        Rule {
            kind: PHRASE_KIND,
            refused: vec![
                format!("echo '{}' | caro sync join", phrase(24, 1)),
                format!("caro sync join <<< \"{}\"", phrase(12, 2)),
                format!("echo {} > words.txt", phrase(15, 3)),
                format!("echo \"{}\"", phrase(18, 4)),
                format!("echo {} | wallet restore", phrase(21, 5)),
                format!("echo '{}'", phrase(24, 6).to_uppercase()),
                format!("printf '%s\n' '{}'", phrase(12, 7).replace(' ', "\n")),
                phrase(24, 8).split(' ').enumerate()
                    .map(|(i, w)| format!("{}. {w}", i + 1)).collect::<Vec<_>>().join(" "),
            ],
            recorded: vec![
                "echo the quick brown fox jumps over the lazy dog and then sleeps".into(),
                format!("git commit -m '{}'", bad_checksum(12, 9)),
                format!("echo '{}' | caro sync join", bad_checksum(24, 10)),
                format!("echo {}", phrase(12, 11).rsplit_once(' ').unwrap().0),
                "please remember to buy milk and bread on the way home tonight".into(),
            ],
        },
    ]
}

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
    pattern_set().compile_all();
}
