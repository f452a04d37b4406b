/**
 * `topology.capture()`: one link recorded into a pcap file with sockit's own
 * PacketSocket, for looking at what a failing test really sent.
 * @module
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PacketSocket } from '../sockets/packet';
import type { PacketFilter } from '../sockets/packet';
import { PcapWriter } from '../formats/pcap';
import { invalidArgType } from '../core/errors';

/** Options of {@link Topology.capture}. */
export interface CaptureOptions {
  /** Largest bytes kept per frame (default 262144, as tcpdump). */
  snaplen?: number;
  /** Also record frames for other MACs crossing the link (default true). */
  promiscuous?: boolean;
  /** Record only frames this filter accepts (a builder expression, a cBPF program or `tcpdump -dd` text). */
  filter?: PacketFilter;
}

/** What a stopped capture recorded. */
export interface CaptureSummary {
  /** The pcap file. */
  file: string;
  /** Frames written. */
  frames: number;
  /** Frames the kernel dropped because this capture fell behind. */
  dropped: number;
}

/** A running capture. */
export interface Capture {
  /** The pcap file being written. */
  file: string;
  /** The node captured on. */
  node: string;
  /** The interface captured on, inside that node. */
  interface: string;
  /** Frames written so far. */
  readonly frames: number;
  /** Stop, flush and close the file (idempotent). */
  stop(): Promise<CaptureSummary>;
}

let fileCounter = 0;

/** @internal Open the socket and the file; `onStop` runs once the capture is closed. */
export async function startCapture(netns: string, node: string, iface: string, file: string | undefined, options: CaptureOptions, onStop: (c: Capture) => void): Promise<Capture> {
  if (file !== undefined && typeof file !== 'string') throw invalidArgType('file', 'a path string', file);
  const path = file ?? join(tmpdir(), `sockit-${process.pid}-${fileCounter++}-${node}-${iface}.pcap`);
  const sock = await PacketSocket.open({ netns, interface: iface, promiscuous: options.promiscuous ?? true, ...(options.filter !== undefined ? { filter: options.filter } : {}) });
  let writer: PcapWriter;
  try {
    writer = await PcapWriter.create(path, options.snaplen === undefined ? {} : { snaplen: options.snaplen });
  } catch (e) {
    await sock.close();
    throw e;
  }
  let lastFrame = performance.now();
  sock.on('frame', (frame: Buffer, info: { timestamp: bigint; length: number }) => {
    lastFrame = performance.now();
    writer.write(frame, { ...(info.timestamp > 0n ? { timestamp: info.timestamp } : {}), originalLength: info.length });
  });
  sock.on('error', () => {
    /* the namespace went away under the capture; stop() still closes the file */
  });
  let stopping: Promise<CaptureSummary> | undefined;
  const capture: Capture = {
    file: path,
    node,
    interface: iface,
    get frames(): number {
      return writer.count;
    },
    stop(): Promise<CaptureSummary> {
      stopping ??= (async () => {
        // Frames the kernel already queued are read before closing: let the
        // poll phase run, until 20 ms pass without a frame (at most 500 ms).
        const start = performance.now();
        do await new Promise((r) => setTimeout(r, 10));
        while (performance.now() - lastFrame < 20 && performance.now() - start < 500);
        let dropped = 0;
        try {
          dropped = sock.stats().dropped;
        } catch {
          /* closed already */
        }
        await sock.close();
        await writer.close();
        onStop(capture);
        return { file: path, frames: writer.count, dropped };
      })();
      return stopping;
    },
  };
  return capture;
}
