#!/usr/bin/python3
"""cri.py: a minimal Kubernetes CRI client (runtime.v1 over gRPC), enough for
the client tests to drive containerd's CRI plugin the way kubelet does.

  cri.py SOCK GENDIR COMMAND ARG...
SOCK is containerd's gRPC socket; GENDIR holds cri_pb2.py (protoc
--python_out=GENDIR cri.proto). Commands:
  version                                  runtime name and version
  runp POD PIDMODE                         run a pod sandbox (host network), print its id
  create POD_ID POD PIDMODE NAME IMAGE ARG...
                                           create a container in it, print its id
  start|rm ID                              start / remove a container
  stop ID SECONDS                          stop a container
  status ID                                print "STATE EXIT_CODE" (CONTAINER_EXITED 0)
  stopp|rmp POD_ID                         stop / remove a pod sandbox
PIDMODE is the pid namespace: POD (shared by the pod), CONTAINER or NODE.
The pods' log directory and cgroup parent come from $CRI_LOG_DIR and
$CRI_CGROUP_PARENT (cgroupfs syntax).
An RPC error prints its code and details on stderr and exits 1.
"""
import os
import sys

import grpc


def main(argv):
    sock, gendir, cmd, args = argv[1], argv[2], argv[3], argv[4:]
    sys.path.insert(0, gendir)
    import cri_pb2 as pb

    ch = grpc.insecure_channel("unix://" + sock)

    def call(method, req, resp=pb.Empty, service="RuntimeService"):
        rpc = ch.unary_unary("/runtime.v1.%s/%s" % (service, method),
                             request_serializer=lambda m: m.SerializeToString(),
                             response_deserializer=resp.FromString)
        return rpc(req, timeout=60)

    def namespaces(pidmode):
        return pb.NamespaceOption(network=pb.NODE, pid=pb.NamespaceMode.Value(pidmode), ipc=pb.POD)

    def pod_config(name, pidmode):
        return pb.PodSandboxConfig(
            metadata=pb.PodSandboxMetadata(name=name, uid=name + "-uid", namespace="crtest"),
            log_directory=os.environ.get("CRI_LOG_DIR", ""),
            linux=pb.LinuxPodSandboxConfig(
                cgroup_parent=os.environ.get("CRI_CGROUP_PARENT", ""),
                security_context=pb.LinuxSandboxSecurityContext(namespace_options=namespaces(pidmode))))

    try:
        if cmd == "version":
            r = call("Version", pb.VersionRequest(version="v1"), pb.VersionResponse)
            print(r.runtime_name, r.runtime_version, r.runtime_api_version)
        elif cmd == "runp":
            r = call("RunPodSandbox", pb.RunPodSandboxRequest(config=pod_config(*args[:2])), pb.RunPodSandboxResponse)
            print(r.pod_sandbox_id)
        elif cmd == "create":
            pod_id, pod, pidmode, name, image = args[:5]
            cfg = pb.ContainerConfig(
                metadata=pb.ContainerMetadata(name=name), image=pb.ImageSpec(image=image),
                command=args[5:], log_path=name + ".log",
                linux=pb.LinuxContainerConfig(security_context=pb.LinuxContainerSecurityContext(
                    namespace_options=namespaces(pidmode))))
            r = call("CreateContainer", pb.CreateContainerRequest(
                pod_sandbox_id=pod_id, config=cfg, sandbox_config=pod_config(pod, pidmode)),
                pb.CreateContainerResponse)
            print(r.container_id)
        elif cmd in ("start", "rm"):
            call("StartContainer" if cmd == "start" else "RemoveContainer", pb.ContainerIdRequest(container_id=args[0]))
        elif cmd == "stop":
            call("StopContainer", pb.StopContainerRequest(container_id=args[0], timeout=int(args[1])))
        elif cmd == "status":
            r = call("ContainerStatus", pb.ContainerStatusRequest(container_id=args[0]), pb.ContainerStatusResponse)
            print(pb.ContainerState.Name(r.status.state), r.status.exit_code)
        elif cmd in ("stopp", "rmp"):
            call("StopPodSandbox" if cmd == "stopp" else "RemovePodSandbox", pb.PodSandboxIdRequest(pod_sandbox_id=args[0]))
        else:
            sys.stderr.write("cri.py: unknown command %r\n" % cmd)
            return 2
    except grpc.RpcError as e:
        sys.stderr.write("cri.py %s: %s: %s\n" % (cmd, e.code(), e.details()))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
