//! What a person is told when the input is bad, snapshotted whole (rage's
//! `tests/cli_tests.rs` shape): each `tests/cmd/*.toml` case runs the real
//! `caro` in a fresh sandbox directory (its `CARO_HOME` is `home` inside it,
//! or the case's own) and must print exactly its `stdout` and `stderr` and
//! exit with its status. `TRYCMD=overwrite` rewrites them after a deliberate
//! change of wording.

use crate::util::caro_bin;

#[test]
fn bad_input_messages_are_exactly_as_snapshotted() {
    trycmd::TestCases::new()
        .register_bin("caro", caro_bin())
        .case("tests/cmd/*.toml");
}
