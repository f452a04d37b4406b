/**
 * `<package>/dgram/register`: a preload that swaps the dgram drop-in in for
 * a whole process. `node -r <package>/dgram/register app.js` or
 * `node --import <package>/dgram/register app.mjs`: from then on
 * `require('dgram')`, `require('node:dgram')` and ESM imports of either
 * resolve to `<package>/dgram` in every module — except inside this library's
 * own files, whose code (UdpSocket's dgram interop) keeps Node's built-in.
 *
 * CommonJS: a `Module._load` hook. ESM: a resolve hook registered with
 * `module.register` (Node 20.6+; on older Node only `require` is redirected).
 * @module
 */
import Module from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

// The compiled library (dist/): its own requests keep the built-in.
const LIB_ROOT = path.resolve(__dirname, '..');
const DROPIN = require.resolve('./index');
const kRegistered = Symbol.for('sockit.dgram.register');

function isDgram(request: string): boolean {
  return request === 'dgram' || request === 'node:dgram';
}

/** The library's own files keep the built-in (the drop-in is built on UdpSocket, which interoperates with it). */
function insideLibrary(filename: string | undefined | null): boolean {
  return typeof filename === 'string' && filename.startsWith(LIB_ROOT + path.sep);
}

type Load = (request: string, parent: { filename?: string | null } | null | undefined, isMain: boolean) => unknown;
const M = Module as unknown as { _load: Load; register?: (specifier: string | URL, options?: { data?: unknown }) => void };
const g = globalThis as unknown as Record<symbol, boolean>;

// Registering twice (-r and --import, or two copies) would stack hooks.
if (!g[kRegistered]) {
  Object.defineProperty(globalThis, kRegistered, { value: true, enumerable: false });
  const load = M._load;
  M._load = function _load(this: unknown, request: string, parent, isMain): unknown {
    if (isDgram(request) && !insideLibrary(parent?.filename)) return load.call(this, DROPIN, parent, isMain);
    return load.call(this, request, parent, isMain);
  };
  if (typeof M.register === 'function') {
    M.register(pathToFileURL(path.join(__dirname, 'hooks.js')), {
      data: { url: pathToFileURL(DROPIN).href, root: LIB_ROOT },
    });
  }
}
