// The public surface: the package entry point exports no internal helper
// (argument validation, errno checks) and not the raw binding.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const root = join(__dirname, '..', '..');
const internal = ['check', 'invalidArgType', 'invalidArgValue', 'outOfRange', 'socketClosed', 'unknownOption', 'validateInteger', 'validatePort', 'validateBoolean', 'validateString', 'validateBytes', 'native', 'NativeBinding'];

it('the entry point (runtime and types) exports none of the internal helpers, nor native', async () => {
  const api = (await import(join(root, 'dist', 'index.js'))) as Record<string, unknown>;
  expect(internal.filter((n) => n in api)).toEqual([]);
  const dts = readFileSync(join(root, 'dist', 'index.d.ts'), 'utf8');
  expect(internal.filter((n) => new RegExp(`\\b${n}\\b`).test(dts))).toEqual([]);
  // What users catch is still there.
  for (const n of ['SocketError', 'SockitTypeError', 'SockitRangeError', 'SockitStateError', 'errnoName', 'constants']) expect(api, n).toHaveProperty(n);
});
