// One UDP round trip on loopback and one option read through the package as
// installed (require('sockit-linux') from the cwd's node_modules, or argv[2]).
// Prints one JSON line: arch, node, the .node files mapped, what arrived.
// Used under other Node versions, under qemu-aarch64 and from a consumer project.
'use strict';
const fs = require('fs');
const path = require('path');
const main = require.resolve(process.argv[2] || 'sockit-linux');
const s = require(main);

(async () => {
  const rx = await s.UdpSocket.create({ address: '127.0.0.1', port: 0 });
  const tx = await s.UdpSocket.create({ address: '127.0.0.1', port: 0 });
  const got = new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no datagram within 10 s')), 10_000);
    rx.once('message', (data, info) => {
      clearTimeout(t);
      resolve({ data: data.toString(), port: info.port });
    });
  });
  const text = `ping from ${process.arch} node ${process.version}`;
  await tx.send(text, rx.address().port, '127.0.0.1');
  const message = await got;
  rx.setRecvBufferSize(100_000);
  const rcvbuf = rx.getRecvBufferSize();
  await Promise.all([rx.close(), tx.close()]);
  // A C++ exception thrown and caught inside the addon (unwinding through the static libgcc).
  const { native } = require(path.join(path.dirname(main), 'binding', 'index.js'));
  let nativeThrow = null;
  try {
    native.socket('not a number', 1, 0);
  } catch (e) {
    nativeThrow = `${e.name} ${e.code}`;
  }
  const maps = fs.readFileSync('/proc/self/maps', 'utf8');
  const addons = [...new Set(maps.split('\n').map((l) => l.split(/\s+/)[5]).filter((p) => p && p.endsWith('.node')))];
  console.log(JSON.stringify({ arch: process.arch, node: process.version, addons, sent: text, message, rcvbuf, nativeThrow }));
})().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
