/**
 * The typing of a Node EventEmitter whose event names and listener arguments are fixed by `Events`
 * (the shape of npm's typed-emitter 2.x). Declared here, not imported: typed-emitter's ESM-style
 * `export default` in a CommonJS package is a namespace, not a type, for consumers compiling with
 * `moduleResolution: node16`, and it pulls rxjs in as an optional dependency.
 *
 * `class Monitor extends (EventEmitter as new () => TypedEmitter<MonitorEvents>) { … }`
 */
// biome-ignore lint/suspicious/noExplicitAny: listener parameters are whatever each event declares
export type EventMap = { [event: string]: (...args: any[]) => void };

export interface TypedEmitter<Events extends EventMap> {
  addListener<E extends keyof Events>(event: E, listener: Events[E]): this;
  on<E extends keyof Events>(event: E, listener: Events[E]): this;
  once<E extends keyof Events>(event: E, listener: Events[E]): this;
  prependListener<E extends keyof Events>(event: E, listener: Events[E]): this;
  prependOnceListener<E extends keyof Events>(event: E, listener: Events[E]): this;
  off<E extends keyof Events>(event: E, listener: Events[E]): this;
  removeAllListeners<E extends keyof Events>(event?: E): this;
  removeListener<E extends keyof Events>(event: E, listener: Events[E]): this;
  emit<E extends keyof Events>(event: E, ...args: Parameters<Events[E]>): boolean;
  eventNames(): (keyof Events | string | symbol)[];
  rawListeners<E extends keyof Events>(event: E): Events[E][];
  listeners<E extends keyof Events>(event: E): Events[E][];
  listenerCount<E extends keyof Events>(event: E): number;
  getMaxListeners(): number;
  setMaxListeners(maxListeners: number): this;
}
