/**
 * deploy/kubernetes without a cluster: every kustomization renders (and matches `kubectl kustomize`
 * where kubectl is installed), every object validates against the Kubernetes schemas with unknown
 * fields refused, the objects fit together (selectors, ports, ConfigMaps, Secrets), and every
 * hub/agent/relay config they mount passes `e2e-o11y <command> --check-config` with the
 * container's environment.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { repoRoot } from '../helpers/paths.js';
import { runCli } from '../cli/run-cli.js';
import { objectId, renderKustomization, strategicMerge, type K8sObject } from './kustomize-lite.js';
import { validateObject } from './k8s-schema.js';

const deployDir = join(repoRoot, 'deploy', 'kubernetes');
const KUSTOMIZATIONS = ['overlays/embedded', 'overlays/scale-out', 'agent/daemonset', 'agent/deployment', 'relay'] as const;

const rendered = new Map<string, K8sObject[]>(KUSTOMIZATIONS.map((k) => [k, renderKustomization(join(deployDir, k))]));
const objectsOf = (k: string): K8sObject[] => rendered.get(k)!;
const find = (k: string, kind: string, name: string): any => {
  const o = objectsOf(k).find((x) => x.kind === kind && x.metadata.name === name);
  assert.ok(o !== undefined, `${k}: ${kind}/${name} missing`);
  return o;
};

interface Container {
  name: string;
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: any }[];
  envFrom?: any[];
  ports?: { name?: string; containerPort: number }[];
  volumeMounts?: { name: string; mountPath: string; subPath?: string }[];
  livenessProbe?: any;
  readinessProbe?: any;
  resources?: any;
  securityContext?: any;
}
const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);
const podSpecOf = (o: any): any => o.spec.template.spec;
const allContainers = (o: any): Container[] => [...(podSpecOf(o).initContainers ?? []), ...podSpecOf(o).containers];

function kubectlKustomize(dir: string): K8sObject[] | undefined {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  const text = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
  return parseAllDocuments(text).map((d) => d.toJS() as K8sObject).filter((o) => o !== null);
}

test('every kustomization under deploy/kubernetes is tested (base through its overlays)', async () => {
  const { readdir } = await import('node:fs/promises');
  const found = (await readdir(deployDir, { recursive: true }))
    .filter((p) => posix.basename(p) === 'kustomization.yaml')
    .map((p) => posix.dirname(p.split('\\').join('/')))
    .sort();
  assert.deepEqual(found, ['base', ...KUSTOMIZATIONS].sort());
});

test('the renderer implements strategic merge as kustomize does for maps and named lists', () => {
  const merged = strategicMerge(
    { spec: { replicas: 1, template: { spec: { containers: [{ name: 'a', image: 'x', env: [{ name: 'A', value: '1' }] }], dnsPolicy: 'Default' } } } },
    { spec: { replicas: 3, template: { spec: { containers: [{ name: 'a', env: [{ name: 'B', value: '2' }] }], dnsPolicy: null } } } },
  );
  assert.deepEqual(merged, { spec: { replicas: 3, template: { spec: { containers: [{ name: 'a', image: 'x', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] }] } } } });
});

for (const k of KUSTOMIZATIONS) {
  test(`${k}: matches kubectl kustomize where kubectl is installed`, (t) => {
    const expected = kubectlKustomize(join(deployDir, k));
    if (expected === undefined) {
      t.skip('kubectl is not installed');
      return;
    }
    const ours = new Map(objectsOf(k).map((o) => [objectId(o), o]));
    assert.deepEqual([...ours.keys()].sort(), expected.map(objectId).sort());
    for (const o of expected) assert.deepEqual(ours.get(objectId(o)), o, objectId(o));
  });

  test(`${k}: every object validates against the Kubernetes schemas, unknown fields refused`, () => {
    assert.ok(objectsOf(k).length >= 4);
    for (const o of objectsOf(k)) assert.deepEqual(validateObject(o), [], `${k} ${objectId(o)}`);
  });

  test(`${k}: selectors, ports, ConfigMaps and security settings fit together`, () => {
    const objects = objectsOf(k);
    const workloads = objects.filter((o) => WORKLOADS.has(o.kind)) as any[];
    assert.ok(workloads.length > 0);
    for (const w of workloads) {
      const labels = w.spec.template.metadata.labels as Record<string, string>;
      for (const [key, value] of Object.entries(w.spec.selector.matchLabels as Record<string, string>)) assert.equal(labels[key], value, `${objectId(w)} selector`);
      const pod = podSpecOf(w);
      assert.equal(pod.securityContext.runAsNonRoot, true, `${objectId(w)} non-root`);
      assert.equal(pod.automountServiceAccountToken ?? objects.find((o) => o.kind === 'ServiceAccount' && o.metadata.name === pod.serviceAccountName)?.['automountServiceAccountToken'], false);
      const volumes = new Map((pod.volumes ?? []).map((v: any) => [v.name, v]));
      for (const c of allContainers(w)) {
        assert.equal(c.securityContext?.readOnlyRootFilesystem, true, `${objectId(w)} ${c.name} read-only root`);
        assert.equal(c.securityContext?.allowPrivilegeEscalation, false);
        assert.deepEqual(c.securityContext?.capabilities?.drop, ['ALL']);
        assert.ok(c.resources?.requests?.cpu !== undefined && c.resources?.requests?.memory !== undefined, `${objectId(w)} ${c.name} requests`);
        assert.ok(c.resources?.limits?.memory !== undefined, `${objectId(w)} ${c.name} memory limit`);
        for (const m of c.volumeMounts ?? []) {
          const claim = (w.spec.volumeClaimTemplates ?? []).some((t: any) => t.metadata.name === m.name);
          assert.ok(volumes.has(m.name) || claim, `${objectId(w)} ${c.name}: volume ${m.name}`);
        }
      }
      for (const v of volumes.values() as Iterable<any>) {
        if (v.configMap !== undefined) assert.ok(objects.some((o) => o.kind === 'ConfigMap' && o.metadata.name === v.configMap.name), `ConfigMap ${v.configMap.name}`);
      }
    }
    for (const s of objects.filter((o) => o.kind === 'Service') as any[]) {
      const pods = workloads.filter((w) => Object.entries(s.spec.selector as Record<string, string>).every(([key, value]) => w.spec.template.metadata.labels[key] === value));
      assert.equal(pods.length, 1, `${objectId(s)} selects exactly one workload`);
      const ports = allContainers(pods[0]).flatMap((c) => c.ports ?? []);
      for (const p of s.spec.ports) assert.ok(ports.some((cp) => cp.name === p.targetPort || cp.containerPort === p.targetPort), `${objectId(s)} port ${p.name}`);
    }
    for (const pdb of objects.filter((o) => o.kind === 'PodDisruptionBudget') as any[]) {
      assert.ok(workloads.some((w) => Object.entries(pdb.spec.selector.matchLabels as Record<string, string>).every(([key, value]) => w.spec.template.metadata.labels[key] === value)), objectId(pdb));
    }
  });

  test(`${k}: every mounted hub/agent/relay config passes --check-config with the container's environment`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'e2e-k8s-config-'));
    try {
      const configMaps = new Map(objectsOf(k).filter((o) => o.kind === 'ConfigMap').map((o) => [o.metadata.name, o['data'] as Record<string, string>]));
      let checked = 0;
      for (const w of objectsOf(k).filter((o) => WORKLOADS.has(o.kind))) {
        for (const c of podSpecOf(w).containers as Container[]) {
          const command = c.args?.[0];
          if (command !== 'hub' && command !== 'agent' && command !== 'relay') continue;
          const configPath = c.args![c.args!.indexOf('--config') + 1];
          assert.ok(configPath !== undefined, `${objectId(w)}: --config`);
          const text = mountedFile(configPath, c, podSpecOf(w), configMaps);
          assert.ok(text !== undefined, `${objectId(w)}: ${configPath} is not a mounted ConfigMap key`);
          const file = join(dir, `${w.metadata.name}-${c.name}.yaml`);
          await writeFile(file, text);
          const r = await runCli([command, '--check-config', file], containerEnv(c));
          assert.equal(r.code, 0, `${k} ${objectId(w)} ${configPath}: ${r.stderr}`);
          checked++;
        }
      }
      assert.ok(checked > 0, 'some config was checked');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}

/** The content at `path` inside the container, when a ConfigMap volume provides it. */
function mountedFile(path: string, c: Container, pod: any, configMaps: Map<string, Record<string, string>>): string | undefined {
  for (const m of c.volumeMounts ?? []) {
    const volume = (pod.volumes ?? []).find((v: any) => v.name === m.name);
    const data = volume?.configMap === undefined ? undefined : configMaps.get(volume.configMap.name);
    if (data === undefined) continue;
    if (m.subPath !== undefined) {
      if (m.mountPath === path) return data[m.subPath];
    } else if (posix.dirname(path) === m.mountPath) return data[posix.basename(path)];
  }
  return undefined;
}

