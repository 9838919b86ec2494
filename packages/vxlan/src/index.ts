export * from './constants.js';
export * from './vxlan-header.js';
export * from './gbp.js';
export * from './gpe.js';
export * from './dissectors.js';
export * from './flow-hash.js';
export * from './fdb.js';
