#!/usr/bin/env node
// Cost of the typed option path vs the raw escape hatch (one syscall each).
// Run inside a private namespace: unshare --net node scripts/bench/options.mjs
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const s = require('../../dist/index.js');

const N = Number(process.env.N ?? 200000);
const sock = new s.Socket('ipv4', 'dgram');
const buf = Buffer.alloc(4);
function bench(name, fn) {
  for (let i = 0; i < 1000; i++) fn(i);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) fn(i);
  const ns = Number(process.hrtime.bigint() - t0) / N;
  console.log(`${name.padEnd(44)} ${ns.toFixed(0).padStart(6)} ns/call  ${(1e9 / ns / 1e6).toFixed(2)} M calls/s`);
}
bench('setOption(sock, IP_TTL, n)', (i) => s.setOption(sock, 'IP_TTL', (i % 200) + 1));
bench('getOption(sock, IP_TTL)', () => s.getOption(sock, 'IP_TTL'));
bench('setOption(sock, IP_ADD/DROP_MEMBERSHIP) pair', () => {
  s.setOption(sock, 'IP_ADD_MEMBERSHIP', { group: '239.1.1.1', interface: 1 });
  s.setOption(sock, 'IP_DROP_MEMBERSHIP', { group: '239.1.1.1', interface: 1 });
});
bench('raw native.setsockoptRaw(fd, IP, IP_TTL, buf)', (i) => {
  buf.writeInt32LE((i % 200) + 1, 0);
  s.native.setsockoptRaw(sock.fd, s.constants.IPPROTO_IP, s.constants.IP_TTL, buf);
});
bench('raw native.getsockoptRaw(fd, IP, IP_TTL, 4)', () => s.native.getsockoptRaw(sock.fd, s.constants.IPPROTO_IP, s.constants.IP_TTL, 4));
sock.close();
