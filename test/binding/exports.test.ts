// The typed binding interface (lib/binding/*.ts) against the loaded addon:
// every member NativeBinding declares, and every IoHandle / IoRing / layout
// member, exists natively with the declared kind, and the record layouts are
// the ones the C structs have (offsetof, exported by native/constants.cc).
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { native } from '../helpers/sockit';
import { ControlLayout, MetaLayout, SockaddrLayout, SockaddrStructs } from '../../dist/binding/io.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const program = ts.createProgram([`${root}lib/binding/index.ts`], { strict: true, noEmit: true });
const checker = program.getTypeChecker();

/** Members of an exported interface of lib/binding: name → whether it is callable. */
function members(file: string, name: string): Map<string, boolean> {
  const sf = program.getSourceFile(`${root}lib/binding/${file}`);
  if (!sf) throw new Error(`no ${file}`);
  let decl: ts.InterfaceDeclaration | undefined;
  ts.forEachChild(sf, (n) => {
    if (ts.isInterfaceDeclaration(n) && n.name.text === name) decl = n;
  });
  if (!decl) throw new Error(`no interface ${name} in ${file}`);
  const type = checker.getTypeAtLocation(decl);
  const out = new Map<string, boolean>();
  for (const p of checker.getPropertiesOfType(type)) {
    const t = checker.getTypeOfSymbolAtLocation(p, decl);
    out.set(p.getName(), t.getCallSignatures().length > 0 || t.getConstructSignatures().length > 0);
  }
  return out;
}

describe('the native module exports everything the binding interface declares', () => {
  it('NativeBinding: every member exists, functions are functions', () => {
    const declared = members('index.ts', 'NativeBinding');
    expect(declared.size).toBeGreaterThan(40);
    const missing = [...declared.keys()].filter((k) => !(k in native));
    expect(missing).toEqual([]);
    for (const [k, fn] of declared) expect(typeof (native as unknown as Record<string, unknown>)[k] === 'function', k).toBe(fn);
    // And nothing native is undeclared (an export TS cannot see is dead or untyped).
    const undeclared = Object.keys(native).filter((k) => !declared.has(k));
    expect(undeclared).toEqual([]);
  });

  it('IoHandle, IoConstants, layouts: every declared member exists', () => {
    // An AF_UNIX handle with maxRights has every member, `rights` included.
    const fd = native.socket(native.constants.AF_UNIX!, native.constants.SOCK_DGRAM!, 0);
    const h = new native.IoHandle(fd, {}, () => {}, () => {}, { maxRights: 4 });
    try {
      for (const [k, fn] of members('io.ts', 'IoHandle')) {
        expect(k in h, `IoHandle.${k}`).toBe(true);
        expect(typeof (h as unknown as Record<string, unknown>)[k] === 'function', `IoHandle.${k}`).toBe(fn);
      }
    } finally {
      h.close();
    }
    for (const k of members('io.ts', 'IoConstants').keys()) expect(typeof (native.ioConstants as unknown as Record<string, unknown>)[k], k).toBe('number');
    for (const k of members('io.ts', 'ControlRecordLayout').keys()) expect(typeof (ControlLayout as unknown as Record<string, unknown>)[k], k).toBe('number');
    for (const k of members('io.ts', 'MetaRecordLayout').keys()) expect(typeof (MetaLayout as unknown as Record<string, unknown>)[k], k).toBe('number');
    for (const k of members('io.ts', 'FlatSockaddrLayout').keys()) expect(typeof (SockaddrLayout as unknown as Record<string, unknown>)[k], k).toBe('number');
    for (const [iface, key] of [['SockaddrInLayout', 'sockaddr_in'], ['SockaddrIn6Layout', 'sockaddr_in6'], ['SockaddrLlLayout', 'sockaddr_ll'], ['SockaddrUnLayout', 'sockaddr_un']] as const) {
      const layout = SockaddrStructs[key] as unknown as Record<string, unknown>;
      for (const k of members('io.ts', iface).keys()) expect(typeof layout[k], `${key}.${k}`).toBe('number');
    }
  });

  it('layouts are the C structs: strides agree, sockaddr offsets are the Linux ABI, ControlLayout keeps its names', () => {
    const io = native.ioConstants;
    expect(ControlLayout.size).toBe(io.CONTROL_STRIDE);
    expect(MetaLayout.stride).toBe(io.META_STRIDE);
    expect([MetaLayout.offset, MetaLayout.length, MetaLayout.realLength, MetaLayout.flags]).toEqual([0, 1, 2, 3]);
    expect(SockaddrStructs.sockaddr_in).toEqual({ sin_family: 0, sin_port: 2, sin_addr: 4, size: 16 });
    expect(SockaddrStructs.sockaddr_in6).toEqual({ sin6_family: 0, sin6_port: 2, sin6_flowinfo: 4, sin6_addr: 8, sin6_scope_id: 24, size: 28 });
    expect(SockaddrStructs.sockaddr_ll).toEqual({ sll_family: 0, sll_protocol: 2, sll_ifindex: 4, sll_hatype: 8, sll_pkttype: 10, sll_halen: 11, sll_addr: 12, size: 20 });
    expect(SockaddrStructs.sockaddr_un).toEqual({ sun_family: 0, sun_path: 2, size: 110 });
    for (const l of Object.values(SockaddrStructs)) expect(l.size).toBeLessThanOrEqual(io.ADDRESS_STRIDE);
    // The flat view the sockaddr decoder reads.
    expect(SockaddrLayout).toEqual({ length: 110, family: 0, inPort: 2, inAddr: 4, in6Flowinfo: 4, in6Addr: 8, in6ScopeId: 24, llProtocol: 2, llIfindex: 4, llHatype: 8, llPkttype: 10, llHalen: 11, llAddr: 12, sunPath: 2 });
    // The address length field follows every sockaddr an address record holds (sockaddr_un is the longest, 110 bytes).
    expect(io.ADDRESS_LENGTH).toBe(io.ADDRESS_STRIDE - 2);
    expect(SockaddrStructs.sockaddr_un.size).toBeLessThanOrEqual(io.ADDRESS_LENGTH);
    // The decoder writes where ControlLayout says: a pktinfo + TTL record read back through it.
    const c = native.constants;
    const cmsg = Buffer.alloc(48);
    cmsg.writeBigUInt64LE(28n, 0); // cmsg_len: header (16) + in_pktinfo (12)
    cmsg.writeInt32LE(c.IPPROTO_IP!, 8);
    cmsg.writeInt32LE(c.IP_PKTINFO!, 12);
    cmsg.writeInt32LE(7, 16); // ipi_ifindex
    Buffer.from([198, 18, 0, 9]).copy(cmsg, 24); // ipi_addr
    const rec = native.ioDecodeControl(cmsg.subarray(0, 32));
    expect(rec.readUInt32LE(ControlLayout.present) & io.HAS_PKTINFO).toBe(io.HAS_PKTINFO);
    expect(rec.readUInt32LE(ControlLayout.ifindex)).toBe(7);
    expect([...rec.subarray(ControlLayout.dst, ControlLayout.dst + 4)]).toEqual([198, 18, 0, 9]);
    expect(rec.readUInt32LE(ControlLayout.dstFamily)).toBe(c.AF_INET);
  });
});
