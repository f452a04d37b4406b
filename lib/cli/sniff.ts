/** `sockit sniff` (placeholder until its layer lands). @module */
import { CommandSpec } from './args';
import { Io } from './output';
export const spec: CommandSpec = { name: 'sniff', summary: 'sniff', flags: {}, examples: [] };
export async function run(_argv: string[], io: Io): Promise<number> {
  io.err('sockit sniff: not available in this build yet');
  return 1;
}
