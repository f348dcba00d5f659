/**
 * kubectl's printed forms, drawn from API objects the harness read: the replay talks to the
 * API server like the cases do (no kubectl binary needed) and prints what `kubectl get` and
 * friends would, so the page's output and ours line up. Pure: unit-tested.
 */
import type * as k8s from '@kubernetes/client-node';

/** kubectl's column layout: left-aligned, three blanks between columns. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd((widths[i] ?? 0) + 3))).join('').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** kubectl's short ages: 51s, 3m12s, 5m, 2h, 20h, 3d. */
export function age(created: Date | string | undefined, now: Date = new Date()): string {
  if (!created) return '<unknown>';
  const s = Math.max(0, Math.floor((now.getTime() - new Date(created).getTime()) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 ? `${m}m${s % 60}s` : `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 3) return `${m}m`;
  if (h < 8) return m % 60 ? `${h}h${m % 60}m` : `${h}h`;
  if (h < 48) return `${h}h`;
  return `${Math.floor(h / 24)}d`;
}

export function servicePorts(svc: k8s.V1Service): string {
  return (svc.spec?.ports ?? []).map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(',');
}

export function externalIp(svc: k8s.V1Service): string {
  const ingress = (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? i.hostname ?? '').filter(Boolean);
  const external = svc.spec?.externalIPs ?? [];
  if (svc.spec?.type === 'LoadBalancer') return [...ingress, ...external].join(',') || '<pending>';
  return external.join(',') || '<none>';
}

/** `kubectl get svc NAME...` */
export function getServices(svcs: readonly k8s.V1Service[], now?: Date): string {
  return table(
    ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE'],
    svcs.map((s) => [s.metadata?.name ?? '', s.spec?.type ?? 'ClusterIP', s.spec?.clusterIP ?? '', externalIp(s), servicePorts(s), age(s.metadata?.creationTimestamp, now)]),
  );
}

/** `kubectl get pods -o wide` (without the nominated-node and readiness-gate columns the pages cut). */
export function getPodsWide(pods: readonly k8s.V1Pod[], now?: Date): string {
  return table(
    ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE'],
    pods.map((p) => {
      const cs = p.status?.containerStatuses ?? [];
      const ready = `${cs.filter((c) => c.ready).length}/${p.spec?.containers.length ?? cs.length}`;
      const restarts = String(cs.reduce((n, c) => n + (c.restartCount ?? 0), 0));
      const status = p.metadata?.deletionTimestamp ? 'Terminating' : (p.status?.phase ?? 'Unknown');
      return [p.metadata?.name ?? '', ready, status, restarts, age(p.metadata?.creationTimestamp, now), p.status?.podIP ?? '<none>', p.spec?.nodeName ?? '<none>'];
    }),
  );
}

/** `kubectl get nodes` */
export function getNodes(nodes: readonly k8s.V1Node[], now?: Date): string {
  return table(
    ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION'],
    nodes.map((n) => {
      const ready = n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' ? 'Ready' : 'NotReady';
      const roles = Object.keys(n.metadata?.labels ?? {}).filter((l) => l.startsWith('node-role.kubernetes.io/')).map((l) => l.slice('node-role.kubernetes.io/'.length)).join(',') || '<none>';
      return [n.metadata?.name ?? '', ready, roles, age(n.metadata?.creationTimestamp, now), n.status?.nodeInfo?.kubeletVersion ?? ''];
    }),
  );
}

/** What kubectl prints after creating, exposing, patching or deleting an object. */
export function done(kind: string, name: string, verb: 'created' | 'exposed' | 'patched' | 'configured' | 'scaled'): string {
  return `${kind}/${name} ${verb}`;
}

export function deleted(kind: string, name: string): string {
  return `${kind} "${name}" deleted`;
}
