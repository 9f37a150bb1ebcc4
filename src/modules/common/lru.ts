/**
 * A bounded LRU on a Map (whose order is insertion order, so recency order when a hit moves its entry to the end):
 * past `max` entries the least recently used goes. A hit on the entry already at the end moves nothing: a key or
 * document repeating request after request then allocates nothing here (each delete + set churns the Map's table,
 * garbage that outlives a scavenge because the long-lived Map points to it).
 */
export class Lru<K, V> {
  private readonly map = new Map<K, V>();
  /** The key last in the Map's order (the most recently used), if known. */
  private newest: K | undefined;

  constructor(private readonly max: number) {}

  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined && this.newest !== key) {
      this.map.delete(key);
      this.map.set(key, v);
      this.newest = key;
    }
    return v;
  }

  /** Puts `v` as the most recently used (a key already there moves to the end too). */
  set(key: K, v: V): void {
    this.map.delete(key);
    this.map.set(key, v);
    this.newest = key;
    if (this.map.size > this.max) this.delete(this.map.keys().next().value!);
  }

  /** True if the key was there. */
  delete(key: K): boolean {
    if (this.newest === key) this.newest = undefined;
    return this.map.delete(key);
  }

  clear(): void {
    this.map.clear();
    this.newest = undefined;
  }

  get size(): number {
    return this.map.size;
  }
}
