#!/usr/bin/env python3
"""deploy_files_test: checks deploy/k8s and deploy/container without a cluster or docker.

Every manifest must parse (PyYAML) and hang together: the kustomization lists every file,
selectors match their pod labels, the log store is a StatefulSet with volumeClaimTemplates and a
headless Service, the coordinator mounts the token Secret that is defined, nodes are a DaemonSet
with a hostPath work dir, and every daemon container has resource limits and readiness and
liveness probes on GET /metrics at the port its --http-address flag serves. The Dockerfile must be
a multi-stage Debian 12 build whose entrypoint script runs and selects the daemons.

  deploy_files_test.py SOURCE_DIR        (exit 0 pass, 1 fail, 77 skip: no PyYAML)
"""
import os
import re
import subprocess
import sys

try:
    import yaml
except ImportError:
    print("SKIP: python3-yaml is not installed")
    sys.exit(77)

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
    return cond


def load(src):
    k8s = os.path.join(src, "deploy", "k8s")
    docs = {}
    for name in sorted(os.listdir(k8s)):
        if not name.endswith(".yaml"):
            continue
        with open(os.path.join(k8s, name)) as f:
            try:
                docs[name] = [d for d in yaml.safe_load_all(f) if d is not None]
            except yaml.YAMLError as e:
                failures.append(f"{name}: does not parse: {e}")
    return docs


def objects(docs):
    out = {}
    for name, ds in docs.items():
        for d in ds:
            if d.get("kind") == "Kustomization":
                continue
            for key in ("apiVersion", "kind", "metadata"):
                check(key in d, f"{name}: an object has no {key}")
            meta = d.get("metadata", {})
            check("name" in meta, f"{name}: a {d.get('kind')} has no metadata.name")
            if d.get("kind") != "Namespace":
                check(meta.get("namespace") == "eddy",
                      f"{name}: {d.get('kind')}/{meta.get('name')} is not in namespace eddy")
            out[(d.get("kind"), meta.get("name"))] = d
    return out


def http_port_of(args):
    for a in args:
        m = re.match(r"--http-address=.*:(\d+)$", a)
        if m:
            return int(m.group(1))
    return None


def check_workload(kind, name, obj, objs):
    spec = obj["spec"]
    labels = spec["template"]["metadata"].get("labels", {})
    for k, v in spec["selector"]["matchLabels"].items():
        check(labels.get(k) == v, f"{kind}/{name}: selector {k}={v} does not match its pods")
    pod = spec["template"]["spec"]
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    claims = {c["metadata"]["name"] for c in spec.get("volumeClaimTemplates", [])}
    for c in pod["containers"]:
        cname = f"{kind}/{name} container {c['name']}"
        args = c.get("args", [])
        check(args and args[0] in ("logd", "coordinator", "node"),
              f"{cname}: the first arg must select a daemon (logd, coordinator, node)")
        limits = c.get("resources", {}).get("limits", {})
        check("cpu" in limits and "memory" in limits, f"{cname}: no cpu and memory limits")
        ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
        http = http_port_of(args)
        check(http is not None, f"{cname}: no --http-address=HOST:PORT")
        for probe in ("readinessProbe", "livenessProbe"):
            get = c.get(probe, {}).get("httpGet")
            if not check(get is not None, f"{cname}: no {probe}.httpGet"):
                continue
            check(get.get("path") == "/metrics", f"{cname}: {probe} is not on /metrics")
            port = get.get("port")
            port = ports.get(port, port)
            check(port == http, f"{cname}: {probe} port {port} is not --http-address's {http}")
        for m in c.get("volumeMounts", []):
            check(m["name"] in volumes or m["name"] in claims,
                  f"{cname}: mounts {m['name']}, which is neither a volume nor a claim")
        for v in volumes.values():
            if "secret" in v:
                secret = v["secret"]["secretName"]
                check(("Secret", secret) in objs, f"{cname}: Secret {secret} is not defined")
    return pod, volumes


