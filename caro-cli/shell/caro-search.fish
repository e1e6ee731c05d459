# caro search widgets for fish, printed by `caro init fish` after the hook.
#
# Ctrl-R opens `caro history search --interactive` with the line typed so far;
# the up arrow opens it on this shell session's commands, prefix mode. Enter
# runs the chosen command (exit 0), Tab puts it at the prompt to edit (exit
# 10), Esc leaves the line as it was (exit 130).
if command -q caro; and status is-interactive; and not set -q __caro_widgets
    set -g __caro_widgets 1

    function __caro_search
        set -l line (commandline -b)
        set -l out (command caro history search --interactive $argv -- "$line" </dev/tty 2>/dev/tty)
        set -l rc $status
        commandline -f repaint
        if test $rc -eq 0 -o $rc -eq 10
            commandline -r -- (string join \n -- $out)
            test $rc -eq 0; and commandline -f execute
        end
    end

    function __caro_search_session
        __caro_search --filter-mode session --search-mode prefix
    end

    if not set -q __caro_disable_ctrl_r
        bind \cr __caro_search
        bind -M insert \cr __caro_search
    end
    if not set -q __caro_disable_up_arrow
        for seq in \e\[A \eOA
            bind $seq __caro_search_session
            bind -M insert $seq __caro_search_session
        end
    end
end
