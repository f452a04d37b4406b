/** Native options calls (native/options.cc). The options area fills this interface in. */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface OptionsBinding {}
