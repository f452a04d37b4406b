/**
 * Classic BPF for packet sockets: program type and validation, `tcpdump -dd`
 * parsing, a typed filter builder, the tcpdump-style filter language
 * (`compile('udp port 53')`), and a TypeScript interpreter.
 * @module
 */
export * from './program';
export * from './interpreter';
export * from './builder';
export * from './filter';
