import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCurlOutput } from '../../harness/probes/curl.ts';

test('parseCurlOutput splits body and trailer', () => {
  const r = parseCurlOutput('hello\nworld\n\n__KPC_CURL__200|10.244.1.3|41234|10.96.12.7|80');
  assert.equal(r.body, 'hello\nworld\n');
  assert.equal(r.httpCode, 200);
  assert.equal(r.localIp, '10.244.1.3');
  assert.equal(r.remotePort, 80);
});

test('parseCurlOutput on a failed connection has no http code', () => {
  const r = parseCurlOutput('\n__KPC_CURL__000||0||0');
  assert.equal(r.body, '');
  assert.equal(r.httpCode, undefined);
  assert.equal(r.localIp, undefined);
});

test('parseCurlOutput without the trailer keeps everything as body', () => {
  assert.equal(parseCurlOutput('OCI runtime exec failed').body, 'OCI runtime exec failed');
});
