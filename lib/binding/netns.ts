/** Native netns calls (native/netns.cc). The netns area fills this interface in. */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface NetnsBinding {}
