export * from './errors.js';
export * from './offset-set.js';
export * from './prefix-math.js';
export * from './range-config.js';
export * from './range-pool.js';
