// Checks deploy/k8s offline: every object against the Kubernetes (and
// cert-manager) schemas of the npm package kubernetes-models, and what the
// schemas cannot see: every flag a container passes exists in its binary
// (--helpfull), every mount has a volume, every Secret/ConfigMap a pod needs
// is made in its namespace, probes and policies name real ports, every file
// of every kustomization directory is one of its resources, the JWKS
// ConfigMap is a key set, and the front door's configuration is what
// front/render-proxy-config writes now.
//
// usage: node validate_manifests.mjs MANIFEST_DIR NODE_MODULES NAME=BINARY...
// Exits 77 (skipped) when the npm packages are not installed.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";

const [dir, modules, ...binaryArgs] = process.argv.slice(2);
if (!existsSync(path.join(modules, "kubernetes-models"))) {
  console.log(`kubernetes-models not installed in ${modules}: skipped`);
  process.exit(77);
}
const require = createRequire(path.join(modules, "noop.js"));
const YAML = require("yaml");
const binaries = Object.fromEntries(binaryArgs.map((a) => a.split("=")));

const problems = [];
const fail = (where, what) => problems.push(`${where}: ${what}`);

function modelFor(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : [null, apiVersion];
  const module = group === "cert-manager.io"
    ? `@kubernetes-models/cert-manager/${apiVersion}`
    : group ? `kubernetes-models/${group}/${version}` : `kubernetes-models/${version}`;
  try {
    return require(module)[kind];
  } catch {
    return undefined;
  }
}

function knownFlags(binary) {
  // absl's --helpfull prints the flags, then exits 1.
  const help = spawnSync(binary, ["--helpfull"], { encoding: "utf8" }).stdout ?? "";
  return new Set([...help.matchAll(/--([a-z0-9_]+) \(/g)].map((m) => m[1]));
}

// Every object the kustomization tree at `root` makes, with the namespace it
// lands in: a kustomization's namespace applies to everything below it
// unless an outer one already set it (as kustomize does). A generator's
// ConfigMap is made too, with its literals and files as data.
const docs = [];
function walk(at, outerNamespace) {
  const where = path.relative(dir, at) || ".";
  const file = path.join(at, "kustomization.yaml");
  if (!existsSync(file)) {
    fail(where, "has no kustomization.yaml");
    return;
  }
  const k = YAML.parse(readFileSync(file, "utf8"));
  const namespace = outerNamespace ?? k.namespace;
  const resources = k.resources ?? [];
  for (const f of readdirSync(at).filter((f) => f.endsWith(".yaml") && f !== "kustomization.yaml")) {
    if (!resources.includes(f)) fail(`${where}/${f}`, "not listed in its kustomization.yaml");
  }
  for (const r of resources) {
    const target = path.join(at, r);
    if (!existsSync(target)) {
      fail(`${where}/kustomization.yaml`, `${r} does not exist`);
    } else if (statSync(target).isDirectory()) {
      walk(target, namespace);
    } else {
      for (const doc of YAML.parseAllDocuments(readFileSync(target, "utf8"))) {
        if (doc.errors.length) fail(`${where}/${r}`, doc.errors.map(String).join("; "));
        const object = doc.toJS();
        if (object) docs.push({ file: `${where}/${r}`, object, namespace: namespace ?? object.metadata?.namespace });
      }
    }
  }
  for (const g of k.configMapGenerator ?? []) {
    const data = {};
    for (const literal of g.literals ?? []) {
      const [key, value] = literal.split(/=(.*)/s);
      data[key] = value;
    }
    for (const f of g.files ?? []) {
      const source = path.join(at, f);
      if (!existsSync(source)) fail(`${where}/kustomization.yaml`, `generator file ${f} does not exist`);
      else data[path.basename(f)] = readFileSync(source, "utf8");
    }
    docs.push({
      file: `${where}/kustomization.yaml`,
      object: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: g.name }, data },
      namespace,
    });
  }
}
walk(dir, undefined);

// The front door's configuration is what its script writes now.
const rendered = mkdtempSync(path.join(os.tmpdir(), "proxy-config-"));
const render = spawnSync(path.join(dir, "front/render-proxy-config"), [rendered], { encoding: "utf8" });
if (render.status !== 0) {
  fail("front/render-proxy-config", render.stderr);
} else {
  // firm-cells.map is the operators' (firms moved), not the script's.
  for (const f of readdirSync(rendered).filter((f) => f !== "firm-cells.map")) {
    const committed = path.join(dir, "front/proxy", f);
    if (!existsSync(committed) || readFileSync(committed, "utf8") !== readFileSync(path.join(rendered, f), "utf8")) {
      fail(`front/proxy/${f}`, "differs from what front/render-proxy-config writes: run it");
    }
  }
}
rmSync(rendered, { recursive: true, force: true });

// Schemas.
for (const { file, object } of docs) {
  const where = `${file} ${object.kind}/${object.metadata?.name}`;
  const Model = modelFor(object.apiVersion, object.kind);
  if (!Model) {
    fail(where, `unknown kind ${object.apiVersion} ${object.kind}`);
    continue;
  }
  try {
    new Model(object).validate();
  } catch (e) {
    fail(where, e.message);
  }
}

