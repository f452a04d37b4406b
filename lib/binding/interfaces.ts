/** Native interface calls (native/interfaces.cc). */
export interface InterfacesBinding {
  /** if_nametoindex → index | -errno */
  ifNameToIndex(name: string): number;
  /** if_indextoname → name | -errno */
  ifIndexToName(index: number): string | number;
}
