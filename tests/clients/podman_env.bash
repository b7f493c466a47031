# podman_env.bash — sourced by tests/clients/helpers.bash and
# tests/bench/build.sh: a podman kept away from the system's configuration.

# podman_env DIR [DRIVER]: containers.conf and storage.conf for a podman
# whose storage (DRIVER, default vfs; graph root DIR/root, run root
# DIR/runroot), tmp dir, events and network config are all in DIR; exported
# as CONTAINERS_CONF and CONTAINERS_STORAGE_CONF.
podman_env() {
    local dir=$1 driver=${2:-vfs}
    mkdir -p "$dir/tmp" "$dir/net"
    cat >"$dir/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$dir/events.log"
tmp_dir = "$dir/tmp"

[network]
network_config_dir = "$dir/net"
EOF
    export CONTAINERS_CONF=$dir/containers.conf
    # keep podman away from the system's storage.conf / registries
    printf '[storage]\ndriver = "%s"\nrunroot = "%s"\ngraphroot = "%s"\n' "$driver" "$dir/runroot" "$dir/root" >"$dir/storage.conf"
    export CONTAINERS_STORAGE_CONF=$dir/storage.conf
}