def main():
    src = sys.argv[1]
    docs = load(src)
    objs = objects(docs)
    kust = docs.get("kustomization.yaml", [{}])[0]
    listed = set(kust.get("resources", []))
    check(listed == set(docs) - {"kustomization.yaml"},
          f"kustomization.yaml lists {sorted(listed)}, the folder has "
          f"{sorted(set(docs) - {'kustomization.yaml'})}")

    logd = objs.get(("StatefulSet", "eddy-logd"))
    if check(logd is not None, "no StatefulSet eddy-logd"):
        check(logd["spec"].get("volumeClaimTemplates"), "eddy-logd has no volumeClaimTemplates")
        svc = objs.get(("Service", logd["spec"].get("serviceName")))
        check(svc is not None and svc["spec"].get("clusterIP") == "None",
              "eddy-logd's serviceName is not a headless Service")
        check_workload("StatefulSet", "eddy-logd", logd, objs)

    coord = objs.get(("StatefulSet", "eddy-coordinator")) or objs.get(
        ("Deployment", "eddy-coordinator"))
    if check(coord is not None, "no StatefulSet or Deployment eddy-coordinator"):
        check(("Service", "eddy-coordinator") in objs, "no Service eddy-coordinator")
        _, volumes = check_workload(coord["kind"], "eddy-coordinator", coord, objs)
        check(any("secret" in v for v in volumes.values()),
              "eddy-coordinator does not mount the token Secret")
        args = coord["spec"]["template"]["spec"]["containers"][0]["args"]
        check(any(a.startswith("--token-file=") for a in args), "the coordinator has no token")

    node = objs.get(("DaemonSet", "eddy-node"))
    if check(node is not None, "no DaemonSet eddy-node"):
        _, volumes = check_workload("DaemonSet", "eddy-node", node, objs)
        check(any("hostPath" in v for v in volumes.values()), "eddy-node has no hostPath volume")

    for (kind, name), svc in objs.items():
        if kind != "Service":
            continue
        sel = svc["spec"].get("selector", {})
        match = [o for o in objs.values() if o["kind"] in ("StatefulSet", "Deployment", "DaemonSet")
                 and all(o["spec"]["template"]["metadata"]["labels"].get(k) == v
                         for k, v in sel.items())]
        check(match, f"Service {name} selects no workload")

    # The image: multi-stage, Debian 12, an entrypoint that selects the daemon.
    container = os.path.join(src, "deploy", "container")
    with open(os.path.join(container, "Dockerfile")) as f:
        dockerfile = f.read()
    froms = re.findall(r"^FROM\s+(\S+)", dockerfile, re.M)
    check(len(froms) >= 2 and all(f == "debian:12" for f in froms),
          f"Dockerfile: want a multi-stage debian:12 build, FROM lines are {froms}")
    check("third_party/install-deps.sh" in dockerfile, "Dockerfile does not use install-deps.sh")
    entry = os.path.join(container, "entrypoint.sh")
    check(os.access(entry, os.X_OK), "deploy/container/entrypoint.sh is not executable")
    r = subprocess.run(["sh", entry, "help"], capture_output=True, text=True)
    check(r.returncode == 0 and "logd" in r.stdout, f"entrypoint.sh help: {r.returncode} {r.stdout}")
    r = subprocess.run(["sh", entry, "no-such-daemon"], capture_output=True, text=True)
    check(r.returncode == 2 and "no-such-daemon" in r.stderr,
          f"entrypoint.sh no-such-daemon: exit {r.returncode}, {r.stderr}")

    if failures:
        print("FAIL:\n  " + "\n  ".join(failures))
        return 1
    print(f"PASS: {len(objs)} objects in {len(docs)} manifests, Dockerfile and entrypoint")
    return 0


if __name__ == "__main__":
    sys.exit(main())
