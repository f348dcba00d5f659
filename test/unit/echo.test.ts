import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseEcho, type EchoReply } from '../../harness/probes/echo.ts';

const dir = new URL('../fixtures/echo/', import.meta.url);
const fixture = (name: string): string => readFileSync(new URL(name, dir), 'utf8');

/** curl's `-w` view of the connection, stored next to each real reply. */
function curlView(name: string): Record<string, string> {
  return Object.fromEntries(
    fixture(name)
      .trim()
      .split('\n')
      .map((l) => l.split('=', 2) as [string, string]),
  );
}

function parsed(text: string): EchoReply {
  const r = parseEcho(text);
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r.value;
}

test('our echoserver, GET over IPv4: client address and port are what curl used', () => {
  const reply = parsed(fixture('kpc-get.txt'));
  const curl = curlView('kpc-get.curl');
  assert.equal(reply.layout, 'kpc');
  assert.equal(reply.client.address, curl['local_ip']);
  assert.equal(reply.client.port, Number(curl['local_port']));
  assert.equal(reply.server.address, `${curl['remote_ip']}:${curl['remote_port']}`);
  assert.deepEqual(reply.pod, {
    name: 'source-ip-app-7d4b9c6f5-x2x8q',
    namespace: 'source-ip',
    ip: '10.99.0.2',
    node: 'kind-worker2',
  });
  assert.equal(reply.hostname, 'source-ip-app-7d4b9c6f5-x2x8q');
  assert.deepEqual(
    { method: reply.client.method, realPath: reply.client.realPath, query: reply.client.query, v: reply.client.requestVersion },
    { method: 'GET', realPath: '/', query: '', v: '1.1' },
  );
  assert.equal(reply.client.requestUri, 'http://10.99.0.2:9090/');
  assert.match(reply.server.version ?? '', /^kpc-echoserver\//);
  assert.equal(reply.headers['host'], '10.99.0.2:9090');
  assert.match(reply.headers['user-agent'] ?? '', /^curl\//);
  assert.equal(reply.body, undefined);
});

test('our echoserver: query string, extra headers, values containing "="', () => {
  const reply = parsed(fixture('kpc-query-headers.txt'));
  assert.equal(reply.client.port, Number(curlView('kpc-query-headers.curl')['local_port']));
  assert.equal(reply.client.realPath, '/some/path');
  assert.equal(reply.client.query, 'x=1&y=two%20words');
  assert.equal(reply.client.requestUri, 'http://10.99.0.2:9090/some/path?x=1&y=two%20words');
  assert.equal(reply.headers['x-kpc-case'], 'source-ip/clusterip-preserves-pod-ip');
  assert.equal(reply.headers['cookie'], 'a=b=c');
});

test('our echoserver over IPv6 with a body that imitates the reply: the body is only body', () => {
  const reply = parsed(fixture('kpc-post-ipv6.txt'));
  const curl = curlView('kpc-post-ipv6.curl');
  assert.equal(reply.client.address, 'fd99::1');
  assert.equal(reply.client.address, curl['local_ip']);
  assert.equal(reply.client.port, Number(curl['local_port']));
  assert.equal(reply.client.method, 'POST');
  assert.equal(reply.server.address, '[fd99::2]:9090');
  assert.equal(reply.body, 'line one\nCLIENT VALUES:\nclient_address=6.6.6.6');
  assert.equal(reply.headers['content-length'], '46');
});

test('CRLF line ends read the same', () => {
  const lf = fixture('kpc-query-headers.txt');
  assert.deepEqual(parsed(lf.replace(/\n/g, '\r\n')), parsed(lf));
});

test('Uint8Array input (a raw response body) is accepted', () => {
  const text = fixture('kpc-get.txt');
  const r = parseEcho(new TextEncoder().encode(text));
  assert.ok(r.ok);
  assert.deepEqual(r.value, parsed(text));
});

test('echoserver:1.10 layout with pod information', () => {
  const reply = parsed(fixture('echoserver-1.10-pod-info.txt'));
  assert.equal(reply.layout, 'echoserver-1.10');
  assert.equal(reply.hostname, 'source-ip-app-6d8c7b5f4-q9zjw');
  assert.deepEqual(reply.pod, { name: 'source-ip-app-6d8c7b5f4-q9zjw', namespace: 'source-ip', ip: '10.244.1.4', node: 'kind-worker' });
  assert.deepEqual(reply.client, {
    address: '10.244.2.3',
    method: 'GET',
    realPath: '/',
    query: '',
    requestVersion: '1.1',
    requestScheme: 'http',
    requestUri: 'http://10.96.117.20:8080/',
  });
  assert.equal(reply.server.version, 'nginx: 1.13.3 - lua: 10008');
  assert.deepEqual(reply.headers, { accept: '*/*', host: '10.96.117.20', 'user-agent': 'curl/8.11.1' });
  assert.equal(reply.body, undefined);
});

test('echoserver:1.10 without pod env vars: no pod; a request body is returned', () => {
  const reply = parsed(fixture('echoserver-1.10-no-pod.txt'));
  assert.equal(reply.pod, undefined);
  assert.equal(reply.client.address, '172.18.0.3');
  assert.equal(reply.client.query, 'a=1');
  assert.equal(reply.body, 'hello');
});

test('echoserver:1.4 layout (the Source IP tutorial), without a trailing newline', () => {
  const reply = parsed(fixture('echoserver-1.4.txt'));
  assert.equal(reply.layout, 'echoserver-1.4');
  assert.equal(reply.client.address, '10.244.3.8');
  assert.equal(reply.client.port, undefined);
  assert.equal(reply.client.method, 'GET');
  assert.equal(reply.client.query, '');
  assert.equal(reply.pod, undefined);
  assert.equal(reply.hostname, undefined);
  assert.equal(reply.server.version, 'nginx: 1.10.0 - lua: 10001');
  assert.equal(reply.body, undefined);
});

test('garbage never throws: it is a parse error with an excerpt', () => {
  const inputs: unknown[] = [
    '',
    '<html><body>502 Bad Gateway</body></html>',
    'CLIENT VALUES:\ncommand=GET\n',
    'Hostname: x\n\nPOD VALUES:\npod_name=p\n',
    fixture('kpc-get.txt').slice(0, 40),
    '\0\x01\x02binary',
    'client_address=1.2.3.4',
    undefined,
    null,
    42,
  ];
  for (const input of inputs) {
    const r = parseEcho(input as string);
    assert.equal(r.ok, false, JSON.stringify(input));
    if (!r.ok) {
      assert.ok(r.error.length > 0);
      assert.ok(r.excerpt.length <= 200);
    }
  }
  const r = parseEcho('CLIENT VALUES:\ncommand=GET\n');
  assert.ok(!r.ok && /client_address/.test(r.error), 'says what is missing');
});

test('a reply cut after client_address still parses what it has', () => {
  const text = fixture('kpc-get.txt');
  const cut = text.slice(0, text.indexOf('command='));
  const r = parseEcho(cut);
  assert.ok(r.ok);
  assert.equal(r.value.client.address, '10.99.0.1');
  assert.equal(r.value.client.method, undefined);
});
