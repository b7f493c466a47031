# rootless_helpers.bash — throwaway users for rootless image tests (load
# with `load rootless_helpers`; it brings registry_helpers along). Users are
# made by useradd with a unique name, their homes and a copy of cr live in
# $RL_DIR (/tmp/cr-rlimg.*, since bats' temp dirs are closed to other
# users); rl_teardown_users removes users, /etc/subuid and /etc/subgid
# lines, processes (by pid), homes and /tmp/cr-run-UID, even after a failure.
# Debian packages: passwd (useradd), util-linux (setpriv), uidmap.

source "${BASH_SOURCE[0]%/*}/registry_helpers.bash"

RL_USERS=()

# rl_setup_dir: $RL_DIR and $RL_CR, a copy of cr every user can run.
rl_setup_dir() {
    RL_DIR=$(mktemp -d /tmp/cr-rlimg.XXXXXX)
    chmod 755 "$RL_DIR"
    cp "$CR" "$RL_DIR/cr"
    chmod 755 "$RL_DIR/cr"
    RL_CR=$RL_DIR/cr
    echo -n >"$RL_DIR/users"
    export RL_DIR RL_CR
}

# rl_sub_base: a subordinate range start above every range given out.
rl_sub_base() {
    local top
    top=$(cat /etc/subuid /etc/subgid 2>/dev/null | awk -F: 'NF >= 3 { e = $2 + $3; if (e > m) m = e } END { print m + 0 }')
    echo $(((top < 400000 ? 400000 : top) / 65536 * 65536 + 65536))
}

# rl_user_add NAME [SUB]: a user with home $RL_DIR/NAME (and a 0700
# $XDG_RUNTIME_DIR in it, run/); with SUB a range of 65536 subordinate uids
# and gids at SUB, else none (useradd's automatic range is taken away).
rl_user_add() {
    local name=$1 sub=${2:-} home=$RL_DIR/$1
    echo "$name" >>"$RL_DIR/users"
    useradd -M -d "$home" -s /bin/sh -U "$name" || return 1
    sed -i "/^$name:/d" /etc/subuid /etc/subgid 2>/dev/null
    if [[ -n $sub ]]; then
        echo "$name:$sub:65536" >>/etc/subuid
        echo "$name:$sub:65536" >>/etc/subgid
    fi
    mkdir -p -m 700 "$home" "$home/run"
    chown -R "$name:$name" "$home"
}

rl_teardown_users() {
    local name uid
    [[ -n ${RL_DIR:-} && -f $RL_DIR/users ]] || return 0
    while read -r name; do
        [[ -n $name ]] || continue
        if uid=$(id -u "$name" 2>/dev/null); then
            kill_uid_procs "$uid"
            [[ $uid -gt 0 ]] && rm -rf -- "/tmp/cr-run-$uid"
        fi
        userdel "$name" 2>/dev/null
        getent group "$name" >/dev/null && groupdel "$name" 2>/dev/null
        sed -i "/^$name:/d" /etc/subuid /etc/subgid 2>/dev/null
    done <"$RL_DIR/users"
    [[ $RL_DIR == /tmp/cr-rlimg.* ]] && rm -rf -- "$RL_DIR"
    return 0
}

# as NAME [VAR=VALUE...] CMD...: CMD as NAME in its home, with a clean
# environment (HOME, XDG_RUNTIME_DIR=$HOME/run; VAR=VALUE add or override),
# bats' fd 3 closed, at most 120 s.
as() {
    local name=$1 home=$RL_DIR/$1
    shift
    timeout 120 setpriv --reuid "$name" --regid "$name" --init-groups \
        env -i -C "$home" PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME="$home" XDG_RUNTIME_DIR="$home/run" "$@" 3>&-
}
