/**
 * The docker calls the harness makes about kind nodes and the kind network (one module, so
 * behaviour such as time-outs and parsing is the same everywhere). Build-time docker calls
 * stay with the build steps.
 */
import { execa } from 'execa';
import { engineExec, engineSocket } from './docker-engine.ts';

export interface DockerExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  durationMs: number;
}

let execRefused: string | undefined;

/**
 * From now on every `dockerExec` in this process throws with `reason`: a column whose node
 * access goes through the Kubernetes API sets it, so a stray docker exec into a node fails
 * loudly instead of quietly using the kind-only path.
 */
export function refuseDockerExec(reason: string | undefined): void {
  execRefused = reason;
}

/** `docker exec` with a time-out (through the engine's socket when local, docker-engine.ts); a non-zero exit is returned, a time-out throws. */
export async function dockerExec(container: string, cmd: string[], timeoutMs: number): Promise<DockerExecResult> {
  if (execRefused !== undefined) throw new Error(`docker exec ${container} refused: ${execRefused} (${cmd.join(' ')})`);
  const start = Date.now();
  const socket = engineSocket();
  if (socket) return { ...(await engineExec(socket, container, cmd, timeoutMs)), durationMs: Date.now() - start };
  const r = await execa('docker', ['exec', container, ...cmd], { reject: false, timeout: timeoutMs, stripFinalNewline: false });
  if (r.timedOut) throw new Error(`docker exec ${container} timed out after ${timeoutMs} ms: ${cmd.join(' ')}`);
  return { stdout: r.stdout ?? '', stderr: r.stderr ?? '', exitCode: r.exitCode ?? -1, durationMs: Date.now() - start };
}

/** Whether a container runs; any failure of the docker call reads as "no" (containerRunningStrict throws instead). */
export async function containerRunning(name: string): Promise<boolean> {
  return containerRunningStrict(name).catch(() => false);
}

/**
 * Whether a container runs, for decisions that destroy something (a kind cluster whose nodes
 * are not running is deleted and made afresh): unlike containerRunning, a docker call that
 * failed for another reason than a missing container (the engine not answering, the call killed
 * by a signal while the run shuts down) throws instead of reading as "not running". A run
 * interrupted at that moment once deleted its warm cluster and was killed while making a new one.
 */
export async function containerRunningStrict(name: string): Promise<boolean> {
  const r = await execa('docker', ['inspect', '--type', 'container', '--format', '{{.State.Running}}', name], { reject: false });
  if (r.exitCode === 0) return r.stdout.trim() === 'true';
  if (r.exitCode === 1 && /no such (container|object)/i.test(r.stderr)) return false;
  throw new Error(`docker inspect ${name} failed (${r.signal ? `signal ${r.signal}` : `exit ${r.exitCode ?? '?'}`}): ${String(r.stderr || r.message || '').trim().slice(0, 300)}`);
}

/** The first Docker network a container sits on, with its IPv4 subnet. */
export async function networkOf(container: string): Promise<{ name: string; subnet: string } | undefined> {
  const r = await execa('docker', ['inspect', '--format', '{{json .NetworkSettings.Networks}}', container], { reject: false });
  if (r.exitCode !== 0) return undefined;
  const nets = JSON.parse(r.stdout) as Record<string, unknown>;
  const name = Object.keys(nets)[0];
  if (!name) return undefined;
  const n = await execa('docker', ['network', 'inspect', '--format', '{{json .IPAM.Config}}', name], { reject: false });
  const cfg = n.exitCode === 0 ? (JSON.parse(n.stdout) as { Subnet?: string }[]) : [];
  const subnet = cfg.map((c) => c.Subnet ?? '').find((s) => /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(s)) ?? '';
  return { name, subnet };
}

/** A container's addresses on one network: IPv4, and IPv6 when the network has an IPv6 subnet. */
export async function containerAddresses(container: string, network: string): Promise<{ ipv4: string; ipv6: string }> {
  const r = await execa('docker', ['inspect', '--format', '{{json .NetworkSettings.Networks}}', container], { reject: false });
  if (r.exitCode !== 0) throw new Error(`docker inspect ${container}: ${r.stderr}`);
  const net = (JSON.parse(r.stdout) as Record<string, { IPAddress?: string; GlobalIPv6Address?: string }>)[network];
  return { ipv4: net?.IPAddress ?? '', ipv6: net?.GlobalIPv6Address ?? '' };
}

/** Addresses Docker has handed out on a network (nodes, outside clients, anything else). */
export async function networkAddresses(network: string): Promise<string[]> {
  const r = await execa('docker', ['network', 'inspect', '--format', '{{json .Containers}}', network], { reject: false });
  if (r.exitCode !== 0) throw new Error(`docker network inspect ${network}: ${r.stderr}`);
  const containers = JSON.parse(r.stdout || '{}') as Record<string, { IPv4Address?: string }>;
  return Object.values(containers)
    .map((c) => (c.IPv4Address ?? '').split('/')[0] ?? '')
    .filter(Boolean);
}

/** Runs `sh -c script` once in a throwaway container of `image` (e.g. openssl from the tools image). */
export async function runOnce(image: string, script: string): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  const r = await execa('docker', ['run', '--rm', '--entrypoint', 'sh', image, '-c', script], { reject: false });
  return { stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), exitCode: r.exitCode ?? -1 };
}
