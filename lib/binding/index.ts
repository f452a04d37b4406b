/**
 * Loads the native addon and declares its typed interface.
 * The binding interface is assembled from one part per native area (lib/binding/*.ts).
 * @module
 */
import * as path from 'node:path';
import type { SocketBinding } from './socket';
import type { OptionsBinding } from './options';
import type { InterfacesBinding } from './interfaces';
import type { IoBinding } from './io';
import type { PacketBinding } from './packet';
import type { NetnsBinding } from './netns';

export type * from './socket';

/** Everything native/ exports. */
export interface NativeBinding
  extends SocketBinding,
    OptionsBinding,
    InterfacesBinding,
    IoBinding,
    PacketBinding,
    NetnsBinding {}

function load(): NativeBinding {
  if (process.platform !== 'linux') {
    throw new Error(
      `sockit supports Linux only: it drives Linux socket options, AF_PACKET and network namespaces, ` +
        `which ${process.platform} does not have. Nothing was loaded.`,
    );
  }
  const root = path.join(__dirname, '..', '..');
  // SOCKIT_NATIVE_PATH: load this .node instead (the sanitizer build of `npm run test:asan`).
  const override = process.env.SOCKIT_NATIVE_PATH;
  // The one `any` of the project: the raw addon, typed by NativeBinding above.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const addon: any = override ? require(path.resolve(override)) : require('node-gyp-build')(root);
  // Copies with fast properties: the addon's objects are filled from C++ and sit in dictionary mode.
  return Object.freeze({ ...addon, ioConstants: Object.freeze({ ...addon.ioConstants }) }) as NativeBinding;
}

/** The raw native binding. Prefer the typed wrappers; this is for tests and experts. */
export const native: NativeBinding = load();

/** Numeric constants of this system by their C names (AF_INET, SO_REUSEPORT, ETH_P_ALL, ...). */
export const constants: Readonly<Record<string, number>> = Object.freeze({ ...native.constants });
