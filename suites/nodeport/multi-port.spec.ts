import { deployApp } from '../../harness/apps/deploy.ts';
import { defineCase } from '../../harness/run/case.ts';
import { ANSWERS, type ExpectationTable } from '../../harness/judge/expectations.ts';
import { nodeRole } from '../../harness/apps/roles.ts';
import { MY_NGINX } from '../../harness/apps/my-nginx.ts';
import { HTTPS_SERVICE_PORTS, NGINX_HTTPS, generateCert, myNginxHttpsDeployment, nginxConfigMap, serviceDnsNames, tlsSecret } from '../../harness/apps/nginx-https.ts';
import { answered, curl } from '../../harness/probes/curl.ts';
import { probeRows } from '../../harness/judge/scenarios.ts';
import { SOURCES } from '../../harness/apps/sources.ts';

/** Both ports of a two-port NodePort Service answer on every node. */
const EXPECT: ExpectationTable<'http' | 'https'> = { rows: { http: ANSWERS, https: ANSWERS } };
const CA_PATH = '/tmp/kpc-my-nginx-ca.pem';

/** Catches: only the first port of a multi-port Service programmed; ports swapped; NodePorts missing on some nodes. */
defineCase({
  id: 'nodeport/multi-port',
  title: 'Type=NodePort with two ports (http and https, the tutorial\'s nginx-secure-app) answers on every node, TLS verified',
  source: SOURCES.connectingApps,
  needs: ['outside-client'],
  async run(ctx) {
    const cert = await ctx.step('generate a key and a self-signed certificate for my-nginx', () => generateCert(MY_NGINX.name, serviceDnsNames(MY_NGINX.name, ctx.ns), ctx.images.tools));
    await ctx.step(`create Secret ${NGINX_HTTPS.secret} and ConfigMap ${NGINX_HTTPS.configMap}`, () => ctx.apply([tlsSecret(ctx.ns, cert), nginxConfigMap(ctx.ns)]));
    const app = await deployApp(ctx, myNginxHttpsDeployment(ctx.ns, ctx.images.nginx), MY_NGINX.selector, MY_NGINX.replicas, {
      name: MY_NGINX.name,
      selector: { ...MY_NGINX.labels },
      type: 'NodePort',
      ports: HTTPS_SERVICE_PORTS,
    });
    const port = (name: string) => {
      const p = app.svc.ports.find((x) => x.name === name)?.nodePort;
      if (!p) throw new Error(`Service port ${name} got no nodePort`);
      return p;
    };
    const httpPort = port('http');
    const httpsPort = port('https');
    const outside = await ctx.step('start the outside client', () => ctx.outside());
    await ctx.step('give the outside client the CA certificate', async () => {
      const r = await outside.run(['sh', '-c', `printf '%s' '${cert.certPem}' > ${CA_PATH}`], 10_000);
      if (r.exitCode !== 0) throw new Error(`writing ${CA_PATH} failed: ${r.stderr}`);
    });
    const endpointNodes = app.pods.map((p) => p.node);
    const paths = ctx.cluster.nodes.flatMap((n) => [
      { node: n, row: 'http' as const, url: `http://${n.ip}:${httpPort}/`, args: [] as string[] },
      // Verify the certificate: the name must match, so resolve my-nginx to the node.
      { node: n, row: 'https' as const, url: `https://${MY_NGINX.name}:${httpsPort}/`, args: ['--cacert', CA_PATH, '--resolve', `${MY_NGINX.name}:${httpsPort}:${n.ip}`] },
    ]);
    await probeRows(
      ctx,
      paths.map((p) => ({
        key: `outside -> ${nodeRole(p.node.name, endpointNodes)} : ${p.row} nodePort`,
        from: outside,
        url: p.url,
        curlArgs: p.args,
        via: p.node.name,
        expectation: ctx.expectation(EXPECT, p.row),
        expected: `HTTP 200${p.row === 'https' ? ', certificate verified' : ''}`,
      })),
      (r, p) => ({ key: p.key, expected: p.expected ?? '', observedEcho: `exit ${r.exit}, HTTP ${r.httpCode ?? '-'}`, verdict: answered(r) && r.httpCode === 200 ? 'ok' : 'mismatch' }),
    );
    // The https port really is TLS: plain http to it must not get a 200.
    const plain = await ctx.step('plain http to the https nodePort (must not be served as http)', () => curl(outside, `http://${ctx.cluster.nodes[0]?.ip}:${httpsPort}/`));
    ctx.rec.check({ key: 'outside -> a node : https nodePort spoken to as plain http', expected: 'not HTTP 200 (the port speaks TLS)', observedEcho: `exit ${plain.exit}, HTTP ${plain.httpCode ?? '-'}`, verdict: plain.httpCode === 200 ? 'mismatch' : 'ok' });
  },
});
