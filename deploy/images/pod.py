#!/usr/bin/env python3
"""Turns the Deployment's Pod template into `docker run` flags, for deploy/test-images.sh.

Reads deploy/k8s/deployment.yaml and configmap.yaml, writes the files the Pod's volumes would hold into OUT_DIR
(a ConfigMap volume gets every key of its ConfigMap; a Secret volume gets the files given on the command line, with
the Secret's defaultMode and the Pod's fsGroup as group), and prints bash assignments for each container in the
order the kubelet starts them (native sidecars, i.e. init containers with restartPolicy Always, first):

  C_NAMES=(auth-sidecar main-service)
  C_IMAGE_auth_sidecar=auth-sidecar:dev
  C_FLAGS_auth_sidecar=(--user 65532:65532 --read-only ...)
  C_ARGS_auth_sidecar=(--config /etc/auth-sidecar/config/sidecar.yaml)
  C_STARTUP_auth_sidecar="9901 /healthz"   C_READY_auth_sidecar="9901 /readyz"

Anything in the container spec this does not know how to map is an error, so a manifest change cannot be
silently left out of the check.
"""
import os
import shlex
import sys

import yaml

# Fields that have no `docker run` counterpart and do not change how the containers behave in this check.
IGNORED = {"name", "image", "imagePullPolicy", "restartPolicy", "ports", "startupProbe", "livenessProbe",
           "readinessProbe", "lifecycle", "resources", "securityContext", "volumeMounts", "args", "env"}


def fail(msg):
    sys.exit("pod.py: " + msg)


def memory_bytes(q):
    units = {"Ki": 1024, "Mi": 1024 ** 2, "Gi": 1024 ** 3, "K": 1000, "M": 1000 ** 2, "G": 1000 ** 3}
    for u, f in units.items():
        if str(q).endswith(u):
            return int(float(str(q)[:-len(u)]) * f)
    return int(q)


def cpus(q):
    q = str(q)
    return str(int(q[:-1]) / 1000) if q.endswith("m") else q


def probe(p):
    if not p:
        return ""
    get = p.get("httpGet") or fail("only httpGet probes are supported: %r" % p)
    return "%s %s" % (get["port"], get.get("path", "/"))


