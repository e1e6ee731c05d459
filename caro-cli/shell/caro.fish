# caro shell hook for fish. Add to ~/.config/fish/config.fish:
#     caro init fish | source
#
# Records each command line once per run, with its exit code, its duration
# and the directory it started in. The recording runs in the background,
# disowned, with no terminal attached, so the prompt never waits for it, and
# nothing breaks if caro is missing or fails. Commands typed with a leading
# space are not recorded.
#
# fish_preexec and fish_postexec fire for every command run, repeats
# included; the directory is taken in fish_preexec, before the command runs.
# The line reaches caro on stdin, never in argv, where other local users
# could read it in /proc/*/cmdline. Commands over 10 KB are not recorded,
# and the first one in each shell says so once: a cut-off script recalled
# from history and run would do something other than what ran, which is
# worse than having no entry.
if command -q caro; and status is-interactive; and not set -q __caro_hooked
    set -g __caro_hooked 1
    set -g __caro_cwd
    set -g __caro_told_too_long

    # The session id: a random UUID (v4), made with builtins only.
    set -gx CARO_SESSION (printf '%04x%04x-%04x-4%03x-%04x-%04x%04x%04x' \
        (random 0 65535) (random 0 65535) (random 0 65535) (random 0 4095) \
        (math (random 0 16383) + 32768) (random 0 65535) (random 0 65535) (random 0 65535))

    function __caro_preexec --on-event fish_preexec
        set -g __caro_cwd $PWD
    end

    function __caro_postexec --on-event fish_postexec
        set -l exit_code $status
        set -l cmd $argv[1]
        set -l cwd $__caro_cwd
        set -g __caro_cwd
        test -n "$cwd"; or set cwd $PWD
        test -n "$cmd"; or return 0
        string match -qr -- '^\s' "$cmd"; and return 0
        # Characters are at most 4 bytes: count bytes only when it could matter.
        if test (string length -- "$cmd") -gt 2560
            set -l bytes (printf '%s' "$cmd" | wc -c | string trim)
            if test $bytes -gt 10240
                test -n "$__caro_told_too_long"; or echo "caro: not recorded: that command is $bytes bytes, over the 10 KB limit (said once per shell)" >&2
                set -g __caro_told_too_long 1
                return 0
            end
        end
        command -q caro; or return 0
        printf '%s' "$cmd" | command caro history add --command-stdin --exit-code=$exit_code \
            --duration-ms=$CMD_DURATION --cwd="$cwd" --shell=fish >/dev/null 2>&1 &
        disown 2>/dev/null
        return 0
    end
end