/** The container's literal env values; downward-API fields get a stand-in, as the kubelet would fill them. */
function containerEnv(c: Container): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const e of c.env ?? []) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.fieldRef !== undefined) env[e.name] = `stand-in-for-${String(e.valueFrom.fieldRef.fieldPath)}`;
  }
  return env;
}

test('hub: StatefulSet with a volume, probes on the console port, secrets from a Secret, a PDB and a ServiceMonitor on /metrics', () => {
  for (const k of ['overlays/embedded', 'overlays/scale-out']) {
    const sts = find(k, 'StatefulSet', 'e2e-o11y-hub');
    const hub = podSpecOf(sts).containers.find((c: Container) => c.name === 'hub') as Container;
    assert.deepEqual(hub.livenessProbe.httpGet, { path: '/healthz', port: 'console' });
    assert.deepEqual(hub.readinessProbe.httpGet, { path: '/readyz', port: 'console' });
    assert.deepEqual(hub.ports?.map((p) => [p.name, p.containerPort]), [['otlp-http', 4318], ['console', 3000]]);
    for (const [name, key] of [['E2E_ADMIN_TOKEN', 'admin-token'], ['E2E_MASTER_KEY', 'master-key']]) {
      assert.deepEqual(hub.env?.find((e) => e.name === name)?.valueFrom, { secretKeyRef: { name: 'e2e-o11y-hub', key } });
    }
    assert.ok(hub.volumeMounts?.some((m) => m.name === 'data' && m.mountPath === '/data'));
    assert.equal(sts.spec.volumeClaimTemplates[0].metadata.name, 'data');
    const config = parseYaml(find(k, 'ConfigMap', 'e2e-o11y-hub-config').data['hub.yaml']);
    assert.equal(config.dataDir, '/data');
    assert.equal(config.console.host, '0.0.0.0', 'probes reach the console on the pod IP');
    const svc = find(k, 'Service', 'e2e-o11y-hub');
    assert.deepEqual(svc.spec.ports.map((p: any) => p.port), [4318, 3000]);
    const sm = find(k, 'ServiceMonitor', 'e2e-o11y-hub');
    assert.deepEqual(sm.spec.endpoints.map((e: any) => [e.port, e.path]), [['console', '/metrics']]);
    const monitored = objectsOf(k).filter((o) => o.kind === 'Service' && Object.entries(sm.spec.selector.matchLabels).every(([key, v]) => o.metadata.labels?.[key] === v));
    assert.deepEqual(monitored.map(objectId), ['Service/e2e-o11y-hub'], 'scraped through one Service, not twice');
    find(k, 'PodDisruptionBudget', 'e2e-o11y-hub');
  }
});

