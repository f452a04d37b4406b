/** Native io calls (native/io.cc). The io area fills this interface in. */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface IoBinding {}
