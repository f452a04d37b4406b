// The best ratios to C that the per-message APIs allow, shared by bench:udp
// and bench:frames. All rates are messages per CPU-second.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The JavaScript floor of one send() promise and one received message, measured now: { sendNs, recvNs }. */
export function measureFloor() {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'floor.cjs');
  return JSON.parse(execFileSync(process.execPath, [script], { encoding: 'utf8' }).trim());
}

/** C's time per message against C's plus a JavaScript floor of `ns`: an engine with no cost of its own. */
export function ceiling(cRate, ns) {
  return (1e9 / cRate / (1e9 / cRate + ns)).toFixed(2);
}

/** send() flushes through the sendBatch path: at best one sendBatch message plus one promise (`ns`). */
export function ceilingViaBatch(cRate, batchRate, ns) {
  return (1e9 / cRate / (1e9 / batchRate + ns)).toFixed(2);
}
