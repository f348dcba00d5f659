/**
 * The https variant of my-nginx from "Connecting Applications with Services": a key and a
 * self-signed certificate made fresh for every run (never the tutorial's printed key), the
 * Secret `nginxsecret`, the ConfigMap `nginxconfigmap` holding nginx's default.conf, and the
 * Deployment mounting both. nginx (ours and the public image) reads /etc/nginx/conf.d/*.conf.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { runOnce } from '../../clusters/docker.ts';
import type { KObject } from '../probes/kube.ts';
import { MY_NGINX, myNginxDeployment } from './my-nginx.ts';
import type { ServicePort } from './workloads.ts';

export const NGINX_HTTPS = {
  secret: 'nginxsecret',
  configMap: 'nginxconfigmap',
  /** Where nginx and the curl pod mount the Secret. */
  certDir: '/etc/nginx/ssl',
  httpsPort: 443,
  /** The tutorial's Service: 8080 -> 80 (http) and 443 -> 443 (https). */
  httpServicePort: 8080,
  keyBits: 2048,
  validDays: 1,
} as const;

/** The tutorial's default.conf: http on 80, https on 443 with the Secret's key and certificate. */
export const HTTPS_DEFAULT_CONF = `server {
    listen 80 default_server;
    listen 443 ssl;
    root /usr/share/nginx/html;
    index index.html;
    server_name localhost;
    ssl_certificate ${NGINX_HTTPS.certDir}/tls.crt;
    ssl_certificate_key ${NGINX_HTTPS.certDir}/tls.key;
    location / {
        try_files $uri $uri/ =404;
    }
}
`;

export interface GeneratedCert {
  keyPem: string;
  certPem: string;
  subject: string;
  subjectAltName: string;
  fingerprint256: string;
  validTo: string;
  /** How it was made (the openssl command line, without the key). */
  how: string;
}

/** The DNS names the certificate must cover for `https://my-nginx` from inside `ns`. */
export function serviceDnsNames(name: string, ns: string): string[] {
  return [name, `${name}.${ns}`, `${name}.${ns}.svc`, `${name}.${ns}.svc.cluster.local`];
}

/** A fresh RSA key and self-signed certificate (CN = `cn`, SAN = `dnsNames`) made with openssl. */
export async function generateCert(cn: string, dnsNames: readonly string[], toolsImage: string): Promise<GeneratedCert> {
  const args = [
    'req', '-x509', '-nodes', '-newkey', `rsa:${NGINX_HTTPS.keyBits}`, '-days', String(NGINX_HTTPS.validDays),
    '-subj', `/CN=${cn}/O=${cn}`, '-addext', `subjectAltName=${dnsNames.map((d) => `DNS:${d}`).join(',')}`,
  ];
  const dir = await mkdtemp(path.join(tmpdir(), 'kpc-cert-'));
  try {
    let how = `openssl ${args.join(' ')} -keyout tls.key -out tls.crt`;
    const host = await execa('openssl', [...args, '-keyout', path.join(dir, 'tls.key'), '-out', path.join(dir, 'tls.crt')], { reject: false });
    let keyPem: string;
    let certPem: string;
    if (host.exitCode === 0) {
      keyPem = await readFile(path.join(dir, 'tls.key'), 'utf8');
      certPem = await readFile(path.join(dir, 'tls.crt'), 'utf8');
    } else {
      // No usable openssl on this host: the tools image has one.
      const sep = '--KPC-CERT--';
      const r = await runOnce(toolsImage, `openssl ${args.map(shellQuote).join(' ')} -keyout /tmp/k -out /tmp/c >/dev/null 2>&1 && cat /tmp/k && echo ${sep} && cat /tmp/c`);
      if (r.exitCode !== 0) throw new Error(`openssl failed on the host (${host.stderr || host.exitCode}) and in ${toolsImage} (${r.stderr})`);
      [keyPem = '', certPem = ''] = r.stdout.split(`${sep}\n`);
      how = `docker run ${toolsImage} ${how}`;
    }
    const x = new X509Certificate(certPem);
    return { keyPem, certPem, subject: x.subject, subjectAltName: x.subjectAltName ?? '', fingerprint256: x.fingerprint256, validTo: x.validTo, how };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function tlsSecret(ns: string, cert: GeneratedCert): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: NGINX_HTTPS.secret, namespace: ns },
    type: 'kubernetes.io/tls',
    stringData: { 'tls.crt': cert.certPem, 'tls.key': cert.keyPem },
  };
}

export function nginxConfigMap(ns: string): KObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: NGINX_HTTPS.configMap, namespace: ns }, data: { 'default.conf': HTTPS_DEFAULT_CONF } };
}

export const SECRET_VOLUME = { name: 'secret-volume', secret: { secretName: NGINX_HTTPS.secret } };
export const SECRET_MOUNT = { name: 'secret-volume', mountPath: NGINX_HTTPS.certDir, readOnly: true };

/** nginx-secure-app.yaml's Service ports: 8080 -> 80 (http) and 443 -> 443 (https). */
export const HTTPS_SERVICE_PORTS: ServicePort[] = [
  { name: 'http', port: NGINX_HTTPS.httpServicePort, targetPort: MY_NGINX.containerPort },
  { name: 'https', port: NGINX_HTTPS.httpsPort, targetPort: NGINX_HTTPS.httpsPort },
];

/** nginx-secure-app.yaml: my-nginx mounting the Secret and the ConfigMap (readiness on http :80). */
export function myNginxHttpsDeployment(ns: string, image: string): KObject {
  return myNginxDeployment(ns, image, MY_NGINX.replicas, {
    volumes: [SECRET_VOLUME, { name: 'configmap-volume', configMap: { name: NGINX_HTTPS.configMap } }],
    volumeMounts: [SECRET_MOUNT, { name: 'configmap-volume', mountPath: '/etc/nginx/conf.d', readOnly: true }],
  });
}
