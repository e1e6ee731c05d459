# caro shell hook for zsh. Add to ~/.zshrc:  eval "$(caro init zsh)"
#
# Records each command line with its exit code, duration and directory. The
# recording runs in the background, disowned, with no terminal attached, so
# the prompt never waits for it, and nothing breaks if caro is missing or
# fails. Commands typed with a leading space are not recorded.
if (( $+commands[caro] )) && [[ -o interactive ]] && (( ! ${+__caro_hooked} )); then
typeset -g __caro_hooked=1 __caro_cmd= __caro_start=
zmodload zsh/datetime 2>/dev/null

__caro_preexec() {
    __caro_cmd=$1
    __caro_start=$EPOCHREALTIME
}

__caro_precmd() {
    local exit_code=$? cmd=$__caro_cmd start=$__caro_start
    __caro_cmd= __caro_start=
    [[ -n $cmd && $cmd != ' '* ]] || return 0
    (( $+commands[caro] )) || return 0
    local -a args=(history add --command="$cmd" --exit-code="$exit_code" --cwd="$PWD" --shell=zsh)
    if [[ -n $start && -n $EPOCHREALTIME ]]; then
        local -i started_ms='start * 1000' duration_ms='(EPOCHREALTIME - start) * 1000'
        args+=(--created-at="$started_ms" --duration-ms="$duration_ms")
    fi
    caro "${args[@]}" </dev/null >/dev/null 2>&1 &!
    return 0
}

autoload -Uz add-zsh-hook
add-zsh-hook preexec __caro_preexec
add-zsh-hook precmd __caro_precmd
fi