// What the schemas cannot see. What each namespace holds, as "namespace/name".
const made = { Secret: new Set(), ConfigMap: new Set() };
for (const { object, namespace } of docs) {
  if (object.kind === "Secret" || object.kind === "ConfigMap") made[object.kind].add(`${namespace}/${object.metadata.name}`);
  if (object.kind === "Certificate") made.Secret.add(`${namespace}/${object.spec.secretName}`);
  if (object.kind === "ConfigMap" && object.data?.["jwks.json"] !== undefined) {
    try {
      if (!Array.isArray(JSON.parse(object.data["jwks.json"]).keys)) throw new Error("no keys array");
    } catch (e) {
      fail(`ConfigMap/${object.metadata.name}`, `jwks.json is not a key set: ${e.message}`);
    }
  }
}
const podPorts = new Set();
const flagCache = {};
for (const { file, object, namespace } of docs) {
  if (!["StatefulSet", "Deployment"].includes(object.kind)) continue;
  const spec = object.spec.template.spec;
  const volumes = new Set([
    ...(spec.volumes ?? []).map((v) => v.name),
    ...(object.spec.volumeClaimTemplates ?? []).map((v) => v.metadata.name),
  ]);
  for (const v of spec.volumes ?? []) {
    if (v.secret && !made.Secret.has(`${namespace}/${v.secret.secretName}`)) {
      fail(file, `no Secret ${v.secret.secretName} is made in namespace ${namespace}`);
    }
    if (v.configMap && !made.ConfigMap.has(`${namespace}/${v.configMap.name}`)) {
      fail(file, `no ConfigMap ${v.configMap.name} is made in namespace ${namespace}`);
    }
  }
  for (const c of spec.containers) {
    const where = `${file} container ${c.name}`;
    const ports = new Map((c.ports ?? []).map((p) => [p.name, p.containerPort]));
    for (const name of ports.keys()) podPorts.add(name);
    const mounts = (c.volumeMounts ?? []).map((m) => m.mountPath);
    for (const m of c.volumeMounts ?? []) if (!volumes.has(m.name)) fail(where, `mount ${m.name} has no volume`);
    // A service's liveness probe without a startup probe restarts a pod
    // whose start takes longer than its few failures (an index rebuild),
    // over and over.
    if (c.livenessProbe?.grpc) {
      const start = c.startupProbe;
      const patience = start ? (start.periodSeconds ?? 10) * (start.failureThreshold ?? 3) : 0;
      if (patience < 1800) fail(where, `a liveness probe needs a startup probe of 30 minutes or more (has ${patience} s)`);
    }
    for (const probe of [c.startupProbe, c.readinessProbe, c.livenessProbe].filter(Boolean)) {
      const port = probe.grpc?.port;
      if (port !== undefined && ![...ports.values()].includes(port)) fail(where, `probe port ${port} is not a container port`);
      const named = probe.httpGet?.port;
      if (typeof named === "string" && !ports.has(named)) fail(where, `probe port ${named} is not a container port`);
    }
    // HAProxy is configured by its file, which must be on a mounted volume.
    if (path.basename(c.command?.[0] ?? "") === "haproxy") {
      const config = (c.args ?? [])[(c.args ?? []).indexOf("-f") + 1] ?? "";
      if (!mounts.some((m) => config.startsWith(m + "/"))) fail(where, `haproxy's -f ${config} is on no mounted volume`);
      continue;
    }
    const binary = binaries[path.basename(c.command?.[0] ?? "")];
    if (!binary) {
      fail(where, `no binary given for ${c.command?.[0]}`);
      continue;
    }
    flagCache[binary] ??= knownFlags(binary);
    // A --flagfile from a ConfigMap: its flags are the container's too.
    const args = [...(c.args ?? [])];
    for (const arg of c.args ?? []) {
      const file = arg.match(/^--flagfile=(.*)$/)?.[1];
      const mount = file && (c.volumeMounts ?? []).find((m) => file.startsWith(m.mountPath + "/"));
      const volume = mount && (spec.volumes ?? []).find((v) => v.name === mount.name);
      const configMap = volume?.configMap &&
        docs.find((d) => d.object.kind === "ConfigMap" && d.namespace === namespace &&
                         d.object.metadata.name === volume.configMap.name);
      const flags = configMap?.object.data?.[path.basename(file ?? "")];
      if (file && flags === undefined) fail(where, `--flagfile=${file} is in no ConfigMap`);
      if (flags) args.push(...flags.split("\n").filter(Boolean));
    }
    for (const arg of args) {
      const [flag, value] = arg.replace(/^--/, "").split(/=(.*)/s);
      const name = flagCache[binary].has(flag) ? flag : flag.replace(/^no/, "");
      if (!flagCache[binary].has(name)) fail(where, `${path.basename(binary)} has no flag --${flag}`);
      if (value?.startsWith("/etc/") && !mounts.some((m) => value.startsWith(m + "/"))) {
        fail(where, `--${flag}=${value} is on no mounted volume`);
      }
    }
  }
}
for (const { file, object } of docs) {
  const named = [];
  if (object.kind === "Service") named.push(...object.spec.ports.map((p) => p.targetPort));
  if (object.kind === "NetworkPolicy") {
    for (const rule of object.spec.ingress ?? []) {
      named.push(...(rule.ports ?? []).map((p) => p.port));
      // Every port is gRPC 1.51's or civetweb's HTTP; the plaintext ones
      // fall to a header flood from any pod that reaches them.
      if (!rule.from?.length) fail(`${file} ${object.kind}`, `a rule lets ${JSON.stringify(rule.ports)} in from anywhere`);
    }
  }
  for (const port of named) {
    if (typeof port === "string" && !podPorts.has(port)) fail(`${file} ${object.kind}`, `no container port is named ${port}`);
  }
}

if (problems.length) {
  console.error(problems.join("\n"));
  process.exit(1);
}
console.log(`${docs.length} objects valid against the Kubernetes and cert-manager schemas`);
