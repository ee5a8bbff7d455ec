/**
 * Validates Kubernetes objects against the API's OpenAPI schemas (kubernetes-models, and
 * @kubernetes-models/prometheus-operator for the ServiceMonitor CRD), plus what those schemas let
 * through but `kubectl apply --validate=strict` refuses: fields the schema does not know (a typo
 * such as `readinesProbe` is otherwise silently ignored by a cluster).
 *
 * The unknown-field check watches which properties the compiled schema validator reads: it reads
 * every property its schema defines, and enumerates the keys of free-form maps (labels, data), so
 * an own key it never read is one the schema does not define.
 */
import { ConfigMap, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { DaemonSet, Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import type { K8sObject } from './kustomize-lite.js';

interface Validatable {
  prototype: { validate(): void };
}

const MODELS: Record<string, Validatable> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'apps/v1/DaemonSet': DaemonSet,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
};

interface ReadRecord {
  target: object;
  path: string;
  read: Set<string>;
  enumerated: boolean;
}

/** A read-recording view of `root` and everything below it. */
function recordReads(root: object): { view: object; records: ReadRecord[] } {
  const records: ReadRecord[] = [];
  const wrap = (value: unknown, path: string): unknown => {
    if (typeof value !== 'object' || value === null) return value;
    const record: ReadRecord = { target: value, path, read: new Set(), enumerated: false };
    records.push(record);
    const children = new Map<string, unknown>();
    return new Proxy(value, {
      get(target, key, receiver) {
        const v: unknown = Reflect.get(target, key, receiver);
        if (typeof key !== 'string' || !Object.prototype.hasOwnProperty.call(target, key)) return v;
        record.read.add(key);
        if (!children.has(key)) children.set(key, wrap(v, path === '' ? key : `${path}.${key}`));
        return children.get(key);
      },
      has(target, key) {
        if (typeof key === 'string') record.read.add(key);
        return Reflect.has(target, key);
      },
      ownKeys(target) {
        record.enumerated = true;
        return Reflect.ownKeys(target);
      },
    });
  };
  return { view: wrap(root, '') as object, records };
}

/** Problems with one object: schema violations and unknown fields; empty when valid. */
export function validateObject(o: K8sObject): string[] {
  const model = MODELS[`${o.apiVersion}/${o.kind}`];
  if (model === undefined) return [`no schema known for ${o.apiVersion} ${o.kind}`];
  const { view, records } = recordReads(structuredClone(o));
  try {
    model.prototype.validate.call(view);
  } catch (err) {
    return [(err as Error).message];
  }
  return records
    .filter((r) => !Array.isArray(r.target) && !r.enumerated)
    .flatMap((r) => Object.keys(r.target).filter((k) => !r.read.has(k)).map((k) => `${r.path === '' ? k : `${r.path}.${k}`}: unknown field`));
}
