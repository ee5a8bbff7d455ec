/**
 * Renders a kustomization the way `kubectl kustomize` does, for the subset deploy/kubernetes uses:
 * `resources` (files and directories), `patches` with `path` (strategic merge of maps; lists of
 * named items merged by name, other lists replaced), `configMapGenerator` (`files`, `behavior`
 * create/replace/merge) and `generatorOptions.disableNameSuffixHash: true`. Anything else throws,
 * so a manifest can never use a feature this renderer would silently get wrong.
 * No JS kustomize exists on npm and a cluster-less CI has no kustomize binary; where `kubectl` is
 * installed, test/deploy/manifests.test.ts compares this output with `kubectl kustomize`.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [k: string]: unknown };
  [k: string]: unknown;
}

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

const SUPPORTED = new Set(['apiVersion', 'kind', 'resources', 'patches', 'configMapGenerator', 'generatorOptions']);

/** Parses every YAML document of a file into objects (empty documents skipped). */
export function readObjects(file: string): K8sObject[] {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'));
  const out: K8sObject[] = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]!.message}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    if (!isPlain(value) || typeof value['kind'] !== 'string' || typeof value['apiVersion'] !== 'string' || !isPlain(value['metadata'])) {
      throw new Error(`${file}: a document without apiVersion, kind and metadata`);
    }
    out.push(value as K8sObject);
  }
  return out;
}

export const objectId = (o: Pick<K8sObject, 'kind' | 'metadata'>): string => `${o.kind}/${o.metadata.name}`;

export function renderKustomization(dir: string): K8sObject[] {
  const root = resolve(dir);
  const k: unknown = parseAllDocuments(readFileSync(join(root, 'kustomization.yaml'), 'utf8'))[0]?.toJS();
  if (!isPlain(k) || k['kind'] !== 'Kustomization') throw new Error(`${root}/kustomization.yaml: not a Kustomization`);
  for (const key of Object.keys(k)) if (!SUPPORTED.has(key)) throw new Error(`${root}/kustomization.yaml: '${key}' is not supported by kustomize-lite`);
  const options = (k['generatorOptions'] ?? {}) as Plain;
  for (const key of Object.keys(options)) if (key !== 'disableNameSuffixHash') throw new Error(`${root}: generatorOptions.${key} is not supported`);
  if (k['configMapGenerator'] !== undefined && options['disableNameSuffixHash'] !== true) {
    throw new Error(`${root}: configMapGenerator needs generatorOptions.disableNameSuffixHash: true (name hashing is not implemented)`);
  }

  const objects: K8sObject[] = [];
  for (const entry of (k['resources'] ?? []) as string[]) {
    const path = join(root, entry);
    const found = statSync(path).isDirectory() ? renderKustomization(path) : readObjects(path);
    for (const o of found) {
      if (objects.some((x) => objectId(x) === objectId(o))) throw new Error(`${root}: ${objectId(o)} defined twice`);
      objects.push(o);
    }
  }

  for (const gen of (k['configMapGenerator'] ?? []) as Plain[]) {
    for (const key of Object.keys(gen)) if (!['name', 'files', 'behavior'].includes(key)) throw new Error(`${root}: configMapGenerator.${key} is not supported`);
    const name = gen['name'] as string;
    const data: Record<string, string> = {};
    for (const spec of (gen['files'] ?? []) as string[]) {
      const [key, file] = spec.includes('=') ? (spec.split('=', 2) as [string, string]) : [basename(spec), spec];
      data[key] = readFileSync(join(root, file), 'utf8');
    }
    const behavior = (gen['behavior'] as string | undefined) ?? 'create';
    const existing = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name);
    if (behavior === 'create') {
      if (existing !== undefined) throw new Error(`${root}: ConfigMap/${name} exists; use behavior: replace or merge`);
      objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data });
    } else if (behavior === 'replace' || behavior === 'merge') {
      if (existing === undefined) throw new Error(`${root}: ConfigMap/${name} to ${behavior} is not in the resources`);
      existing['data'] = behavior === 'replace' ? data : { ...(existing['data'] as Record<string, string>), ...data };
    } else throw new Error(`${root}: configMapGenerator behavior '${behavior}' is not supported`);
  }

  for (const patch of (k['patches'] ?? []) as Plain[]) {
    if (Object.keys(patch).some((key) => key !== 'path')) throw new Error(`${root}: only patches with 'path' are supported`);
    for (const p of readObjects(join(root, patch['path'] as string))) {
      const target = objects.find((o) => o.kind === p.kind && o.metadata.name === p.metadata.name);
      if (target === undefined) throw new Error(`${root}: patch target ${objectId(p)} is not in the resources`);
      Object.assign(target, strategicMerge(target, p));
    }
  }
  return objects;
}

/** Strategic merge patch, the part kustomize applies to these manifests. */
export function strategicMerge(base: unknown, patch: unknown): unknown {
  if (isPlain(base) && isPlain(patch)) {
    const out: Plain = { ...base };
    for (const [key, value] of Object.entries(patch)) {
      if (key.startsWith('$')) throw new Error(`strategic merge directive ${key} is not supported`);
      if (value === null) delete out[key];
      else out[key] = key in base ? strategicMerge(base[key], value) : value;
    }
    return out;
  }
  if (Array.isArray(base) && Array.isArray(patch) && [...base, ...patch].every((x) => isPlain(x) && typeof x['name'] === 'string')) {
    const out = base.map((x) => ({ ...(x as Plain) }));
    for (const item of patch as Plain[]) {
      const i = out.findIndex((x) => x['name'] === item['name']);
      if (i === -1) out.push(item);
      else out[i] = strategicMerge(out[i], item) as Plain;
    }
    return out;
  }
  return patch;
}
