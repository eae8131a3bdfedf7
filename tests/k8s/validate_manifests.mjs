// Checks deploy/k8s offline: every object against the Kubernetes (and
// cert-manager) schemas of the npm package kubernetes-models, and what the
// schemas cannot see: every flag a container passes exists in its binary
// (--helpfull), every mount has a volume, every Secret/ConfigMap a pod needs
// is made by the manifests, probes and policies name real ports, every file
// is in kustomization.yaml, and the JWKS ConfigMap is a key set.
//
// usage: node validate_manifests.mjs MANIFEST_DIR NODE_MODULES NAME=BINARY...
// Exits 77 (skipped) when the npm packages are not installed.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
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

// Every document of every manifest file, and the listed resources.
const files = readdirSync(dir).filter((f) => f.endsWith(".yaml"));
const kustomization = YAML.parse(readFileSync(path.join(dir, "kustomization.yaml"), "utf8"));
const listed = new Set(kustomization.resources);
const docs = [];
for (const file of files.filter((f) => f !== "kustomization.yaml")) {
  if (!listed.has(file)) fail(file, "not listed in kustomization.yaml");
  for (const doc of YAML.parseAllDocuments(readFileSync(path.join(dir, file), "utf8"))) {
    if (doc.errors.length) fail(file, doc.errors.map(String).join("; "));
    const object = doc.toJS();
    if (object) docs.push({ file, object });
  }
}
for (const r of listed) if (!files.includes(r)) fail("kustomization.yaml", `${r} does not exist`);

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

// What the schemas cannot see.
const made = { Secret: new Set(), ConfigMap: new Set() };
for (const { object } of docs) {
  if (object.kind === "Secret" || object.kind === "ConfigMap") made[object.kind].add(object.metadata.name);
  if (object.kind === "Certificate") made.Secret.add(object.spec.secretName);
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
for (const { file, object } of docs) {
  if (!["StatefulSet", "Deployment"].includes(object.kind)) continue;
  const spec = object.spec.template.spec;
  const volumes = new Set([
    ...(spec.volumes ?? []).map((v) => v.name),
    ...(object.spec.volumeClaimTemplates ?? []).map((v) => v.metadata.name),
  ]);
  for (const v of spec.volumes ?? []) {
    if (v.secret && !made.Secret.has(v.secret.secretName)) fail(file, `no Secret ${v.secret.secretName} is made`);
    if (v.configMap && !made.ConfigMap.has(v.configMap.name)) fail(file, `no ConfigMap ${v.configMap.name} is made`);
  }
  for (const c of spec.containers) {
    const where = `${file} container ${c.name}`;
    const ports = new Map((c.ports ?? []).map((p) => [p.name, p.containerPort]));
    for (const name of ports.keys()) podPorts.add(name);
    const mounts = (c.volumeMounts ?? []).map((m) => m.mountPath);
    for (const m of c.volumeMounts ?? []) if (!volumes.has(m.name)) fail(where, `mount ${m.name} has no volume`);
    for (const probe of [c.readinessProbe, c.livenessProbe].filter(Boolean)) {
      const port = probe.grpc?.port;
      if (port !== undefined && ![...ports.values()].includes(port)) fail(where, `probe port ${port} is not a container port`);
    }
    const binary = binaries[path.basename(c.command?.[0] ?? "")];
    if (!binary) {
      fail(where, `no binary given for ${c.command?.[0]}`);
      continue;
    }
    flagCache[binary] ??= knownFlags(binary);
    for (const arg of c.args ?? []) {
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
    for (const rule of object.spec.ingress ?? []) named.push(...(rule.ports ?? []).map((p) => p.port));
  }
  for (const port of named) {
    if (typeof port === "string" && !podPorts.has(port)) fail(`${file} ${object.kind}`, `no container port is named ${port}`);
  }
}

if (problems.length) {
  console.error(problems.join("\n"));
  process.exit(1);
}
console.log(`${docs.length} objects in ${files.length} files valid against the Kubernetes and cert-manager schemas`);
