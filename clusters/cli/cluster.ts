/**
 * npm run cluster -- create --proxy-mode iptables|nftables|ipvs|cilium [--name N] [--workers 2]
 *                          [--masquerade-all] [--ip-family ipv4|dual] [--image REF] [--no-metallb] [--keep-on-failure]
 * npm run cluster -- delete --name N
 * npm run cluster -- list [--json]
 * npm run cluster -- kubeconfig --name N      (prints the kubeconfig path)
 *
 * Exit codes: 0 ok, 1 failure, 2 usage, 3 cluster exists, 4 unsupported on this host, 130 interrupted.
 */
import { parseArgs } from 'node:util';
import {
  ClusterExists,
  CreateAborted,
  DEFAULT_NAME,
  UnsupportedHere,
  createCluster,
  deleteCluster,
  getKubeconfig,
  isProxyMode,
  listClusters,
  PROXY_MODES,
  type ClusterInfo,
} from '../cluster.ts';

const USAGE = `usage:
  npm run cluster -- create --proxy-mode ${PROXY_MODES.join('|')}|cilium [--name ${DEFAULT_NAME}] [--workers 2] [--masquerade-all] [--ip-family ipv4|dual] [--image REF] [--no-metallb] [--keep-on-failure]
  npm run cluster -- delete --name NAME
  npm run cluster -- list [--json]
  npm run cluster -- kubeconfig --name NAME`;

class Usage extends Error {}

export function parseCli(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'proxy-mode': { type: 'string' },
      name: { type: 'string' },
      workers: { type: 'string' },
      'masquerade-all': { type: 'boolean', default: false },
      'ip-family': { type: 'string' },
      image: { type: 'string' },
      'no-metallb': { type: 'boolean', default: false },
      'keep-on-failure': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help) return { command: 'help' as const };
  if (rest.length) throw new Usage(`unexpected arguments: ${rest.join(' ')}`);
  switch (command) {
    case 'create': {
      const mode = values['proxy-mode'];
      if (!mode) throw new Usage('create needs --proxy-mode');
      if (!isProxyMode(mode) && mode !== 'cilium') throw new Usage(`--proxy-mode must be one of ${[...PROXY_MODES, 'cilium'].join(', ')}, not "${mode}"`);
      const workers = values.workers === undefined ? 2 : Number(values.workers);
      if (!Number.isInteger(workers) || workers < 0) throw new Usage(`--workers must be a whole number, not "${values.workers}"`);
      const ipFamily = values['ip-family'] ?? 'ipv4';
      if (ipFamily !== 'ipv4' && ipFamily !== 'dual') throw new Usage(`--ip-family must be ipv4 or dual, not "${ipFamily}"`);
      return {
        command,
        name: values.name ?? DEFAULT_NAME,
        // cilium: no kube-proxy, Cilium as CNI and Service proxy (clusters/cilium/)
        ...(mode === 'cilium' ? { proxyMode: 'none' as const, replacement: 'cilium' as const } : { proxyMode: mode }),
        workers,
        masqueradeAll: values['masquerade-all'],
        ipFamily,
        image: values.image,
        metallb: !values['no-metallb'],
        keepOnFailure: values['keep-on-failure'],
      } as const;
    }
    case 'delete':
    case 'kubeconfig':
      if (!values.name) throw new Usage(`${command} needs --name`);
      return { command, name: values.name } as const;
    case 'list':
      return { command, json: values.json } as const;
    default:
      throw new Usage(command ? `unknown command "${command}"` : 'no command given');
  }
}

function printList(list: ClusterInfo[]): void {
  if (list.length === 0) {
    console.log('no kind clusters');
    return;
  }
  for (const c of list) {
    const lb = c.metallb ? `metallb ${c.metallb.range}` : 'no LB';
    console.log(`${c.name}\t${c.replacement ? `${c.replacement} (no kube-proxy)` : `kube-proxy ${c.proxyMode}`}\t${c.nodes.length} nodes\t${c.network.name} ${c.network.subnet}\t${lb}\t${c.kubeconfig}`);
    for (const n of c.nodes) console.log(`  ${n.name}\t${n.role}\t${n.ip}`);
  }
}

async function main(): Promise<number> {
  let cmd;
  try {
    cmd = parseCli(process.argv.slice(2));
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  switch (cmd.command) {
    case 'help':
      console.log(USAGE);
      return 0;
    case 'list': {
      const list = await listClusters();
      if (cmd.json) console.log(JSON.stringify(list, null, 2));
      else printList(list);
      return 0;
    }
    case 'kubeconfig':
      console.log(await getKubeconfig(cmd.name));
      return 0;
    case 'delete': {
      const existed = await deleteCluster(cmd.name);
      console.log(existed ? `deleted cluster "${cmd.name}"` : `no cluster "${cmd.name}" (nothing to delete)`);
      return 0;
    }
    case 'create': {
      const ac = new AbortController();
      let interrupts = 0;
      const onSignal = (sig: string) => {
        interrupts += 1;
        if (interrupts === 1) {
          console.error(`\n${sig}: stopping and deleting the half-made cluster "${cmd.name}" (this takes a few seconds)`);
          ac.abort();
        } else {
          console.error(`${sig}: still cleaning up, please wait`);
        }
      };
      process.on('SIGINT', () => onSignal('SIGINT'));
      process.on('SIGTERM', () => onSignal('SIGTERM'));
      try {
        const info = await createCluster({ ...cmd, image: cmd.image, signal: ac.signal, log: (l) => console.log(l) });
        console.log(`\ncluster "${info.name}" is ready (${info.createSeconds}s)`);
        console.log(info.replacement ? `  proxy:      ${info.replacement} (no kube-proxy)` : `  kube-proxy: ${info.proxyMode}${info.masqueradeAll ? ' (masqueradeAll)' : ''}${info.ipFamily === 'dual' ? ', dual-stack' : ''}`);
        console.log(`  network:    ${info.network.name} ${info.network.subnet}`);
        for (const n of info.nodes) console.log(`  node:       ${n.name} ${n.role} ${n.ip}${info.ipFamily === 'dual' && n.ipv6 ? ` ${n.ipv6}` : ''}`);
        if (info.metallb) console.log(`  MetalLB:    ${info.metallb.range}`);
        console.log(`  kubectl --kubeconfig ${info.kubeconfig} get nodes`);
        return 0;
      } catch (e) {
        if (e instanceof ClusterExists) {
          console.error(e.message);
          return 3;
        }
        if (e instanceof UnsupportedHere) {
          console.error(`cannot create "${cmd.name}" on this host: ${e.message} (nothing was created)`);
          return 4;
        }
        if (e instanceof CreateAborted) {
          console.error(e.message);
          return 130;
        }
        throw e;
      }
    }
  }
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      const err = e as { shortMessage?: string; message?: string; stderr?: unknown; all?: unknown };
      console.error(`error: ${err.shortMessage ?? err.message ?? String(e)}`);
      const detail = String(err.all ?? err.stderr ?? '').trim();
      if (detail) console.error(detail.split('\n').slice(-25).join('\n'));
      process.exit(1);
    },
  );
}
