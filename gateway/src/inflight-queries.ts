/**
 * Identical subgraph queries in flight at the same moment share one request (what Apollo Router
 * calls query deduplication and Hive Gateway does by default): the first caller sends it, those
 * that arrive before its answer wait for that answer instead of sending their own. Under load many
 * clients ask the same thing at once (a storefront's first page, a popular product); without this,
 * each of them costs the subgraph and its database a full request.
 *
 * The key is the caller's identity and the exact operation and variables, so callers who could
 * be answered differently never share. Only queries are shared: a mutation always runs once per
 * caller. Each waiting caller gets its own copy of the answer, since the gateway's executor
 * writes into the data it is given.
 */
export class InflightQueries<T> {
  private readonly inflight = new Map<string, Promise<T>>();
  /** Callers answered by another caller's request, for tests and metrics. */
  shared = 0;

  constructor(private readonly copy: (value: T) => T) {}

  run(key: string, send: () => Promise<T>): Promise<T> {
    const pending = this.inflight.get(key);
    if (pending) {
      this.shared++;
      return pending.then(this.copy);
    }
    const request = send().finally(() => this.inflight.delete(key));
    this.inflight.set(key, request);
    return request;
  }
}

/** True for an operation document the gateway built that only reads (not a mutation or subscription). */
export function isQueryOperation(document: string): boolean {
  const start = document.trimStart();
  return start.startsWith('{') || start.startsWith('query');
}
