/**
 * ESM resolve hook of the dgram preload (registered by ./register with
 * `module.register`; runs on Node's loader thread): `import 'dgram'` and
 * `import 'node:dgram'` resolve to the drop-in, outside this library's own files.
 * @module
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** What ./register passes: the drop-in's URL and this package's compiled library's directory. */
interface HookData {
  url: string;
  root: string;
}

let data: HookData | undefined;

/** Loader hook: receives {@link HookData} from `module.register`. */
export function initialize(d: HookData): void {
  data = d;
}

interface ResolveContext {
  parentURL?: string;
}
interface ResolveResult {
  url: string;
  format?: string | null;
  shortCircuit?: boolean;
}

function insideLibrary(parentURL: string | undefined): boolean {
  if (!data || !parentURL?.startsWith('file:')) return false;
  const file = fileURLToPath(parentURL);
  return file.startsWith(data.root + path.sep);
}

/** Loader hook: redirect dgram to the drop-in. */
export async function resolve(
  specifier: string,
  context: ResolveContext,
  next: (specifier: string, context: ResolveContext) => Promise<ResolveResult>,
): Promise<ResolveResult> {
  if (data && (specifier === 'dgram' || specifier === 'node:dgram') && !insideLibrary(context.parentURL)) {
    return { url: data.url, format: 'commonjs', shortCircuit: true };
  }
  return next(specifier, context);
}
