// A condition that stops the relay from starting (port taken, bad store, bad token
// file). Its message is one line that says what is wrong and what to do: the
// relay's command prints it as is, without a stack trace, and exits 1.
export class RelayStartError extends Error {
  override name = "RelayStartError";
}
