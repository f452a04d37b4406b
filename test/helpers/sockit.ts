// Tests exercise the built package (dist/), exactly what users load.
export * from '../../dist/index.js';
// The raw binding is not public API; tests that drive it directly take it from here.
export { native } from '../../dist/binding/index.js';
export type { NativeBinding } from '../../dist/binding/index.js';
