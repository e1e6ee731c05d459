# caro shell hook for fish. Add to ~/.config/fish/config.fish:
#     caro init fish | source
#
# Records each command line with its exit code, duration and directory. The
# recording runs in the background, disowned, with no terminal attached, so
# the prompt never waits for it, and nothing breaks if caro is missing or
# fails. Commands typed with a leading space are not recorded.
if command -q caro; and status is-interactive; and not set -q __caro_hooked
    set -g __caro_hooked 1

    function __caro_postexec --on-event fish_postexec
        set -l exit_code $status
        set -l cmd $argv[1]
        test -n "$cmd"; or return 0
        string match -q -- ' *' "$cmd"; and return 0
        command -q caro; or return 0
        command caro history add --command="$cmd" --exit-code=$exit_code \
            --duration-ms=$CMD_DURATION --cwd="$PWD" --shell=fish </dev/null >/dev/null 2>&1 &
        disown 2>/dev/null
        return 0
    end
end
