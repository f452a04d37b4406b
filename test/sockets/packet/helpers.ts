// Shared by the PacketSocket suites (packet.test.ts, ring.test.ts).
import { FrameInfo, PacketSocket, buildEthernet, buildUdpFrame } from '../../helpers/sockit';

/** IEEE 802 local experimental EtherType: nothing else on the link uses it. */
export const ETHERTYPE = 0x88b5;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A frame carrying `seq` in its first 4 payload bytes and a seq-dependent pattern after it. */
export function seqFrame(src: string, dst: string, seq: number, size = 64, type = ETHERTYPE): Buffer {
  const payload = Buffer.alloc(size - 14);
  payload.writeUInt32BE(seq, 0);
  for (let i = 4; i < payload.length; i++) payload[i] = (seq * 7 + i) & 0xff;
  return buildEthernet({ destination: dst, source: src, etherType: type, payload });
}

/** Collect frames (copied) until `done` says so or the time is up. */
export async function collect(sock: PacketSocket, ms: number, done: (n: number) => boolean = () => false): Promise<Array<{ frame: Buffer; info: FrameInfo }>> {
  const got: Array<{ frame: Buffer; info: FrameInfo }> = [];
  const onFrame = (frame: Buffer, info: FrameInfo): void => {
    got.push({ frame: Buffer.from(frame), info });
  };
  sock.on('frame', onFrame);
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && !done(got.length)) await sleep(5);
  sock.off('frame', onFrame);
  return got;
}

/** UDP destination port of an untagged IPv4 frame (Ethernet 14 + IPv4 20 bytes, then the UDP header). */
export const udpDstPort = (frame: Buffer): number => frame.readUInt16BE(14 + 20 + 2);

/**
 * Keep `tx` sending a flood of mixed UDP frames (198.18.0.1 → .2, MAC `src` → `dst`),
 * half to port 5000 and half to 6000, in batches of 50, until `stop()`.
 */
export function mixedUdpFlood(tx: PacketSocket, src: string, dst: string): { stop(): Promise<void> } {
  let flooding = true;
  let seq = 0;
  const frame = (port: number): Buffer =>
    buildUdpFrame({ sourceMac: src, destinationMac: dst, source: '198.18.0.1', destination: '198.18.0.2', sourcePort: 1000, destinationPort: port, payload: Buffer.from(`seq${seq++}`) });
  const done = (async (): Promise<void> => {
    while (flooding) {
      const batch = [];
      for (let i = 0; i < 50; i++) batch.push(frame(i % 2 ? 5000 : 6000));
      await tx.sendBatch(batch);
      await sleep(1);
    }
  })();
  return {
    stop: async () => {
      flooding = false;
      await done;
    },
  };
}
