import { test } from 'node:test';
import assert from 'node:assert/strict';
import { intToIp, ipToInt, parseCidr, pickFreeAddress } from '../../clusters/ipv4.ts';

test('ip <-> int round trip', () => {
  for (const ip of ['0.0.0.0', '172.18.0.2', '255.255.255.255', '10.244.1.1']) assert.equal(intToIp(ipToInt(ip)), ip);
  assert.throws(() => ipToInt('172.18.0'), /not an IPv4/);
  assert.throws(() => ipToInt('300.1.1.1'), /not an IPv4/);
});

test('parseCidr normalises the network address', () => {
  const c = parseCidr('172.18.3.7/16');
  assert.equal(intToIp(c.network), '172.18.0.0');
  assert.equal(c.size, 65536);
  assert.throws(() => parseCidr('fc00::/64'), /not an IPv4 CIDR/);
});

test('pickFreeAddress skips used addresses and stays below the reserved top', () => {
  assert.equal(pickFreeAddress('172.18.0.0/16', ['172.18.0.2', '172.18.0.3']), '172.18.0.200');
  assert.equal(pickFreeAddress('172.18.0.0/16', ['172.18.0.200', '172.18.0.201']), '172.18.0.202');
  // A /24: offset is capped to half the subnet; the top 64 are MetalLB's.
  assert.equal(pickFreeAddress('192.168.9.0/24', []), '192.168.9.128');
  assert.throws(() => pickFreeAddress('192.168.9.0/25', [], 200, 64), /no free address/);
});
