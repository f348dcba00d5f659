import { attachServiceRules, deployApp } from '../../harness/apps/deploy.ts';
import { defineCase } from '../../harness/run/case.ts';
import { CURL, describeCurlExit } from '../../harness/probes/curl-codes.ts';
import { ANSWERS } from '../../harness/judge/expectations.ts';
import { MY_NGINX, startNamespaceCurl } from '../../harness/apps/my-nginx.ts';
import {
  HTTPS_SERVICE_PORTS, NGINX_HTTPS, SECRET_MOUNT, SECRET_VOLUME, generateCert, myNginxHttpsDeployment, nginxConfigMap, serviceDnsNames, tlsSecret,
} from '../../harness/apps/nginx-https.ts';
import { probeRow } from '../../harness/judge/scenarios.ts';
import { SOURCES } from '../../harness/apps/sources.ts';

const CA_FILE = `${NGINX_HTTPS.certDir}/tls.crt`;

/** Every mode: the curl exit each request must end with. Without --cacert the self-signed certificate must be refused. */
const EXPECT_EXIT = {
  'with --cacert': CURL.OK,
  'without --cacert': CURL.PEER_FAILED_VERIFICATION,
} as const;
type Row = keyof typeof EXPECT_EXIT;
const CURL_ARGS: Record<Row, string[]> = { 'with --cacert': ['--cacert', CA_FILE], 'without --cacert': [] };

/** Catches: a Service port not forwarded as-is (TLS to my-nginx must verify end to end through the ClusterIP). */
defineCase({
  id: 'connecting-apps/https',
  title: 'https://my-nginx verifies with the per-run certificate (--cacert) and is refused without it (curl exit 60)',
  source: SOURCES.connectingApps,
  async run(ctx) {
    const names = serviceDnsNames(MY_NGINX.name, ctx.ns);
    const cert = await ctx.step(`generate a key and a self-signed certificate for ${names.join(', ')}`, () => generateCert(MY_NGINX.name, names, ctx.images.tools));
    await ctx.rec.text('text', 'certificate made for this run (the key stays in the Secret)', `made with: ${cert.how}\nsubject: ${cert.subject}\nsubjectAltName: ${cert.subjectAltName}\nSHA-256: ${cert.fingerprint256}\nvalid to: ${cert.validTo}\n\n${cert.certPem}`);
    await ctx.step(`create Secret ${NGINX_HTTPS.secret} and ConfigMap ${NGINX_HTTPS.configMap}`, () => ctx.apply([tlsSecret(ctx.ns, cert), nginxConfigMap(ctx.ns)]));
    await deployApp(ctx, myNginxHttpsDeployment(ctx.ns, ctx.images.nginx), MY_NGINX.selector, MY_NGINX.replicas, {
      name: MY_NGINX.name,
      selector: { ...MY_NGINX.labels },
      type: 'NodePort',
      ports: HTTPS_SERVICE_PORTS,
    });
    const pod = await ctx.step(`start a curl pod with ${NGINX_HTTPS.secret} mounted at ${NGINX_HTTPS.certDir}`, () =>
      startNamespaceCurl(ctx, { name: 'curl', volumes: [SECRET_VOLUME], volumeMounts: [SECRET_MOUNT] }),
    );
    const url = `https://${MY_NGINX.name}/`;
    // The verified request first (it converges while the proxy programs the Service), then the
    // unverified one: both go through the Service, every attempt judged by its curl exit.
    for (const row of Object.keys(EXPECT_EXIT) as Row[]) {
      const want = EXPECT_EXIT[row];
      const expected = `exit ${describeCurlExit(want)}${want === CURL.OK ? ', HTTP 200' : ''}`;
      const key = `pod in the namespace -> https Service ${row}`;
      await probeRow(ctx, { key, from: pod, url, curlArgs: CURL_ARGS[row], expectation: ANSWERS, expected, converged: (c) => c.exitCode === want }, (res) => ({
        key,
        expected,
        observedEcho: `exit ${res.exit}, HTTP ${res.httpCode ?? '-'}${res.stderr ? `; ${res.stderr.split('\n')[0]}` : ''}`,
        verdict: res.exitCode === want && (want !== CURL.OK || res.httpCode === 200) ? 'ok' : 'mismatch',
        // Refusing a certificate nobody vouches for is curl's and nginx's business, not the proxy's.
        ...(want !== CURL.OK ? { proxyIndependent: true } : {}),
      }));
    }
    await attachServiceRules(ctx, MY_NGINX.name, pod.node);
  },
});
