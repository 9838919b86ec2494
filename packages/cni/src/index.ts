export * from './cache.js';
export {
  confListFromConfig,
  negotiateVersion,
  parseConfList,
  parseJsonObject,
  parsePluginConfig,
  validateContainerId,
  validateInterfaceName,
  validateNetworkName,
} from './config.js';
export * from './errors.js';
export * from './invoke.js';
export * from './result.js';
export * from './runtime.js';
export * from './skeleton.js';
export type * from './types.js';
export * from './version.js';
