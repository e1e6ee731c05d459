# caro shell hook for zsh. Add to ~/.zshrc:  eval "$(caro init zsh)"
#
# Records each command line once per run, with its exit code, its duration,
# the directory it started in and when it started. The recording runs in the
# background, disowned, with no terminal attached, so the prompt never waits
# for it, and nothing breaks if caro is missing or fails. Commands typed with
# a leading space are not recorded.
#
# preexec receives the line as typed whether or not history kept it, so
# repeats (HIST_IGNORE_DUPS) are recorded too; the start time and directory
# are taken there, before the command runs. Other tools' hooks are kept:
# add-zsh-hook chains them. The line reaches caro on stdin, never in argv,
# where other local users could read it in /proc/*/cmdline. Commands over
# 10 KB are not recorded, and the first one in each shell says so once: a
# cut-off script recalled from history and run would do something other than
# what ran, which is worse than having no entry.
if (( $+commands[caro] )) && [[ -o interactive ]] && (( ! ${+__caro_hooked} )); then
typeset -g __caro_hooked=1 __caro_cmd= __caro_start= __caro_cwd= __caro_told_too_long=
zmodload zsh/datetime 2>/dev/null

# The session id: a UUID v7 from the start time and random bits, made without
# starting a process.
() {
    local -i ms=$(( ${EPOCHREALTIME:-$EPOCHSECONDS} * 1000 ))
    printf -v CARO_SESSION '%08x-%04x-7%03x-%04x-%04x%04x%04x' \
        $(( ms >> 16 )) $(( ms & 0xffff )) $(( (RANDOM ^ $$) & 0xfff )) \
        $(( (RANDOM & 0x3fff) | 0x8000 )) $RANDOM $(( RANDOM ^ ($$ << 1) & 0xffff )) $RANDOM
    export CARO_SESSION
}

__caro_preexec() {
    __caro_cmd=$1
    __caro_start=$EPOCHREALTIME
    __caro_cwd=$PWD
}

__caro_precmd() {
    local exit_code=$? now=$EPOCHREALTIME cmd=$__caro_cmd start=$__caro_start cwd=$__caro_cwd
    __caro_cmd= __caro_start= __caro_cwd=
    [[ -n $cmd && $cmd != [[:space:]]* ]] || return 0
    local -i bytes
    () { local LC_ALL=C; bytes=${#cmd} }
    if (( bytes > 10240 )); then
        [[ -n $__caro_told_too_long ]] || print -ru2 -- "caro: not recorded: that command is $bytes bytes, over the 10 KB limit (said once per shell)"
        __caro_told_too_long=1
        return 0
    fi
    (( $+commands[caro] )) || return 0
    local -a args=(history add --command-stdin --exit-code="$exit_code" --cwd="$cwd" --shell=zsh)
    if [[ -n $start && -n $now ]]; then
        local -i started_ms='start * 1000' duration_ms='(now - start) * 1000'
        args+=(--created-at="$started_ms" --duration-ms="$duration_ms")
    fi
    caro "${args[@]}" <<<"$cmd" >/dev/null 2>&1 &!
    return 0
}

autoload -Uz add-zsh-hook
add-zsh-hook preexec __caro_preexec
# First, so the duration and exit code are the command's, not other hooks'.
precmd_functions=(__caro_precmd ${precmd_functions:#__caro_precmd})
fi