test('embedded overlay: one replica with the embedded store; scale-out: three replicas, Redis, Tempo/Loki/Mimir, no store', () => {
  const embedded = parseYaml(find('overlays/embedded', 'ConfigMap', 'e2e-o11y-hub-config').data['hub.yaml']);
  assert.equal(find('overlays/embedded', 'StatefulSet', 'e2e-o11y-hub').spec.replicas, 1);
  assert.equal(embedded.exporters.embedded.enabled, true);
  assert.equal(embedded.limits.store, 'memory');

  const scaleOut = parseYaml(find('overlays/scale-out', 'ConfigMap', 'e2e-o11y-hub-config').data['hub.yaml']);
  assert.equal(find('overlays/scale-out', 'StatefulSet', 'e2e-o11y-hub').spec.replicas, 3);
  assert.equal(scaleOut.exporters.embedded.enabled, false);
  assert.deepEqual(scaleOut.exporters.otlp.map((e: any) => e.name).sort(), ['loki', 'mimir', 'tempo']);
  const redis = new URL(scaleOut.limits.store);
  const redisService = find('overlays/scale-out', 'Service', redis.hostname);
  assert.equal(redisService.spec.ports[0].port, Number(redis.port));
});

test('agent: a DaemonSet scraping its node through file_sd, and a Deployment variant', () => {
  const ds = find('agent/daemonset', 'DaemonSet', 'e2e-o11y-agent');
  const init = podSpecOf(ds).initContainers[0] as Container;
  assert.deepEqual(init.env?.find((e) => e.name === 'NODE_IP')?.valueFrom, { fieldRef: { fieldPath: 'status.hostIP' } });
  const config = parseYaml(find('agent/daemonset', 'ConfigMap', 'e2e-o11y-agent-config').data['agent.yaml']);
  assert.deepEqual(config.receivers.prometheus.fileSd, ['/etc/e2e-o11y/targets/node.json']);
  assert.equal(find('agent/daemonset', 'Service', 'e2e-o11y-agent').spec.internalTrafficPolicy, 'Local');
  assert.equal(find('agent/deployment', 'Deployment', 'e2e-o11y-agent-gateway').spec.replicas, 2);
});

test('a typo in a manifest is caught: unknown fields and schema violations', () => {
  const sts = structuredClone(find('overlays/embedded', 'StatefulSet', 'e2e-o11y-hub'));
  podSpecOf(sts).containers[0].readinesProbe = podSpecOf(sts).containers[0].readinessProbe;
  assert.deepEqual(validateObject(sts), ['spec.template.spec.containers.0.readinesProbe: unknown field']);
  const svc = structuredClone(find('overlays/embedded', 'Service', 'e2e-o11y-hub'));
  svc.spec.ports[0].port = '4318x';
  assert.match(validateObject(svc).join('\n'), /ports\/0\/port must be integer/);
});
