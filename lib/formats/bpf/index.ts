/**
 * Classic BPF for packet sockets: program type and validation, `tcpdump -dd`
 * parsing, a typed filter builder, and a TypeScript interpreter.
 * @module
 */
export * from './program';
export * from './interpreter';
export * from './builder';
