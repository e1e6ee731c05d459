# caro shell hook for bash (5.0 or newer). Add to the END of ~/.bashrc:
#     eval "$(caro init bash)"
#
# Records each command line once per run, with its exit code, its duration,
# the directory it started in and when it started. The recording runs in the
# background with no terminal attached, so the prompt never waits for it, and
# nothing breaks if caro is missing or fails. Commands typed with a leading
# space are not recorded.
#
# How it knows what ran, and why this way:
# - PS0 is expanded once after bash reads a command line and before it runs
#   it (never for an empty line, never at the prompt): it stamps the start.
#   So there is no DEBUG trap (another tool's stays as it was), and time spent
#   in PROMPT_COMMAND, string or array, is never counted.
# - The text is `history 1`, taken only when the history number moved: at the
#   first prompt the number is just remembered (bash loads HISTFILE after
#   .bashrc, so the previous session's last line is never recorded).
# - Repeats: ignoredups would keep bash's number still, so the hook takes
#   ignorespace and ignoredups out of HISTCONTROL and does them itself, on
#   bash's history only (`history -d`); erasedups stays with bash.
# - The line reaches caro on stdin, never in argv, where other local users
#   could read it in /proc/*/cmdline.
# - Commands over 10 KB are not recorded, and the first one in each shell
#   says so once: a cut-off script recalled from history and run would do
#   something other than what ran, which is worse than having no entry.
if [[ $- == *i* ]] && [[ -z ${__caro_hooked-} ]] && command -v caro >/dev/null 2>&1; then
__caro_hooked=1
if (( BASH_VERSINFO[0] < 5 )) || ! shopt -q promptvars; then
    echo "caro: commands are not recorded: the hook needs bash 5 or newer with promptvars on (this is bash $BASH_VERSION)" >&2
else
# The session id: a UUID v7 from the start time and random bits, made without
# starting a process.
__caro_session() {
    local ms=$(( ${EPOCHREALTIME/[.,]/} / 1000 )) r1=${SRANDOM:-$RANDOM$RANDOM} r2=${SRANDOM:-$RANDOM$RANDOM}
    printf -v CARO_SESSION '%08x-%04x-7%03x-%04x-%04x%08x' \
        $(( ms >> 16 )) $(( ms & 0xffff )) $(( (r1 ^ $$) & 0xfff )) \
        $(( (r1 >> 12 & 0x3fff) | 0x8000 )) $(( (r2 ^ RANDOM) & 0xffff )) \
        $(( (r2 << 15 ^ RANDOM ^ $$ << 7) & 0xffffffff ))
    export CARO_SESSION
}
__caro_session

# Expands to nothing; as a side effect stamps the start in microseconds.
__caro_ps0='${__caro_ps0:0:$((__caro_start=${EPOCHREALTIME/[.,]/},0))}'
__caro_start=
__caro_histnum=
__caro_prev_line=
__caro_cwd=$PWD
__caro_told_too_long=
__caro_histcontrol=
__caro_ignorespace= __caro_ignoredups= __caro_erasedups=

# Reads the user's HISTCONTROL when it changed since the hook last set it.
__caro_take_histcontrol() {
    [[ ${HISTCONTROL-} == "$__caro_histcontrol" ]] && return 0
    local part kept=() IFS=:
    __caro_ignorespace= __caro_ignoredups= __caro_erasedups=
    for part in ${HISTCONTROL-}; do
        case $part in
            ignoreboth) __caro_ignorespace=1 __caro_ignoredups=1 ;;
            ignorespace) __caro_ignorespace=1 ;;
            ignoredups) __caro_ignoredups=1 ;;
            erasedups) __caro_erasedups=1 kept+=("$part") ;;
            *) kept+=("$part") ;;
        esac
    done
    HISTCONTROL="${kept[*]}"
    __caro_histcontrol=$HISTCONTROL
}

# The newest history line into __caro_line and its number into __caro_linenum.
__caro_last_line() {
    __caro_line= __caro_linenum=
    local line
    line=$(HISTTIMEFORMAT='' builtin history 1)
    # `history 1` prints "%5d%c %s": number, '*' or ' ', one space, the line.
    [[ $line =~ ^[[:space:]]*([0-9]+)[*[:space:]][[:space:]](.*)$ ]] || return 0
    __caro_linenum=${BASH_REMATCH[1]} __caro_line=${BASH_REMATCH[2]}
}

# Sets $? and $_ back to what the user's command left (PROMPT_COMMAND passes
# the $_ it found).
__caro_restore() { return "$1"; }

__caro_precmd() {
    local status=$? lastarg=$1 now=${EPOCHREALTIME/[.,]/}
    local start=$__caro_start cwd=$__caro_cwd cmd=
    __caro_start= __caro_cwd=$PWD
    [[ $PS0 == *"$__caro_ps0"* ]] || PS0=$__caro_ps0${PS0-}
    __caro_take_histcontrol
    if [[ -z $__caro_histnum ]]; then
        __caro_last_line
        __caro_prev_line=$__caro_line
    elif [[ -n $start ]]; then
        if (( HISTCMD != __caro_histnum )); then
            __caro_last_line
            cmd=$__caro_line
            if [[ $cmd == [[:space:]]* ]]; then
                [[ -z $__caro_ignorespace ]] || builtin history -d "$__caro_linenum"
                [[ -n $__caro_ignorespace ]] || __caro_prev_line=$cmd
                cmd=
            elif [[ -n $__caro_ignoredups && -z $__caro_erasedups && $cmd == "$__caro_prev_line" ]]; then
                builtin history -d "$__caro_linenum"
            else
                __caro_prev_line=$cmd
            fi
        elif [[ -n $__caro_erasedups && -z ${HISTIGNORE-} ]] && shopt -qo history; then
            # erasedups moved an earlier copy of the line to the end.
            __caro_last_line
            cmd=$__caro_line __caro_prev_line=$__caro_line
        fi
    fi
    __caro_histnum=$HISTCMD
    [[ -n $cmd ]] && __caro_record "$cmd" "$status" "$start" "$now" "$cwd"
    __caro_restore "$status" "$lastarg"
}

# Byte length of $1 into __caro_bytes.
__caro_byte_length() { local LC_ALL=C; __caro_bytes=${#1}; }

__caro_record() {
    local cmd=$1 status=$2 start=$3 now=$4 cwd=$5
    __caro_byte_length "$cmd"
    if (( __caro_bytes > 10240 )); then
        [[ -n $__caro_told_too_long ]] || echo "caro: not recorded: that command is $__caro_bytes bytes, over the 10 KB limit (said once per shell)" >&2
        __caro_told_too_long=1
        return 0
    fi
    command -v caro >/dev/null 2>&1 || return 0
    (caro history add --command-stdin --exit-code="$status" --cwd="$cwd" --shell=bash \
        --created-at="$(( 10#$start / 1000 ))" --duration-ms="$(( (10#$now - 10#$start) / 1000 ))" \
        <<<"$cmd" >/dev/null 2>&1 &)
    return 0
}

if [[ ${PROMPT_COMMAND@a} == *a* ]]; then
    PROMPT_COMMAND=('__caro_precmd "$_"' "${PROMPT_COMMAND[@]}")
else
    PROMPT_COMMAND="__caro_precmd \"\$_\"${PROMPT_COMMAND:+; $PROMPT_COMMAND}"
fi
PS0=$__caro_ps0${PS0-}
fi
fi
