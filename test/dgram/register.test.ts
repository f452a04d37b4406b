// The dgram preload: `node -r .../dgram/register` and `node --import
// .../dgram/register` make require('dgram'), require('node:dgram') and ESM
// imports of both resolve to the drop-in for every module, while the
// library's own files keep Node's built-in.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeWith } from '../helpers/env';

const DIST = join(__dirname, '..', '..', 'dist');
const REGISTER = join(DIST, 'dgram', 'register.js');
const DROPIN = join(DIST, 'dgram', 'index.js');

const dir = mkdtempSync(join(tmpdir(), 'sockit-dgram-register-'));
// An application and a "library" of its own, both plain dgram users.
writeFileSync(join(dir, 'lib.cjs'), "module.exports = { cjs: require('dgram'), cjsNode: require('node:dgram') };\n");
writeFileSync(
  join(dir, 'app.mjs'),
  [
    "import def, { createSocket } from 'dgram';",
    "import * as ns from 'node:dgram';",
    "import { createRequire } from 'node:module';",
    'const require = createRequire(import.meta.url);',
    `const dropin = require(${JSON.stringify(DROPIN)});`,
    "const lib = require('./lib.cjs');",
    "const dyn = await import('node:dgram');",
    'console.log(JSON.stringify({',
    '  esmDefault: def === dropin, esmNamed: createSocket === dropin.createSocket, esmNamespace: ns.Socket === dropin.Socket,',
    '  dynamic: dyn.default === dropin, cjs: lib.cjs === dropin, cjsNode: lib.cjsNode === dropin,',
    '  socket: createSocket("udp4") instanceof dropin.Socket,',
    '}));',
    'process.exit(0);',
  ].join('\n'),
);

function run(args: string[]): unknown {
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 20_000, cwd: dir });
  if (r.status !== 0) throw new Error(`node ${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string);
}

const all = { esmDefault: true, esmNamed: true, esmNamespace: true, dynamic: true, cjs: true, cjsNode: true, socket: true };

describeWith(['netns'], 'dgram preload', () => {
  it('node -r: CommonJS and ESM, static and dynamic, all get the drop-in', () => {
    expect(run(['-r', REGISTER, 'app.mjs'])).toEqual(all);
  });

  it('node --import: the same', () => {
    expect(run(['--import', REGISTER, 'app.mjs'])).toEqual(all);
  });

  it('without the preload nothing changes', () => {
    expect(run(['app.mjs'])).toEqual({ esmDefault: false, esmNamed: false, esmNamespace: false, dynamic: false, cjs: false, cjsNode: false, socket: false });
  });

  it("the library's own files keep Node's built-in (UdpSocket.toDgram() gives a node:dgram socket)", () => {
    const code = [
      `const { UdpSocket } = require(${JSON.stringify(join(DIST, 'index.js'))});`,
      `const dropin = require(${JSON.stringify(DROPIN)});`,
      '(async () => {',
      "  const u = await UdpSocket.create({ family: 'ipv4', address: '127.0.0.1', port: 0 });",
      '  const d = await u.toDgram();',
      "  console.log(JSON.stringify({ dropinSocket: d instanceof dropin.Socket, nodeHandle: typeof d._handle?.recvStart === 'function', dgramIsDropin: require('dgram') === dropin }));",
      '  d.close();',
      '})();',
    ].join('\n');
    expect(run(['--no-deprecation', '-r', REGISTER, '-e', code])).toEqual({ dropinSocket: false, nodeHandle: true, dgramIsDropin: true });
  });

  it('registering twice (-r and --import) installs the hooks once', () => {
    expect(run(['-r', REGISTER, '--import', REGISTER, 'app.mjs'])).toEqual(all);
  });
});
