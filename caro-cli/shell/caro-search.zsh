# caro search widgets for zsh, printed by `caro init zsh` after the hook.
#
# Ctrl-R opens `caro history search --interactive` with the line typed so far;
# the up arrow opens it on this shell session's commands, prefix mode. Enter
# runs the chosen command (exit 0), Tab puts it at the prompt to edit (exit
# 10), Esc leaves the line as it was (exit 130).
if (( $+commands[caro] )) && [[ -o interactive ]] && (( ! ${+__caro_widgets} )); then
typeset -g __caro_widgets=1

__caro_search() {
    local out rc
    out=$(caro history search --interactive "$@" -- "$BUFFER" </dev/tty 2>/dev/tty)
    rc=$?
    zle reset-prompt
    if (( rc == 0 || rc == 10 )); then
        BUFFER=$out
        CURSOR=${#BUFFER}
        (( rc == 0 )) && zle accept-line
    fi
    return 0
}
__caro_search_all() { __caro_search }
__caro_search_session() { __caro_search --filter-mode session --search-mode prefix }
zle -N __caro_search_all
zle -N __caro_search_session

if (( ! ${+__caro_disable_ctrl_r} )); then
    bindkey '^R' __caro_search_all
fi
if (( ! ${+__caro_disable_up_arrow} )); then
    bindkey '^[[A' __caro_search_session
    bindkey '^[OA' __caro_search_session
fi
fi
