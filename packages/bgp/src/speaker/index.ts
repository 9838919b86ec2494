export * from './decision.js';
export * from './evpn-routes.js';
export * from './peer.js';
export * from './rib.js';
export * from './route.js';
export * from './speaker.js';
export * from './timers.js';
export * from './update-routes.js';
