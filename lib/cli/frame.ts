/** `sockit frame` (placeholder until its layer lands). @module */
import type { Command } from './main';
import { Io } from './output';
const stub = (name: string): Command => ({
  spec: { name, summary: name, flags: {}, examples: [] },
  run: async (_argv: string[], io: Io) => {
    io.err(`sockit ${name}: not available in this build yet`);
    return 1;
  },
});
export const send = stub('frame send');
export const recv = stub('frame recv');
