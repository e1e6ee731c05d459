# caro shell hook for bash. Add to ~/.bashrc:  eval "$(caro init bash)"
#
# Records each command line with its exit code, duration and directory. The
# recording runs in the background with no terminal attached, so the prompt
# never waits for it, and nothing breaks if caro is missing or fails.
# Commands typed with a leading space are not recorded.
if command -v caro >/dev/null 2>&1 && [[ $- == *i* ]] && [[ -z ${__caro_hooked-} ]]; then
__caro_hooked=1
__caro_armed=
__caro_start=
__caro_last_histnum=

# DEBUG trap: note when the first command after a prompt starts.
__caro_preexec() {
    [[ -n $__caro_armed ]] || return 0
    [[ -n ${COMP_LINE-} ]] && return 0
    case $BASH_COMMAND in __caro_precmd*|__caro_arm*) return 0 ;; esac
    __caro_armed=
    __caro_start=${EPOCHREALTIME-}
}

__caro_precmd() {
    local status=$? start=$__caro_start
    __caro_armed= __caro_start=
    [[ -n $start ]] || return 0
    local line histnum cmd
    line=$(HISTTIMEFORMAT='' builtin history 1)
    # `history 1` prints "%5d%c %s": number, '*' or ' ', one space, the line.
    [[ $line =~ ^[[:space:]]*([0-9]+)[*[:space:]][[:space:]](.*)$ ]] || return 0
    histnum=${BASH_REMATCH[1]} cmd=${BASH_REMATCH[2]}
    # Same history number: the line was not added (ignorespace, ignoredups).
    [[ $histnum != "$__caro_last_histnum" ]] || return 0
    __caro_last_histnum=$histnum
    [[ -n $cmd && $cmd != ' '* ]] || return 0
    command -v caro >/dev/null 2>&1 || return 0
    local args=(history add --command="$cmd" --exit-code="$status" --cwd="$PWD" --shell=bash)
    # EPOCHREALTIME (bash 5+) is "seconds.microseconds".
    if [[ -n $start && -n ${EPOCHREALTIME-} ]]; then
        local now=${EPOCHREALTIME/[.,]/} then=${start/[.,]/}
        args+=(--created-at="$(( 10#$then / 1000 ))" --duration-ms="$(( (10#$now - 10#$then) / 1000 ))")
    fi
    (caro "${args[@]}" </dev/null >/dev/null 2>&1 &)
    return 0
}

__caro_arm() { __caro_armed=1; }

trap '__caro_preexec' DEBUG
PROMPT_COMMAND="__caro_precmd${PROMPT_COMMAND:+; $PROMPT_COMMAND}; __caro_arm"
__caro_arm
# Remember the history number at startup, so the first prompt records nothing.
__caro_last_histnum=$(HISTTIMEFORMAT='' builtin history 1 | awk '{print $1}')
fi
