/**
 * IP address text from raw bytes, with no native dependency (used by the
 * receive path and by the pure frame codecs).
 * @module
 */
function hex4(n: number): string {
  return n.toString(16);
}

/** RFC 5952 text of 16 address bytes. */
export function formatIPv6(b: Uint8Array, off = 0): string {
  if (b[off] === 0 && b[off + 1] === 0 && b[off + 2] === 0 && b[off + 3] === 0 && b[off + 4] === 0 && b[off + 5] === 0 &&
      b[off + 6] === 0 && b[off + 7] === 0 && b[off + 8] === 0 && b[off + 9] === 0 && b[off + 10] === 0xff && b[off + 11] === 0xff) {
    return `::ffff:${b[off + 12]}.${b[off + 13]}.${b[off + 14]}.${b[off + 15]}`;
  }
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push(((b[off + 2 * i] as number) << 8) | (b[off + 2 * i + 1] as number));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestStart < 0) return g.map(hex4).join(':');
  const head = g.slice(0, bestStart).map(hex4).join(':');
  const tail = g.slice(bestStart + bestLen).map(hex4).join(':');
  return `${head}::${tail}`;
}

/** Dotted-quad text of 4 address bytes at `off`. */
export function formatIPv4(b: Uint8Array, off = 0): string {
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}

/** True for an IPv4 multicast literal (224.0.0.0/4) or an IPv6 one (ff00::/8, `%scope` allowed); text test only. */
export function isMulticastText(address: string): boolean {
  if (address.includes(':')) return /^ff[0-9a-f]{0,2}:/i.test(address) && !/^::ffff:/i.test(address);
  const first = Number(address.split('.')[0]);
  return first >= 224 && first <= 239;
}
