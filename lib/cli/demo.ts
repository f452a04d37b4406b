/** `sockit demo` (placeholder until its layer lands). @module */
import { CommandSpec } from './args';
import { Io } from './output';
export const spec: CommandSpec = { name: 'demo', summary: 'demo', flags: {}, examples: [] };
export async function run(_argv: string[], io: Io): Promise<number> {
  io.err('sockit demo: not available in this build yet');
  return 1;
}
