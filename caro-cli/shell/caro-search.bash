# caro search widgets for bash, printed by `caro init bash` after the hook.
#
# Ctrl-R opens `caro history search --interactive` with the line typed so far;
# the up arrow opens it on this shell session's commands, prefix mode. Enter
# runs the chosen command (exit 0), Tab puts it at the prompt to edit (exit
# 10), Esc leaves the line as it was (exit 130). `bind -x` cannot run a line
# by itself, so each key is a macro of two steps: the widget, then a key the
# widget has just bound to accept-line (run) or to a no-op (edit, cancel).
if command -v caro >/dev/null 2>&1 && [[ $- == *i* ]] && [[ -z ${__caro_widgets-} ]]; then
__caro_widgets=1

__caro_search() {
    local out rc
    out=$(caro history search --interactive "$@" -- "$READLINE_LINE" </dev/tty 2>/dev/tty)
    rc=$?
    if [[ $rc == 0 || $rc == 10 ]]; then
        READLINE_LINE=$out
        READLINE_POINT=${#READLINE_LINE}
    fi
    if [[ $rc == 0 ]]; then
        bind '"\C-x\C-c\C-a": accept-line'
    else
        bind '"\C-x\C-c\C-a": redraw-current-line'
    fi
}
__caro_search_all() { __caro_search; }
__caro_search_session() { __caro_search --filter-mode session --search-mode prefix; }

bind -x '"\C-x\C-c\C-r": __caro_search_all'
bind -x '"\C-x\C-c\C-u": __caro_search_session'
bind '"\C-x\C-c\C-a": redraw-current-line'
if [[ -z ${__caro_disable_ctrl_r-} ]]; then
    bind '"\C-r": "\C-x\C-c\C-r\C-x\C-c\C-a"'
fi
if [[ -z ${__caro_disable_up_arrow-} ]]; then
    bind '"\e[A": "\C-x\C-c\C-u\C-x\C-c\C-a"'
    bind '"\eOA": "\C-x\C-c\C-u\C-x\C-c\C-a"'
fi
fi