def main():
    deployment_file, configmap_file, out_dir = sys.argv[1:4]
    secrets = dict(a.split("=", 1) for a in sys.argv[4:])  # SECRET_NAME/KEY=HOST_FILE
    with open(deployment_file) as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    with open(configmap_file) as f:
        configmaps = {d["metadata"]["name"]: d for d in yaml.safe_load_all(f) if d and d.get("kind") == "ConfigMap"}
    deployment = next(d for d in docs if d.get("kind") == "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    pod_sc = pod.get("securityContext", {})
    volumes = {v["name"]: v for v in pod.get("volumes", [])}

    containers = [c for c in pod.get("initContainers", []) if c.get("restartPolicy") == "Always"]
    if len(containers) != len(pod.get("initContainers", [])):
        fail("plain init containers are not supported")
    containers += pod["containers"]

    print("C_NAMES=(%s)" % " ".join(shlex.quote(c["name"]) for c in containers))
    for c in containers:
        unknown = set(c) - IGNORED
        if unknown:
            fail("%s: fields not mapped to docker run: %s" % (c["name"], ", ".join(sorted(unknown))))
        sc = dict(pod_sc)
        sc.update(c.get("securityContext", {}))
        flags = []
        if "runAsUser" in sc:
            flags += ["--user", "%s:%s" % (sc["runAsUser"], sc.get("runAsGroup", sc["runAsUser"]))]
        if "fsGroup" in sc:
            flags += ["--group-add", str(sc["fsGroup"])]
        if sc.get("readOnlyRootFilesystem"):
            flags.append("--read-only")
        if sc.get("allowPrivilegeEscalation") is False:
            flags += ["--security-opt", "no-new-privileges"]
        if sc.get("privileged"):
            fail("%s: privileged" % c["name"])
        for cap in sc.get("capabilities", {}).get("drop", []):
            flags += ["--cap-drop", cap]
        for cap in sc.get("capabilities", {}).get("add", []):
            flags += ["--cap-add", cap]
        seccomp = sc.get("seccompProfile", {}).get("type")
        if seccomp not in (None, "RuntimeDefault"):
            fail("%s: seccompProfile %s" % (c["name"], seccomp))  # RuntimeDefault = Docker's default profile
        limits = c.get("resources", {}).get("limits", {})
        if "memory" in limits:
            m = str(memory_bytes(limits["memory"]))
            flags += ["--memory", m, "--memory-swap", m]  # no swap, as on a kubelet node
        if "cpu" in limits:
            flags += ["--cpus", cpus(limits["cpu"])]
        for e in c.get("env", []):
            if "value" not in e:
                fail("%s: env %s: only plain values are supported" % (c["name"], e["name"]))
            flags += ["--env", "%s=%s" % (e["name"], e["value"])]
        for vm in c.get("volumeMounts", []):
            if "subPath" in vm:
                fail("%s: subPath mounts are not supported" % c["name"])
            v = volumes[vm["name"]]
            ro = ":ro" if vm.get("readOnly") else ""
            if "emptyDir" in v:
                # An emptyDir is a fresh directory; tmpfs with the sizeLimit. noexec is stricter than an emptyDir,
                # on purpose: the image must not need to execute anything from /tmp (Netty's library included).
                size = v["emptyDir"].get("sizeLimit")
                opts = "rw,noexec,nosuid,nodev" + (",size=%d" % memory_bytes(size) if size else "")
                flags += ["--tmpfs", "%s:%s" % (vm["mountPath"], opts)]
            elif "configMap" in v:
                name = v["configMap"]["name"]
                d = os.path.join(out_dir, vm["name"])
                os.makedirs(d, exist_ok=True)
                for key, text in configmaps[name]["data"].items():
                    with open(os.path.join(d, key), "w") as f:
                        f.write(text)
                    os.chmod(os.path.join(d, key), v["configMap"].get("defaultMode", 0o644))
                flags += ["--volume", "%s:%s%s" % (d, vm["mountPath"], ro)]
            elif "secret" in v:
                name = v["secret"]["secretName"]
                d = os.path.join(out_dir, vm["name"])
                os.makedirs(d, exist_ok=True)
                files = {k.split("/", 1)[1]: p for k, p in secrets.items() if k.split("/", 1)[0] == name}
                if not files:
                    fail("no files given for Secret %s" % name)
                for key, src in files.items():
                    dst = os.path.join(d, key)
                    with open(src) as s, open(dst, "w") as f:
                        f.write(s.read())
                    os.chmod(dst, v["secret"].get("defaultMode", 0o644))
                    if "fsGroup" in pod_sc:
                        os.chown(dst, 0, int(pod_sc["fsGroup"]))
                flags += ["--volume", "%s:%s%s" % (d, vm["mountPath"], ro)]
            else:
                fail("%s: volume %s: only emptyDir, configMap and secret are supported" % (c["name"], vm["name"]))
        var = c["name"].replace("-", "_")
        print("C_IMAGE_%s=%s" % (var, shlex.quote(c["image"])))
        print("C_FLAGS_%s=(%s)" % (var, " ".join(shlex.quote(f) for f in flags)))
        print("C_ARGS_%s=(%s)" % (var, " ".join(shlex.quote(a) for a in c.get("args", []))))
        print("C_STARTUP_%s=%s" % (var, shlex.quote(probe(c.get("startupProbe")))))
        print("C_READY_%s=%s" % (var, shlex.quote(probe(c.get("readinessProbe")))))
    print("POD_GRACE=%d" % pod.get("terminationGracePeriodSeconds", 30))


if __name__ == "__main__":
    main()
