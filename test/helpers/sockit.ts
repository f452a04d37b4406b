// Tests exercise the built package (dist/), exactly what users load.
export * from '../../dist/index.js';
